//! Problems raised in the work (工作中出现的问题): from a report's 存在问题 or by the coordinator,
//! tracked to resolution with an owner and a due date.

use crate::plan::Plan;
use crate::report::check_text;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// 待处理
    Open,
    /// 处理中
    InProgress,
    /// 已解决
    Resolved,
}

impl ProblemStatus {
    pub const ALL: [ProblemStatus; 3] = [
        ProblemStatus::Open,
        ProblemStatus::InProgress,
        ProblemStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemStatus::Open => "open",
            ProblemStatus::InProgress => "in_progress",
            ProblemStatus::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProblemStatus::Open => "待处理",
            ProblemStatus::InProgress => "处理中",
            ProblemStatus::Resolved => "已解决",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ProblemStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text || s.label() == text)
    }
}

/// Past its due date and not resolved.
pub fn is_overdue(status: ProblemStatus, due: Option<NaiveDate>, today: NaiveDate) -> bool {
    status != ProblemStatus::Resolved && due.is_some_and(|d| d < today)
}

/// A problem as entered, checked against the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemDraft {
    pub description: String,
    pub unit: String,
    pub task: Option<String>,
    pub area: Option<String>,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub source: String,
}

pub const MAX_PROBLEM_CHARS: usize = 1000;

impl ProblemDraft {
    /// Every mistake as (form field, message naming the field in Chinese), so that a form shows
    /// each beside its field.
    pub fn check(&self, plan: &Plan) -> Result<(), Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        if self.description.trim().is_empty() {
            errors.push(("description", "请填写问题描述".to_string()));
        } else if let Err(e) = check_text("问题描述", &self.description, MAX_PROBLEM_CHARS) {
            errors.push(("description", e));
        }
        if let Err(e) = check_text("责任人", &self.owner, 50) {
            errors.push(("owner", e));
        }
        if plan.unit(&self.unit).is_none() {
            errors.push(("unit", format!("单位“{}”不在方案中", self.unit)));
        }
        if let Some(t) = &self.task {
            if !plan.tasks.iter().any(|x| &x.code == t) {
                errors.push(("task", format!("任务“{t}”不在方案中")));
            }
        }
        if let Some(a) = &self.area {
            if plan.area(a).is_none() {
                errors.push(("area", format!("受援地“{a}”不在方案中")));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A change of a problem's standing as typed: every mistake as (field, message).
pub fn check_update(
    status: ProblemStatus,
    resolution: &str,
    owner: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if let Err(e) = check_text("处理情况", resolution, 2000) {
        errors.push(("resolution", e));
    } else if status == ProblemStatus::Resolved && resolution.trim().is_empty() {
        errors.push(("resolution", "标记为已解决时请填写处理情况".to_string()));
    }
    if let Some(Err(e)) = owner.map(|o| check_text("责任人", o, 50)) {
        errors.push(("owner", e));
    }
    errors
}

/// The sentences of a narrative, each a candidate problem (split at 。；; and line breaks).
pub fn sentences(text: &str) -> Vec<String> {
    text.split(['。', '；', ';', '\n', '！', '？'])
        .map(|s| {
            s.trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || "、.．)）(（".contains(c))
                .trim()
        })
        .filter(|s| s.chars().count() >= 4)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::parse_plan;

    #[test]
    fn sentences_split_a_narrative_into_candidate_problems() {
        let text = "1.资金拨付进度慢；2.受援地交通不便。\n3、缺少专业教师！好";
        assert_eq!(
            sentences(text),
            vec!["资金拨付进度慢", "受援地交通不便", "缺少专业教师"]
        );
    }

    #[test]
    fn overdue_unless_resolved() {
        let d = |day| NaiveDate::from_ymd_opt(2018, 6, day).unwrap();
        assert!(is_overdue(ProblemStatus::Open, Some(d(1)), d(2)));
        assert!(!is_overdue(ProblemStatus::Resolved, Some(d(1)), d(2)));
        assert!(!is_overdue(ProblemStatus::InProgress, Some(d(3)), d(2)));
        assert!(!is_overdue(ProblemStatus::Open, None, d(2)));
        assert_eq!(
            ProblemStatus::parse("处理中"),
            Some(ProblemStatus::InProgress)
        );
    }

    #[test]
    fn drafts_are_checked_against_the_plan() {
        let plan = parse_plan("d", include_str!("../../../plans/daxing-2017-2020.toml")).unwrap();
        let good = ProblemDraft {
            description: "资金拨付进度慢".into(),
            unit: "czj".into(),
            task: Some("1.2-1".into()),
            area: Some("htx".into()),
            owner: "张三".into(),
            due: None,
            source: String::new(),
        };
        assert!(good.check(&plan).is_ok());
        let bad = ProblemDraft {
            description: " ".into(),
            unit: "nobody".into(),
            task: Some("9-9".into()),
            ..good
        };
        let errors = bad.check(&plan).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[1].0, "unit");
        assert!(errors[1].1.contains("单位“nobody”"));
    }
}
