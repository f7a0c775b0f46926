//! A unit's quarterly report: its states, the workflow between them, and the checks on its values.
//! The same rules serve the web page, the JSON API and (later) spreadsheet import.

use crate::plan::{Indicator, Plan, RuleKind};
use crate::quantity::{Quantity, QuantityError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// 草稿 → 已报送 → 退回 → 已报送 → 已审核 (locked; reopened only by the coordinator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    Submitted,
    Returned,
    Approved,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 4] = [
        ReportStatus::Draft,
        ReportStatus::Submitted,
        ReportStatus::Returned,
        ReportStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ReportStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Draft => "草稿",
            ReportStatus::Submitted => "已报送",
            ReportStatus::Returned => "退回",
            ReportStatus::Approved => "已审核",
        }
    }

    /// Whether the reporting unit may change values and narrative.
    pub fn editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkflowAction {
    Submit,
    Return,
    Approve,
    Reopen,
}

impl WorkflowAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowAction::Submit => "submit",
            WorkflowAction::Return => "return",
            WorkflowAction::Approve => "approve",
            WorkflowAction::Reopen => "reopen",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            WorkflowAction::Submit,
            WorkflowAction::Return,
            WorkflowAction::Approve,
            WorkflowAction::Reopen,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkflowAction::Submit => "报送",
            WorkflowAction::Return => "退回",
            WorkflowAction::Approve => "审核通过",
            WorkflowAction::Reopen => "重新打开",
        }
    }

    /// The states this action starts from, and where it leads.
    pub fn from_states(self) -> &'static [ReportStatus] {
        match self {
            WorkflowAction::Submit => &[ReportStatus::Draft, ReportStatus::Returned],
            WorkflowAction::Return | WorkflowAction::Approve => &[ReportStatus::Submitted],
            WorkflowAction::Reopen => &[ReportStatus::Approved],
        }
    }

    pub fn to_state(self) -> ReportStatus {
        match self {
            WorkflowAction::Submit => ReportStatus::Submitted,
            WorkflowAction::Return | WorkflowAction::Reopen => ReportStatus::Returned,
            WorkflowAction::Approve => ReportStatus::Approved,
        }
    }

    /// Returning and reopening must say why; the reporter sees the reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, WorkflowAction::Return | WorkflowAction::Reopen)
    }

    /// The next state, or why the action is not possible now.
    pub fn apply(self, current: ReportStatus) -> Result<ReportStatus, String> {
        if self.from_states().contains(&current) {
            Ok(self.to_state())
        } else {
            Err(format!(
                "报表当前状态为“{}”，不能{}",
                current.label(),
                self.label()
            ))
        }
    }
}

/// The three narrative parts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Narrative {
    /// 进展情况
    #[serde(default)]
    pub progress: String,
    /// 存在问题
    #[serde(default)]
    pub problems: String,
    /// 下步打算
    #[serde(default)]
    pub next_steps: String,
}

impl Narrative {
    /// What a person reads: “进展情况：…；存在问题：…；下步打算：…”.
    pub fn readable(&self) -> String {
        format!(
            "进展情况：{}；存在问题：{}；下步打算：{}",
            self.progress, self.problems, self.next_steps
        )
    }

    /// Reads the Rust debug form (`Narrative { progress: "…", … }`) that older versions wrote into
    /// the audit log, so that their entries can be shown readably too.
    pub fn from_debug_text(text: &str) -> Option<Narrative> {
        let rest = text.trim().strip_prefix("Narrative {")?;
        let (progress, rest) = debug_field(rest, "progress")?;
        let (problems, rest) = debug_field(rest, "problems")?;
        let (next_steps, rest) = debug_field(rest, "next_steps")?;
        (rest.trim() == "}").then_some(Narrative {
            progress,
            problems,
            next_steps,
        })
    }
}

/// `name: "escaped text"` (and a following comma) at the start of `text`: the unescaped text and
/// what follows.
fn debug_field<'a>(text: &'a str, name: &str) -> Option<(String, &'a str)> {
    let text = text.trim_start().strip_prefix(name)?.strip_prefix(": \"")?;
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let rest = &text[i + 1..];
                return Some((out, rest.strip_prefix(',').unwrap_or(rest)));
            }
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                'u' => {
                    let (start, _) = chars.next().filter(|(_, c)| *c == '{')?;
                    let end = text[start..].find('}')? + start;
                    let code = u32::from_str_radix(&text[start + 1..end], 16).ok()?;
                    out.push(char::from_u32(code)?);
                    while chars.next()?.0 < end {}
                }
                other => out.push(other),
            },
            other => out.push(other),
        }
    }
    None
}

/// One row's entry as stored: a value (or none yet) and an optional comment (说明).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub value: Option<Quantity>,
    pub comment: String,
}

/// A value as typed by a user, before parsing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RawEntry {
    pub indicator: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a report, naming the row and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub indicator: String,
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn error(indicator: &str, rule: &'static str, message: String) -> Self {
        Finding {
            indicator: indicator.to_string(),
            rule,
            severity: Severity::Error,
            message,
        }
    }
}

/// Longest 说明 on one value, and longest narrative part.
pub const MAX_COMMENT_CHARS: usize = 500;
pub const MAX_NARRATIVE_CHARS: usize = 5000;

/// Free text must be printable: no control characters (but line breaks and tabs), no
/// bidirectional overrides, which can make a text read differently from what it says, and nothing
/// XML 1.0 forbids (U+FFFE, U+FFFF), which would break the documents that quote the text.
pub fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), String> {
    let count = text.chars().count();
    if count > max_chars {
        return Err(format!("{field}过长：{count} 个字符，最多 {max_chars} 个"));
    }
    // U+FFFE and U+FFFF are not characters at all; XML 1.0 forbids them, so a text holding one
    // would make the Word and Excel files that quote it unreadable.
    if let Some(c) = text.chars().find(|c| matches!(c, '\u{FFFE}' | '\u{FFFF}')) {
        return Err(format!(
            "{field}含有不是文字的字符 U+{:04X}（文档中不能保存），请删除后再提交",
            c as u32
        ));
    }
    let bad = text.chars().find(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || ('\u{202A}'..='\u{202E}').contains(c)
            || ('\u{2066}'..='\u{2069}').contains(c)
    });
    match bad {
        Some(c) => Err(format!(
            "{field}含有不可见的控制字符 U+{:04X}，请删除后再提交",
            c as u32
        )),
        None => Ok(()),
    }
}

/// The narrative's three parts, each checked as text.
pub fn check_narrative(n: &Narrative) -> Vec<Finding> {
    [
        ("进展情况", &n.progress),
        ("存在问题", &n.problems),
        ("下步打算", &n.next_steps),
    ]
    .into_iter()
    .filter_map(|(field, text)| {
        check_text(field, text, MAX_NARRATIVE_CHARS)
            .err()
            .map(|message| Finding::error("", "text", message))
    })
    .collect()
}

/// Whether the report is being saved as a draft or submitted (complete, warnings explained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    Save,
    Submit,
}

impl Plan {
    /// How messages name a row: "一、2 其中：已实施援建项目", "一、1.1 市财政安排…", "六、结对区县领导考察互访".
    pub fn row_ref(&self, indicator: &Indicator) -> String {
        let chain: Vec<&Indicator> = std::iter::successors(Some(indicator), |i| {
            i.parent.as_deref().and_then(|p| self.indicator(p))
        })
        .take(self.indicators.len())
        .collect();
        let top = chain.last().copied().unwrap_or(indicator);
        if std::ptr::eq(top, indicator) {
            return indicator.label();
        }
        let numbered = chain.iter().find(|i| {
            let n = i.number.trim();
            !n.is_empty() && n != "其中：" && !std::ptr::eq(**i, top)
        });
        let prefix = match numbered {
            Some(n) => format!(
                "{}{}",
                top.number.trim(),
                n.number.trim().trim_end_matches('.')
            ),
            None => top.number.trim().to_string(),
        };
        match numbered {
            Some(n) if std::ptr::eq(*n, indicator) => format!("{prefix} {}", indicator.name),
            Some(_) => format!("{prefix} {}", indicator.label()),
            None => format!("{prefix}{}", indicator.label()),
        }
    }
}

/// Parses typed entries for `unit`: numbers, non-negative, precision of the row's unit, and only
/// rows the unit fills. Returns the parsed entries, or every problem found.
pub fn parse_entries(
    plan: &Plan,
    unit: &str,
    raw: &[RawEntry],
) -> Result<BTreeMap<String, Entry>, Vec<Finding>> {
    let mine = plan.indicators_for_unit(unit);
    let mut findings = Vec::new();
    let mut out = BTreeMap::new();
    for r in raw {
        let Some(indicator) = mine.iter().find(|i| i.code == r.indicator) else {
            let what = match plan.indicator(&r.indicator) {
                Some(i) => format!("{} 不由本单位填报", plan.row_ref(i)),
                None => format!("指标“{}”不存在", r.indicator),
            };
            findings.push(Finding::error(&r.indicator, "not_owned", what));
            continue;
        };
        let text = r.value.as_deref().map(str::trim).unwrap_or("");
        let comment = r
            .comment
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        if let Err(message) = check_text(
            &format!("{} 的说明", plan.row_ref(indicator)),
            &comment,
            MAX_COMMENT_CHARS,
        ) {
            findings.push(Finding::error(&indicator.code, "text", message));
            continue;
        }
        let value = if text.is_empty() {
            None
        } else {
            let precision = indicator
                .unit
                .as_deref()
                .map(|u| plan.precision(u))
                .unwrap_or(0);
            match Quantity::parse_non_negative(text, precision) {
                Err(QuantityError::Negative(typed)) => {
                    findings.push(Finding::error(
                        &indicator.code,
                        "non_negative",
                        format!("{} 不能为负数（填写的是 {typed}）", plan.row_ref(indicator)),
                    ));
                    None
                }
                Ok(q) if q.to_scaled().is_err() => {
                    findings.push(Finding::error(
                        &indicator.code,
                        "range",
                        format!("{}：“{q}”超出可存储的范围", plan.row_ref(indicator)),
                    ));
                    None
                }
                Ok(q) => Some(q),
                Err(e) => {
                    let rule = match e {
                        QuantityError::TooPrecise { .. } => "precision",
                        QuantityError::OutOfRange(_) => "range",
                        QuantityError::NotANumber(_) | QuantityError::BadGrouping(_) => "number",
                        QuantityError::Negative(_) => "non_negative",
                    };
                    findings.push(Finding::error(
                        &indicator.code,
                        rule,
                        format!("{}：{e}", plan.row_ref(indicator)),
                    ));
                    None
                }
            }
        };
        out.insert(indicator.code.clone(), Entry { value, comment });
    }
    if findings.is_empty() {
        Ok(out)
    } else {
        Err(findings)
    }
}

/// Checks a unit's whole set of entries: the plan's rules between rows (warnings on a draft's
/// save, errors on submit), the year-to-date decrease warning (against `previous`, the same
/// unit's previous quarter of the same year), and on submit that every row is filled and every
/// warning explained in a comment.
pub fn check_report(
    plan: &Plan,
    unit: &str,
    entries: &BTreeMap<String, Entry>,
    previous: &BTreeMap<String, Quantity>,
    mode: CheckMode,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let value = |code: &str| entries.get(code).and_then(|e| e.value);
    let name = |code: &str| {
        plan.indicator(code)
            .map(|i| i.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mine = plan.indicators_for_unit(unit);
    let owns = |code: &str| mine.iter().any(|i| i.code == code);
    // A draft keeps what was typed: the rules between rows warn on save and refuse only 报送.
    let between_rows = |indicator: &str, rule: &'static str, message: String| match mode {
        CheckMode::Submit => Finding::error(indicator, rule, message),
        CheckMode::Save => Finding {
            indicator: indicator.to_string(),
            rule,
            severity: Severity::Warning,
            message: format!("{message}（草稿已保存，报送前须改正）"),
        },
    };

    for rule in &plan.rules {
        // A rule binds this report only where the unit fills every row it names.
        if !owns(&rule.left) || !rule.right.iter().all(|r| owns(r)) {
            continue;
        }
        let Some(left) = value(&rule.left) else {
            continue;
        };
        let rights: Option<Vec<Quantity>> = rule.right.iter().map(|r| value(r)).collect();
        let Some(rights) = rights else { continue };
        let Some(left_row) = plan.indicator(&rule.left) else {
            continue;
        };
        match rule.kind {
            RuleKind::AtMost => {
                let right = rights[0];
                if left > right {
                    findings.push(between_rows(
                        &rule.left,
                        "at_most",
                        format!(
                            "{} ({left}) 不能大于 {} ({right})",
                            plan.row_ref(left_row),
                            name(&rule.right[0])
                        ),
                    ));
                }
            }
            RuleKind::Sum => {
                let sum = Quantity::new(rights.iter().map(|q| q.decimal()).sum());
                if left != sum {
                    let parts: Vec<String> = rule
                        .right
                        .iter()
                        .zip(&rights)
                        .map(|(r, q)| format!("{} ({q})", name(r)))
                        .collect();
                    findings.push(between_rows(
                        &rule.left,
                        "sum",
                        format!(
                            "{} ({left}) 应等于 {} 之和 ({sum})",
                            plan.row_ref(left_row),
                            parts.join(" + ")
                        ),
                    ));
                }
            }
        }
    }

    for indicator in &mine {
        let entry = entries.get(&indicator.code);
        let current = entry.and_then(|e| e.value);
        if let (Some(now), Some(before)) = (current, previous.get(&indicator.code)) {
            if now < *before {
                let explained = entry.is_some_and(|e| !e.comment.is_empty());
                let severity = if mode == CheckMode::Submit && !explained {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                findings.push(Finding {
                    indicator: indicator.code.clone(),
                    rule: "ytd_decrease",
                    severity,
                    message: format!(
                        "{} 累计数 ({now}) 小于上季度累计数 ({before})，请在说明中写明原因",
                        plan.row_ref(indicator)
                    ),
                });
            }
        }
        if mode == CheckMode::Submit && current.is_none() {
            findings.push(Finding::error(
                &indicator.code,
                "required",
                format!("{} 未填写（没有发生请填 0）", plan.row_ref(indicator)),
            ));
        }
    }
    findings
}

pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests;
