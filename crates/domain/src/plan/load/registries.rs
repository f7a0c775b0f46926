//! The registers (`[[registries]]`): their fields and the form rows they fill.

use super::Checker;
use crate::plan::file::*;
use crate::plan::*;
use crate::registry::{Feed, Field, FieldKind, Measure, Registry};
use std::collections::{BTreeMap, HashSet};
use toml::Spanned;

impl Checker<'_> {
    /// Codes are unique (registers, and fields within a register); every field has a known type,
    /// a number field a unit of measure, a choice field its options; every feed names a form row
    /// that takes a value, is not filled by the ledger nor by another feed, and fields of the
    /// right types.
    pub(super) fn check_registries(
        &mut self,
        registries: Vec<Spanned<RegistryFile>>,
        plan: &Plan,
    ) -> Vec<Registry> {
        self.unique("台账", registries.iter().map(|r| &r.get_ref().code));
        let mut fed: HashSet<String> = ledger_rows(plan);
        registries
            .into_iter()
            .map(|r| {
                let r = r.into_inner();
                let context = format!("台账“{}”", r.name.get_ref());
                self.unique(
                    &format!("{context}的字段"),
                    r.fields.iter().map(|f| &f.get_ref().code),
                );
                let fields: Vec<Field> = r
                    .fields
                    .into_iter()
                    .map(|f| self.check_field(f.into_inner(), plan, &context))
                    .collect();
                let feeds = r
                    .feeds
                    .into_iter()
                    .filter_map(|f| self.check_feed(f, &fields, plan, &mut fed, &context))
                    .collect();
                Registry {
                    code: r.code.into_inner(),
                    name: r.name.into_inner(),
                    description: r.description,
                    fields,
                    feeds,
                }
            })
            .collect()
    }

    fn check_field(&mut self, f: RegistryFieldFile, plan: &Plan, context: &str) -> Field {
        let name = f.name.get_ref().clone();
        let kind = FieldKind::parse(f.kind.get_ref()).unwrap_or_else(|| {
            let known: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
            self.error(
                f.kind.span(),
                format!(
                    "{context}字段“{name}”的类型“{}”无效，应为 {}",
                    f.kind.get_ref(),
                    known.join("、")
                ),
            );
            FieldKind::Text
        });
        let mut precision = 0;
        match (&f.unit, kind) {
            (Some(u), FieldKind::Number) => {
                if plan.measure_units.iter().any(|m| &m.name == u.get_ref()) {
                    precision = plan.precision(u.get_ref());
                } else {
                    self.error(
                        u.span(),
                        format!(
                            "{context}字段“{name}”引用的计量单位“{}”没有定义",
                            u.get_ref()
                        ),
                    );
                }
            }
            (None, FieldKind::Number) => self.error(
                f.code.span(),
                format!("{context}字段“{name}”是数量，须写明计量单位（unit）"),
            ),
            (Some(u), _) => self.error(
                u.span(),
                format!("{context}字段“{name}”不是数量，不能有计量单位"),
            ),
            (None, _) => {}
        }
        if kind == FieldKind::Choice && f.choices.is_empty() {
            self.error(
                f.kind.span(),
                format!("{context}字段“{name}”是选项，须列出可选项（choices）"),
            );
        } else if kind != FieldKind::Choice && !f.choices.is_empty() {
            self.error(
                f.choices[0].span(),
                format!("{context}字段“{name}”不是选项，不能有 choices"),
            );
        }
        self.unique(&format!("{context}字段“{name}”的选项"), &f.choices);
        Field {
            code: f.code.into_inner(),
            name,
            kind,
            required: f.required,
            choices: f.choices.into_iter().map(Spanned::into_inner).collect(),
            unit: f.unit.map(Spanned::into_inner),
            precision,
        }
    }

    fn check_feed(
        &mut self,
        feed: Spanned<FeedFile>,
        fields: &[Field],
        plan: &Plan,
        fed: &mut HashSet<String>,
        context: &str,
    ) -> Option<Feed> {
        let span = feed.span();
        let f = feed.into_inner();
        let row_code = f.indicator.get_ref();
        let row = plan.indicators.iter().find(|i| &i.code == row_code);
        match row {
            Some(i) if i.takes_value() => {
                if !fed.insert(row_code.clone()) {
                    self.error(
                        f.indicator.span(),
                        format!("{context}填报的指标“{row_code}”已由资金台账或另一台账填报"),
                    );
                }
            }
            _ => self.error(
                f.indicator.span(),
                format!("{context}填报的指标“{row_code}”不是表中可填数的指标"),
            ),
        }
        let measure = Measure::parse(f.measure.get_ref());
        if measure.is_none() {
            self.error(
                f.measure.span(),
                format!(
                    "{context}的计算方式“{}”无效，应为 count（条数）、active_at_end（期末存续条数）或 sum（数量合计）",
                    f.measure.get_ref()
                ),
            );
        }
        let field_of = |code: &Text| fields.iter().find(|x| &x.code == code.get_ref());
        let typed =
            |this: &mut Self, code: &Text, kinds: &[FieldKind], what: &str| match field_of(code) {
                Some(x) if kinds.contains(&x.kind) => {}
                Some(_) => this.error(
                    code.span(),
                    format!("{context}的{what}“{}”类型不对", code.get_ref()),
                ),
                None => this.error(
                    code.span(),
                    format!("{context}的{what}“{}”不是本台账的字段", code.get_ref()),
                ),
            };
        typed(
            self,
            &f.date_field,
            &[FieldKind::Date],
            "日期字段（date_field）",
        );
        if let Some(end) = &f.end_field {
            typed(self, end, &[FieldKind::Date], "结束日期字段（end_field）");
            if measure != Some(Measure::ActiveAtEnd) {
                self.error(
                    end.span(),
                    format!("{context}：只有 active_at_end 才用结束日期字段（end_field）"),
                );
            }
        }
        let row_unit = row.and_then(|i| i.unit.clone());
        match (measure, &f.field) {
            (Some(Measure::Sum), Some(field)) => {
                typed(self, field, &[FieldKind::Number], "合计字段（field）");
                let unit = field_of(field).and_then(|x| x.unit.clone());
                if unit.is_some() && row_unit.is_some() && unit != row_unit {
                    self.error(
                        field.span(),
                        format!(
                            "{context}合计字段“{}”的计量单位“{}”与指标“{row_code}”的“{}”不同",
                            field.get_ref(),
                            unit.unwrap_or_default(),
                            row_unit.clone().unwrap_or_default()
                        ),
                    );
                }
            }
            (Some(Measure::Sum), None) => self.error(
                span.clone(),
                format!("{context}：sum 须指明合计的数量字段（field）"),
            ),
            (Some(_), Some(field)) => self.error(
                field.span(),
                format!("{context}：只有 sum 才指明数量字段（field）"),
            ),
            _ => {}
        }
        if matches!(measure, Some(Measure::Count | Measure::ActiveAtEnd))
            && row_unit.as_deref().is_some_and(|u| plan.precision(u) > 0)
        {
            self.error(
                f.measure.span(),
                format!("{context}：指标“{row_code}”的计量单位有小数，不能按条数计算"),
            );
        }
        let filter = self.check_filter(f.filter, fields, context);
        Some(Feed {
            indicator: f.indicator.into_inner(),
            measure: measure?,
            field: f.field.map(Spanned::into_inner),
            date_field: f.date_field.into_inner(),
            end_field: f.end_field.map(Spanned::into_inner),
            filter,
        })
    }

    /// A filter names choice or yes/no fields and options they have.
    fn check_filter(
        &mut self,
        filter: Option<Spanned<BTreeMap<String, Vec<Text>>>>,
        fields: &[Field],
        context: &str,
    ) -> BTreeMap<String, Vec<String>> {
        let Some(filter) = filter else {
            return BTreeMap::new();
        };
        let span = filter.span();
        let mut out = BTreeMap::new();
        for (code, options) in filter.into_inner() {
            let field = fields.iter().find(|x| x.code == code);
            let choices: Vec<String> = match field.map(|x| x.kind) {
                Some(FieldKind::Choice) => field.map(|x| x.choices.clone()).unwrap_or_default(),
                Some(FieldKind::YesNo) => vec!["是".into(), "否".into()],
                _ => {
                    self.error(
                        span.clone(),
                        format!("{context}的筛选（filter）字段“{code}”不是本台账的选项字段"),
                    );
                    continue;
                }
            };
            if options.is_empty() {
                self.error(
                    span.clone(),
                    format!("{context}的筛选字段“{code}”没有列出选项"),
                );
            }
            for o in &options {
                if !choices.contains(o.get_ref()) {
                    self.error(
                        o.span(),
                        format!(
                            "{context}的筛选选项“{}”不是字段“{code}”的选项（{}）",
                            o.get_ref(),
                            choices.join("、")
                        ),
                    );
                }
            }
            out.insert(code, options.into_iter().map(Spanned::into_inner).collect());
        }
        out
    }
}

/// The rows the funds ledger fills: no register may fill them too.
fn ledger_rows(plan: &Plan) -> HashSet<String> {
    let l = &plan.ledger;
    [
        &l.funds_row,
        &l.projects_row,
        &l.implemented_row,
        &l.beneficiaries_row,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain(
        l.sources
            .iter()
            .flat_map(|s| [s.row.clone(), s.poverty_row.clone()])
            .flatten(),
    )
    .collect()
}

/// A target's `registry` table, where it stands in the file: (task index, target index, table).
pub(super) type TargetMeasureFile = (usize, usize, Spanned<TargetRegistryFile>);

/// Takes the targets' `registry` tables out of the tasks (checked once the registers are).
pub(super) fn take_target_measures(tasks: &mut [Spanned<TaskFile>]) -> Vec<TargetMeasureFile> {
    let mut out = Vec::new();
    for (i, task) in tasks.iter_mut().enumerate() {
        for (j, target) in task.get_mut().targets.iter_mut().enumerate() {
            if let Some(m) = target.get_mut().registry.take() {
                out.push((i, j, m));
            }
        }
    }
    out
}

impl Checker<'_> {
    /// Batches: a target per batch names the field whose values are the batches (`per`), a text
    /// or choice field; batches are counted (批数) on other calendars, never per area nor per
    /// quarter.
    fn check_batches(
        &mut self,
        m: &TargetRegistryFile,
        target: &crate::plan::Target,
        registry: &crate::registry::Registry,
        context: &str,
        span: std::ops::Range<usize>,
    ) {
        if target.calendar == Calendar::Quarter {
            self.error(span, format!("{context}按季度计，不能由台账衡量"));
            return;
        }
        let Some(per) = &m.per else {
            if target.calendar == Calendar::Batch {
                self.error(
                    span,
                    format!("{context}按每批计，须用 per 指明台账中记录批次的字段"),
                );
            }
            return;
        };
        match registry.field(per.get_ref()) {
            Some(f) if matches!(f.kind, FieldKind::Text | FieldKind::Choice) => {}
            _ => self.error(
                per.span(),
                format!(
                    "{context}的批次字段“{}”应为台账“{}”中的文字或选项字段",
                    per.get_ref(),
                    registry.name
                ),
            ),
        }
        if target.per_area {
            self.error(
                per.span(),
                format!("{context}按受援地分别计，不能同时按批次计"),
            );
        }
        if target.calendar != Calendar::Batch && m.measure.get_ref() != "count" {
            self.error(
                m.measure.span(),
                format!("{context}计的是批数，计算方式应为 count"),
            );
        }
    }

    /// A target measured by a register names a register, a `count` or `sum` over its fields
    /// (a sum in the target's unit), a yearly, school-year, whole-plan or (with its batch field)
    /// per-batch calendar, an area field when it is per area, and no form row besides.
    pub(super) fn check_target_measures(
        &mut self,
        measures: Vec<TargetMeasureFile>,
        plan: &mut Plan,
    ) {
        for (i, j, m) in measures {
            let (Some(task), span) = (plan.tasks.get(i), m.span()) else {
                continue;
            };
            let Some(target) = task.targets.get(j) else {
                continue;
            };
            let context = format!("任务 {} 的目标“{}”", task.code, target.description);
            let m = m.into_inner();
            let Some(registry) = plan.registry(m.code.get_ref()).cloned() else {
                self.error(
                    m.code.span(),
                    format!("{context}引用的台账“{}”没有定义", m.code.get_ref()),
                );
                continue;
            };
            let measure = match Measure::parse(m.measure.get_ref()) {
                Some(x @ (Measure::Count | Measure::Sum)) => x,
                _ => {
                    self.error(
                        m.measure.span(),
                        format!(
                            "{context}的计算方式“{}”无效，应为 count（条数）或 sum（数量合计）",
                            m.measure.get_ref()
                        ),
                    );
                    continue;
                }
            };
            if target.indicator.is_some() {
                self.error(
                    span.clone(),
                    format!("{context}已由表中指标衡量，不能同时由台账衡量"),
                );
            }
            self.check_batches(&m, target, &registry, &context, span.clone());
            if target.per_area && registry.area_field().is_none() {
                self.error(
                    m.code.span(),
                    format!(
                        "{context}按受援地分别计，但台账“{}”没有受援地字段",
                        registry.name
                    ),
                );
            }
            let field_of = |code: &Text| registry.fields.iter().find(|x| &x.code == code.get_ref());
            if !matches!(field_of(&m.date_field), Some(x) if x.kind == FieldKind::Date) {
                self.error(
                    m.date_field.span(),
                    format!(
                        "{context}的日期字段“{}”不是台账“{}”的日期字段",
                        m.date_field.get_ref(),
                        registry.name
                    ),
                );
            }
            match (measure, &m.field) {
                (Measure::Sum, Some(f)) => match field_of(f) {
                    Some(x)
                        if x.kind == FieldKind::Number && x.unit.as_ref() == Some(&target.unit) => {
                    }
                    _ => self.error(
                        f.span(),
                        format!(
                            "{context}的合计字段“{}”应为台账“{}”中计量单位为“{}”的数量字段",
                            f.get_ref(),
                            registry.name,
                            target.unit
                        ),
                    ),
                },
                (Measure::Sum, None) => self.error(
                    span.clone(),
                    format!("{context}：sum 须指明合计的数量字段（field）"),
                ),
                (_, Some(f)) => self.error(
                    f.span(),
                    format!("{context}：只有 sum 才指明数量字段（field）"),
                ),
                _ => {}
            }
            let filter = self.check_filter(m.filter, &registry.fields, &context);
            let measure = crate::registry::TargetMeasure {
                registry: registry.code.clone(),
                measure,
                field: m.field.map(Spanned::into_inner),
                date_field: m.date_field.into_inner(),
                filter,
                per: m.per.map(Spanned::into_inner),
            };
            if let Some(t) = plan.tasks.get_mut(i).and_then(|t| t.targets.get_mut(j)) {
                t.registry = Some(measure);
            }
        }
    }
}
