//! The progress form: units of measure, rows (indicators), the rules between rows, the
//! assessment categories and the rows the funds ledger fills.

use super::{Checker, Codes};
use crate::plan::file::*;
use crate::plan::*;
use std::collections::HashSet;
use toml::Spanned;

impl Checker<'_> {
    /// Units of measure carry no more decimals than storage keeps.
    pub(super) fn check_measure_units(
        &mut self,
        measure_units: Vec<Spanned<MeasureUnitFile>>,
    ) -> Vec<MeasureUnit> {
        measure_units
            .into_iter()
            .map(|m| {
                let m = m.into_inner();
                if *m.precision.get_ref() > crate::quantity::STORAGE_SCALE {
                    self.error(
                        m.precision.span(),
                        format!(
                            "计量单位“{}”的小数位数不能超过 {}",
                            m.name.get_ref(),
                            crate::quantity::STORAGE_SCALE
                        ),
                    );
                }
                MeasureUnit {
                    name: m.name.into_inner(),
                    precision: m.precision.into_inner(),
                }
            })
            .collect()
    }

    /// Rows form a tree with each parent before its children; "of which" rows have a parent;
    /// units and cells exist; rows sharing a cell follow each other.
    pub(super) fn check_indicators(
        &mut self,
        indicators: Vec<Spanned<IndicatorFile>>,
        codes: &Codes,
    ) -> Vec<Indicator> {
        let parents: Vec<(Text, Option<Text>)> = indicators
            .iter()
            .map(|i| (i.get_ref().code.clone(), i.get_ref().parent.clone()))
            .collect();
        self.check_tree("指标", &parents, &codes.indicators);
        let mut defined: HashSet<String> = HashSet::new();
        // Rows sharing a 填报单位 cell are one merged cell: they must follow each other.
        let mut closed_cells: HashSet<String> = HashSet::new();
        let mut open_cell: Option<String> = None;
        let mut out = Vec::with_capacity(indicators.len());
        for i in indicators {
            let span = i.span();
            let i = i.into_inner();
            let code = i.code.get_ref().clone();
            let context = format!("指标 {code} ");
            if let Some(p) = &i.parent {
                if codes.indicators.contains(p.get_ref().as_str())
                    && !defined.contains(p.get_ref().as_str())
                {
                    self.error(
                        p.span(),
                        format!("{context}的上级“{}”必须写在它之前", p.get_ref()),
                    );
                }
            } else if i.of_which {
                self.error(
                    span.clone(),
                    format!("{context}是“其中”行，必须有上级（parent）"),
                );
            }
            if let Some(u) = &i.unit {
                self.require(&codes.measure_names, u, "计量单位", &context);
            }
            if let Some(c) = &i.cell {
                self.require(&codes.cells, c, "填报单位格", &context);
                if closed_cells.contains(c.get_ref().as_str()) {
                    self.error(
                        c.span(),
                        format!("{context}的填报单位格“{}”与前面的行不相连", c.get_ref()),
                    );
                }
            } else if i.unit.is_some() && i.district_fills {
                self.error(
                    span.clone(),
                    format!("{context}需要填报，但没有填报单位格（cell）"),
                );
            }
            let this_cell = i.cell.as_ref().map(|c| c.get_ref().clone());
            if this_cell != open_cell {
                if let Some(prev) = open_cell.take() {
                    closed_cells.insert(prev);
                }
                open_cell = this_cell;
            }
            defined.insert(code.clone());
            out.push(Indicator {
                code,
                number: i.number,
                name: i.name,
                unit: i.unit.map(Spanned::into_inner),
                parent: i.parent.map(Spanned::into_inner),
                of_which: i.of_which,
                district_fills: i.district_fills,
                cell: i.cell.map(Spanned::into_inner),
            });
        }
        out
    }

    pub(super) fn check_rules(
        &mut self,
        rules: Vec<Spanned<RuleFile>>,
        indicators: &[Indicator],
    ) -> Vec<Rule> {
        rules
            .into_iter()
            .map(|r| {
                let span = r.span();
                let r = r.into_inner();
                let kind = RuleKind::parse(r.kind.get_ref()).unwrap_or_else(|| {
                    self.error(
                        r.kind.span(),
                        format!(
                            "规则类型“{}”无效，应为 sum（等于各项之和）或 at_most（不超过）",
                            r.kind.get_ref()
                        ),
                    );
                    RuleKind::Sum
                });
                if r.right.is_empty() || (kind == RuleKind::AtMost && r.right.len() != 1) {
                    self.error(
                        span,
                        "规则的 right 应列出指标：sum 至少一项，at_most 恰好一项".to_string(),
                    );
                }
                let left_unit = self.rule_row_unit(&r.left, indicators);
                for right in &r.right {
                    let unit = self.rule_row_unit(right, indicators);
                    if let (Some(l), Some(u)) = (&left_unit, unit) {
                        if *l != u {
                            self.error(
                                right.span(),
                                format!(
                                    "规则两边计量单位不同：{} 为“{l}”，{} 为“{u}”",
                                    r.left.get_ref(),
                                    right.get_ref()
                                ),
                            );
                        }
                    }
                }
                Rule {
                    kind,
                    left: r.left.into_inner(),
                    right: r.right.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect()
    }

    /// The unit of measure of a row a rule names; reports a missing row or a heading.
    fn rule_row_unit(&mut self, code: &Text, indicators: &[Indicator]) -> Option<String> {
        match indicators.iter().find(|i| &i.code == code.get_ref()) {
            None => {
                self.error(
                    code.span(),
                    format!("规则引用的指标“{}”没有定义", code.get_ref()),
                );
                None
            }
            Some(i) if i.unit.is_none() => {
                self.error(
                    code.span(),
                    format!("规则引用的指标“{}”是标题行，没有数值", code.get_ref()),
                );
                None
            }
            Some(i) => i.unit.clone(),
        }
    }

    /// Categories name existing rows and tasks, each in at most one category.
    pub(super) fn check_categories(
        &mut self,
        categories: Vec<Spanned<CategoryFile>>,
        indicators: &[Indicator],
        tasks: &[Task],
    ) -> Vec<Category> {
        self.unique("考核类别", categories.iter().map(|c| &c.get_ref().code));
        let mut seen: HashSet<String> = HashSet::new();
        categories
            .into_iter()
            .map(|c| {
                let c = c.into_inner();
                for i in &c.indicators {
                    if !indicators.iter().any(|x| &x.code == i.get_ref()) {
                        self.error(
                            i.span(),
                            format!("考核类别“{}”引用的指标“{}”没有定义", c.name, i.get_ref()),
                        );
                    } else if !seen.insert(format!("i:{}", i.get_ref())) {
                        self.error(
                            i.span(),
                            format!("指标“{}”已属于另一个考核类别", i.get_ref()),
                        );
                    }
                }
                for t in &c.tasks {
                    if !tasks.iter().any(|x| &x.code == t.get_ref()) {
                        self.error(
                            t.span(),
                            format!("考核类别“{}”引用的任务“{}”没有定义", c.name, t.get_ref()),
                        );
                    } else if !seen.insert(format!("t:{}", t.get_ref())) {
                        self.error(
                            t.span(),
                            format!("任务“{}”已属于另一个考核类别", t.get_ref()),
                        );
                    }
                }
                Category {
                    code: c.code.into_inner(),
                    name: c.name,
                    indicators: c.indicators.into_iter().map(Spanned::into_inner).collect(),
                    tasks: c.tasks.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect()
    }

    /// Sources have unique codes; every row named exists and takes a value.
    /// The dashboard's rows must be rows of the form that take a value.
    pub(super) fn check_dashboard(
        &mut self,
        dashboard: Option<DashboardFile>,
        indicators: &[Indicator],
    ) -> DashboardConfig {
        let Some(d) = dashboard else {
            return Default::default();
        };
        let mut row = |r: Text, what: &str| -> String {
            if !indicators
                .iter()
                .any(|i| &i.code == r.get_ref() && i.takes_value())
            {
                self.error(
                    r.span(),
                    format!("驾驶舱的{what}“{}”不是表中可填数的指标", r.get_ref()),
                );
            }
            r.into_inner()
        };
        DashboardConfig {
            key_rows: d.key_rows.into_iter().map(|r| row(r, "主要指标")).collect(),
            funds_row: d.funds_row.map(|r| row(r, "资金行")),
        }
    }

    pub(super) fn check_ledger(
        &mut self,
        ledger: Option<LedgerFile>,
        indicators: &[Indicator],
    ) -> crate::ledger::LedgerConfig {
        let Some(ledger) = ledger else {
            return Default::default();
        };
        self.unique("资金来源", ledger.sources.iter().map(|s| &s.get_ref().code));
        let mut row = |r: Option<Text>, what: &str| -> Option<String> {
            let r = r?;
            if !indicators
                .iter()
                .any(|i| &i.code == r.get_ref() && i.takes_value())
            {
                self.error(
                    r.span(),
                    format!("资金台账的{what}“{}”不是表中可填数的指标", r.get_ref()),
                );
            }
            Some(r.into_inner())
        };
        let funds_row = row(ledger.funds_row, "资金合计行");
        let projects_row = row(ledger.projects_row, "援建项目行");
        let implemented_row = row(ledger.implemented_row, "已实施项目行");
        let beneficiaries_row = row(ledger.beneficiaries_row, "帮助脱贫数行");
        let sources = ledger
            .sources
            .into_iter()
            .map(|s| {
                let s = s.into_inner();
                crate::ledger::FundSource {
                    row: row(s.row, "资金来源对应行"),
                    poverty_row: row(s.poverty_row, "用于扶贫资金行"),
                    code: s.code.into_inner(),
                    name: s.name,
                }
            })
            .collect();
        crate::ledger::LedgerConfig {
            sources,
            funds_row,
            projects_row,
            implemented_row,
            beneficiaries_row,
        }
    }
}
