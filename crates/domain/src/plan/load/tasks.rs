//! Tasks and their targets.

use super::{Checker, Codes};
use crate::plan::file::*;
use crate::plan::*;
use crate::quantity::Quantity;
use toml::Spanned;

impl Checker<'_> {
    /// A task's section, areas and parties exist; it has a lead; no party both leads and
    /// cooperates. Without areas of its own it takes its section's.
    pub(super) fn check_task(
        &mut self,
        t: Spanned<TaskFile>,
        sections: &[Section],
        codes: &Codes,
    ) -> Task {
        let span = t.span();
        let t = t.into_inner();
        let code = t.code.get_ref().clone();
        let context = format!("任务 {code} ");
        if !sections.iter().any(|s| &s.code == t.section.get_ref()) {
            self.error(
                t.section.span(),
                format!("{context}所属章节“{}”没有定义", t.section.get_ref()),
            );
        }
        for a in &t.areas {
            self.require(&codes.areas, a, "受援地", &context);
        }
        if t.lead.is_empty() && !t.recipient_leads {
            self.error(span.clone(), format!("{context}没有牵头部门（lead）"));
        }
        for p in t.lead.iter().chain(&t.cooperating) {
            self.require_responsible(&codes.parties, p, &context);
        }
        for c in &t.cooperating {
            if t.lead.iter().any(|l| l.get_ref() == c.get_ref()) {
                self.error(
                    c.span(),
                    format!("{context}的“{}”同时是牵头部门和配合部门", c.get_ref()),
                );
            }
        }
        let areas: Vec<String> = if t.areas.is_empty() {
            inherited_areas(sections, t.section.get_ref())
        } else {
            t.areas.iter().map(|a| a.get_ref().clone()).collect()
        };
        let targets = t
            .targets
            .into_iter()
            .map(|target| self.check_target(target, &context, &areas, codes))
            .collect();
        Task {
            code,
            section: t.section.into_inner(),
            title: t.title,
            text: t.text,
            areas,
            lead: t.lead.into_iter().map(Spanned::into_inner).collect(),
            recipient_leads: t.recipient_leads,
            cooperating: t.cooperating.into_iter().map(Spanned::into_inner).collect(),
            targets,
        }
    }

    /// A target's unit, areas and row exist; its quantity is positive; its calendar and
    /// comparison are known. Without areas of its own it takes its task's.
    fn check_target(
        &mut self,
        target: Spanned<TargetFile>,
        context: &str,
        task_areas: &[String],
        codes: &Codes,
    ) -> Target {
        let t = target.into_inner();
        let context = format!("{context}的目标");
        self.require(&codes.measure_names, &t.unit, "计量单位", &context);
        if *t.quantity.get_ref() <= Quantity::ZERO {
            self.error(t.quantity.span(), format!("{context}数量必须大于 0"));
        }
        let calendar = Calendar::parse(t.calendar.get_ref()).unwrap_or_else(|| {
            self.error(
                t.calendar.span(),
                format!(
                    "{context}周期“{}”无效，应为 quarter、year、school_year、batch 或 plan",
                    t.calendar.get_ref()
                ),
            );
            Calendar::Year
        });
        let comparison = Comparison::parse(t.comparison.get_ref()).unwrap_or_else(|| {
            self.error(
                t.comparison.span(),
                format!(
                    "{context}要求“{}”无效，应为 at_least（不少于）、about（左右）或 strive（力争）",
                    t.comparison.get_ref()
                ),
            );
            Comparison::AtLeast
        });
        for a in &t.areas {
            self.require(&codes.areas, a, "受援地", &context);
        }
        if let Some(i) = &t.indicator {
            self.require(&codes.indicators, i, "指标", &context);
        }
        Target {
            description: t.description,
            quantity: t.quantity.into_inner(),
            unit: t.unit.into_inner(),
            calendar,
            comparison,
            per_area: t.per_area,
            areas: if t.areas.is_empty() {
                task_areas.to_vec()
            } else {
                t.areas.into_iter().map(Spanned::into_inner).collect()
            },
            indicator: t.indicator.map(Spanned::into_inner),
            // Checked once the registers are (`check_target_measures`).
            registry: None,
        }
    }
}

/// A task without its own areas takes those of its section, or of the nearest section above.
fn inherited_areas(sections: &[Section], code: &str) -> Vec<String> {
    let mut current = sections.iter().find(|s| s.code == code);
    let mut steps = 0;
    while let Some(section) = current {
        if !section.areas.is_empty() {
            return section.areas.clone();
        }
        steps += 1;
        if steps > sections.len() {
            break;
        }
        current = section
            .parent
            .as_deref()
            .and_then(|p| sections.iter().find(|s| s.code == p));
    }
    Vec::new()
}
