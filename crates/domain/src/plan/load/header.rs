//! The plan's header, reporting schedule and assessment weights.

use super::Checker;
use crate::period::PeriodCode;
use crate::plan::file::*;
use crate::plan::*;
use std::collections::HashSet;
use toml::Spanned;

impl Checker<'_> {
    pub(super) fn check_header(&mut self, h: HeaderFile, unit_codes: &HashSet<String>) -> PlanInfo {
        let issued_on = match NaiveDate::parse_from_str(h.issued_on.get_ref(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                self.error(
                    h.issued_on.span(),
                    format!(
                        "日期“{}”无效，应写成 YYYY-MM-DD，例如 2017-12-20",
                        h.issued_on.get_ref()
                    ),
                );
                NaiveDate::default()
            }
        };
        self.require(
            unit_codes,
            &h.coordinator,
            "单位",
            "plan.coordinator（汇总单位）",
        );
        if h.start_year.get_ref() > h.end_year.get_ref() {
            self.error(
                h.end_year.span(),
                format!(
                    "结束年份 {} 早于起始年份 {}",
                    h.end_year.get_ref(),
                    h.start_year.get_ref()
                ),
            );
        }
        PlanInfo {
            code: h.code.into_inner(),
            title: h.title,
            document_number: h.document_number,
            issued_by: h.issued_by,
            issued_on,
            district: h.district,
            form_title: h.form_title,
            coordinator: h.coordinator.into_inner(),
            start_year: h.start_year.into_inner(),
            end_year: h.end_year.into_inner(),
        }
    }

    pub(super) fn check_schedule(&mut self, s: Spanned<ScheduleFile>, info: &PlanInfo) -> Schedule {
        let span = s.span();
        let s = s.into_inner();
        let first = self.period(&s.first_period);
        let last = self.period(&s.last_period);
        let basis = ValueBasis::parse(s.basis.get_ref()).unwrap_or_else(|| {
            self.error(
                s.basis.span(),
                format!(
                    "schedule.basis“{}”无效，应为 ytd（年初至今累计）或 quarter（本季度）",
                    s.basis.get_ref()
                ),
            );
            ValueBasis::Ytd
        });
        let month = *s.deadline_month_of_quarter.get_ref();
        if !(1..=3).contains(&month) {
            self.error(
                s.deadline_month_of_quarter.span(),
                format!("deadline_month_of_quarter 应为 1 到 3（季度的第几个月），现为 {month}"),
            );
        }
        let (first, last) = match (first, last) {
            (Some(f), Some(l)) => (f, l),
            _ => {
                let fallback = PeriodCode::new(info.start_year.max(1900), 1)
                    .unwrap_or_else(|| PeriodCode::new(2000, 1).expect("valid"));
                (fallback, fallback)
            }
        };
        if first > last {
            self.error(
                s.last_period.span(),
                format!("最后报送期 {last} 早于第一个报送期 {first}"),
            );
        }
        if first.year() < info.start_year || last.year() > info.end_year {
            self.error(
                span.clone(),
                format!(
                    "报送期 {first}–{last} 超出方案年份 {}–{}",
                    info.start_year, info.end_year
                ),
            );
        }
        let day = *s.deadline_day.get_ref();
        if (1..=3).contains(&month) {
            if let Some(bad) = first
                .through(last)
                .find(|p| p.deadline(month, day).is_none())
            {
                self.error(
                    s.deadline_day.span(),
                    format!("截止日 {day} 日在 {bad} 的第 {month} 个月不存在"),
                );
            }
        }
        let reminder_days = match s.reminder_days {
            None => crate::notify::DEFAULT_REMINDER_DAYS.to_vec(),
            Some(days) => crate::notify::check_reminder_days(days.get_ref()).unwrap_or_else(|e| {
                self.error(days.span(), format!("reminder_days：{e}"));
                Vec::new()
            }),
        };
        Schedule {
            first,
            last,
            deadline_month_of_quarter: month,
            deadline_day: day,
            basis,
            reminder_days,
        }
    }

    /// Assessment weights are not negative; none given means the defaults.
    pub(super) fn check_assessment(
        &mut self,
        assessment: Option<Spanned<AssessmentFile>>,
    ) -> crate::assessment::Weights {
        let Some(a) = assessment else {
            return crate::assessment::Weights::default();
        };
        let span = a.span();
        let a = a.into_inner();
        let w = crate::assessment::Weights {
            timeliness: a.timeliness.decimal(),
            completeness: a.completeness.decimal(),
            targets: a.targets.decimal(),
            evidence: a.evidence.decimal(),
            coordinator: a.coordinator.decimal(),
            registers: a
                .registers
                .map_or(rust_decimal::Decimal::ZERO, |r| r.decimal()),
        };
        let parts = [
            w.timeliness,
            w.completeness,
            w.targets,
            w.evidence,
            w.coordinator,
            w.registers,
        ];
        if parts.iter().any(|p| p.is_sign_negative()) {
            self.error(span, "考核权重不能为负数".to_string());
        }
        w
    }
}
