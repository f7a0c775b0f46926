//! Parsing and validating a plan file. Every problem is collected (not just the first) and reported
//! with the file, line and column it comes from, in Chinese.

use super::file::*;
use super::*;
use crate::period::PeriodCode;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// All problems found in one plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanErrors {
    pub file: String,
    pub errors: Vec<PlanError>,
}

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.file, e.line, e.column, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanErrors {}

/// Parses and validates a plan file. `file_name` only labels the error messages.
pub fn parse_plan(file_name: &str, source: &str) -> Result<Plan, PlanErrors> {
    let mut checker = Checker {
        source,
        errors: Vec::new(),
    };
    let file: PlanFile = match toml::from_str(source) {
        Ok(file) => file,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            checker.error(span, format!("文件格式错误：{}", e.message().trim()));
            return Err(checker.finish(file_name));
        }
    };
    let plan = checker.check(file);
    if checker.errors.is_empty() {
        Ok(plan)
    } else {
        Err(checker.finish(file_name))
    }
}

struct Checker<'a> {
    source: &'a str,
    errors: Vec<PlanError>,
}

/// What a code may name when it is referenced from elsewhere in the file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Party {
    Unit,
    Group,
    Donor,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: String) {
        let offset = span.start.min(self.source.len());
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count() + 1)
            .unwrap_or(1);
        self.errors.push(PlanError {
            line,
            column,
            message,
        });
    }

    fn finish(&mut self, file_name: &str) -> PlanErrors {
        self.errors.sort_by_key(|e| (e.line, e.column));
        PlanErrors {
            file: file_name.to_string(),
            errors: std::mem::take(&mut self.errors),
        }
    }

    /// Records each code once; a second definition is an error naming the first one's line.
    fn unique<'c>(
        &mut self,
        what: &str,
        codes: impl IntoIterator<Item = &'c Text>,
    ) -> HashSet<String> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for code in codes {
            let value = code.get_ref().trim();
            if value.is_empty() {
                self.error(code.span(), format!("{what}的代码不能为空"));
                continue;
            }
            if let Some(first) = seen.get(value) {
                let first_line = self.source[..*first].matches('\n').count() + 1;
                self.error(
                    code.span(),
                    format!("{what}代码“{value}”重复（第 {first_line} 行已定义）"),
                );
            } else {
                seen.insert(value.to_string(), code.span().start);
            }
        }
        seen.into_keys().collect()
    }

    fn require(&mut self, known: &HashSet<String>, reference: &Text, what: &str, context: &str) {
        if !known.contains(reference.get_ref().as_str()) {
            self.error(
                reference.span(),
                format!("{context}引用的{what}“{}”没有定义", reference.get_ref()),
            );
        }
    }

    fn check(&mut self, file: PlanFile) -> Plan {
        let PlanFile {
            plan: header,
            schedule,
            measure_units,
            donors,
            units,
            groups,
            areas,
            pairing_kinds,
            pairings,
            sections,
            tasks,
            cells,
            indicators,
            rules,
            assessment,
            categories,
            ledger,
        } = file;

        // Code namespaces. Units, groups and donors share one: a responsibility names any of them.
        let measure_names =
            self.unique("计量单位", measure_units.iter().map(|m| &m.get_ref().name));
        let mut parties: HashMap<String, Party> = HashMap::new();
        let party_codes = self.unique(
            "单位、单位组或帮扶方",
            units
                .iter()
                .map(|u| &u.get_ref().code)
                .chain(groups.iter().map(|g| &g.get_ref().code))
                .chain(donors.iter().map(|d| &d.get_ref().code)),
        );
        for u in &units {
            parties.insert(u.get_ref().code.get_ref().clone(), Party::Unit);
        }
        for g in &groups {
            parties.insert(g.get_ref().code.get_ref().clone(), Party::Group);
        }
        for d in &donors {
            parties.insert(d.get_ref().code.get_ref().clone(), Party::Donor);
        }
        debug_assert!(party_codes.iter().all(|c| parties.contains_key(c)));
        let unit_codes: HashSet<String> = units
            .iter()
            .map(|u| u.get_ref().code.get_ref().clone())
            .collect();
        let donor_codes: HashSet<String> = donors
            .iter()
            .map(|d| d.get_ref().code.get_ref().clone())
            .collect();
        let area_codes = self.unique("受援地", areas.iter().map(|a| &a.get_ref().code));
        let kind_codes = self.unique("结对类型", pairing_kinds.iter().map(|k| &k.get_ref().code));
        let section_codes = self.unique("章节", sections.iter().map(|s| &s.get_ref().code));
        self.unique("任务", tasks.iter().map(|t| &t.get_ref().code));
        let cell_codes = self.unique("填报单位格", cells.iter().map(|c| &c.get_ref().code));
        let indicator_codes = self.unique("指标", indicators.iter().map(|i| &i.get_ref().code));

        // Names and aliases identify a unit when a spreadsheet or a clerk writes it out in full.
        self.unique(
            "单位名称或别名",
            units
                .iter()
                .flat_map(|u| std::iter::once(&u.get_ref().name).chain(&u.get_ref().aliases))
                .chain(
                    groups.iter().flat_map(|g| {
                        std::iter::once(&g.get_ref().name).chain(&g.get_ref().aliases)
                    }),
                ),
        );

        let info = self.check_header(header, &unit_codes);
        let schedule = self.check_schedule(schedule, &info);

        let measure_units: Vec<MeasureUnit> = measure_units
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
            .collect();

        let donors: Vec<Donor> = donors
            .into_iter()
            .map(|d| {
                let d = d.into_inner();
                Donor {
                    code: d.code.into_inner(),
                    name: d.name,
                    short_name: d.short_name,
                }
            })
            .collect();

        let units: Vec<Unit> = units
            .into_iter()
            .map(|u| {
                let u = u.into_inner();
                if let Some(donor) = &u.donor {
                    self.require(&donor_codes, donor, "帮扶方", "单位的 donor ");
                }
                Unit {
                    code: u.code.into_inner(),
                    name: u.name.into_inner(),
                    aliases: u.aliases.into_iter().map(Spanned::into_inner).collect(),
                    sort: u.sort,
                    donor: u.donor.map(Spanned::into_inner),
                }
            })
            .collect();

        let groups: Vec<UnitGroup> = groups
            .into_iter()
            .map(|g| {
                let g = g.into_inner();
                for m in &g.members {
                    self.require(
                        &unit_codes,
                        m,
                        "单位",
                        &format!("单位组“{}”的成员", g.name.get_ref()),
                    );
                }
                UnitGroup {
                    code: g.code.into_inner(),
                    name: g.name.into_inner(),
                    aliases: g.aliases.into_iter().map(Spanned::into_inner).collect(),
                    members: g.members.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect();

        let area_parents: Vec<(Text, Option<Text>)> = areas
            .iter()
            .map(|a| (a.get_ref().code.clone(), a.get_ref().parent.clone()))
            .collect();
        self.check_tree("受援地", &area_parents, &area_codes);
        let areas: Vec<Area> = areas
            .into_iter()
            .map(|a| {
                let a = a.into_inner();
                Area {
                    code: a.code.into_inner(),
                    name: a.name,
                    short_name: a.short_name,
                    level: a.level,
                    parent: a.parent.map(Spanned::into_inner),
                }
            })
            .collect();

        let pairing_kinds: Vec<PairingKind> = pairing_kinds
            .into_iter()
            .map(|k| {
                let k = k.into_inner();
                PairingKind {
                    code: k.code.into_inner(),
                    name: k.name,
                }
            })
            .collect();

        let pairings: Vec<Pairing> = pairings
            .into_iter()
            .map(|p| {
                let p = p.into_inner();
                if !matches!(
                    parties.get(p.donor.get_ref()),
                    Some(Party::Donor | Party::Unit)
                ) {
                    self.error(
                        p.donor.span(),
                        format!(
                            "结对关系的帮扶方“{}”不是已定义的帮扶方或单位",
                            p.donor.get_ref()
                        ),
                    );
                }
                self.require(&area_codes, &p.area, "受援地", "结对关系");
                self.require(&kind_codes, &p.kind, "结对类型", "结对关系");
                Pairing {
                    donor: p.donor.into_inner(),
                    area: p.area.into_inner(),
                    kind: p.kind.into_inner(),
                    note: p.note,
                }
            })
            .collect();

        let section_parents: Vec<(Text, Option<Text>)> = sections
            .iter()
            .map(|s| (s.get_ref().code.clone(), s.get_ref().parent.clone()))
            .collect();
        self.check_tree("章节", &section_parents, &section_codes);
        let sections: Vec<Section> = sections
            .into_iter()
            .map(|s| {
                let s = s.into_inner();
                for a in &s.areas {
                    self.require(
                        &area_codes,
                        a,
                        "受援地",
                        &format!("章节 {} ", s.code.get_ref()),
                    );
                }
                Section {
                    code: s.code.into_inner(),
                    number: s.number,
                    title: s.title,
                    parent: s.parent.map(Spanned::into_inner),
                    areas: s.areas.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect();

        let tasks: Vec<Task> = tasks
            .into_iter()
            .map(|t| {
                self.check_task(
                    t,
                    &sections,
                    &parties,
                    &area_codes,
                    &measure_names,
                    &indicator_codes,
                )
            })
            .collect();

        let cells: Vec<ResponsibilityCell> = cells
            .into_iter()
            .map(|c| {
                let c = c.into_inner();
                for p in &c.parties {
                    self.require_responsible(
                        &parties,
                        p,
                        &format!("填报单位格 {} ", c.code.get_ref()),
                    );
                }
                ResponsibilityCell {
                    code: c.code.into_inner(),
                    text: c.text,
                    parties: c.parties.into_iter().map(Spanned::into_inner).collect(),
                }
            })
            .collect();

        let indicators =
            self.check_indicators(indicators, &indicator_codes, &measure_names, &cell_codes);
        let rules = self.check_rules(rules, &indicators);
        let categories = self.check_categories(categories, &indicators, &tasks);
        let ledger = self.check_ledger(ledger, &indicators);
        let assessment = match assessment {
            None => crate::assessment::Weights::default(),
            Some(a) => {
                let span = a.span();
                let a = a.into_inner();
                let w = crate::assessment::Weights {
                    timeliness: a.timeliness.decimal(),
                    completeness: a.completeness.decimal(),
                    targets: a.targets.decimal(),
                    evidence: a.evidence.decimal(),
                    coordinator: a.coordinator.decimal(),
                };
                let parts = [
                    w.timeliness,
                    w.completeness,
                    w.targets,
                    w.evidence,
                    w.coordinator,
                ];
                if parts.iter().any(|p| p.is_sign_negative()) {
                    self.error(span, "考核权重不能为负数".to_string());
                }
                w
            }
        };

        Plan {
            info,
            schedule,
            measure_units,
            donors,
            units,
            groups,
            areas,
            pairing_kinds,
            pairings,
            sections,
            tasks,
            cells,
            indicators,
            rules,
            assessment,
            categories,
            ledger,
        }
    }

    /// Sources have unique codes; every row named exists and takes a value.
    fn check_ledger(
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

    /// Categories name existing rows and tasks, each in at most one category.
    fn check_categories(
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

    fn check_header(&mut self, h: HeaderFile, unit_codes: &HashSet<String>) -> PlanInfo {
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

    fn period(&mut self, text: &Text) -> Option<PeriodCode> {
        match text.get_ref().parse::<PeriodCode>() {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(text.span(), e.to_string());
                None
            }
        }
    }

    fn check_schedule(&mut self, s: Spanned<ScheduleFile>, info: &PlanInfo) -> Schedule {
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
        Schedule {
            first,
            last,
            deadline_month_of_quarter: month,
            deadline_day: day,
            basis,
        }
    }

    /// A parent must exist and the parent links must not loop.
    fn check_tree(&mut self, what: &str, nodes: &[(Text, Option<Text>)], known: &HashSet<String>) {
        let parent_of: HashMap<&str, &str> = nodes
            .iter()
            .filter_map(|(c, p)| Some((c.get_ref().as_str(), p.as_ref()?.get_ref().as_str())))
            .collect();
        for (code, parent) in nodes {
            let Some(parent) = parent else { continue };
            if !known.contains(parent.get_ref().as_str()) {
                self.error(
                    parent.span(),
                    format!(
                        "{what}“{}”的上级“{}”没有定义",
                        code.get_ref(),
                        parent.get_ref()
                    ),
                );
                continue;
            }
            let mut seen = HashSet::from([code.get_ref().as_str()]);
            let mut current = parent.get_ref().as_str();
            loop {
                if !seen.insert(current) {
                    self.error(
                        parent.span(),
                        format!("{what}“{}”的上级关系形成循环", code.get_ref()),
                    );
                    break;
                }
                match parent_of.get(current) {
                    Some(next) => current = next,
                    None => break,
                }
            }
        }
    }

    fn require_responsible(&mut self, parties: &HashMap<String, Party>, p: &Text, context: &str) {
        if !matches!(parties.get(p.get_ref()), Some(Party::Unit | Party::Group)) {
            self.error(
                p.span(),
                format!(
                    "{context}引用的单位“{}”不是已定义的单位或单位组",
                    p.get_ref()
                ),
            );
        }
    }

    fn check_task(
        &mut self,
        t: Spanned<TaskFile>,
        sections: &[Section],
        parties: &HashMap<String, Party>,
        area_codes: &HashSet<String>,
        measure_names: &HashSet<String>,
        indicator_codes: &HashSet<String>,
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
            self.require(area_codes, a, "受援地", &context);
        }
        if t.lead.is_empty() && !t.recipient_leads {
            self.error(span.clone(), format!("{context}没有牵头部门（lead）"));
        }
        for p in t.lead.iter().chain(&t.cooperating) {
            self.require_responsible(parties, p, &context);
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
            .map(|target| {
                self.check_target(
                    target,
                    &context,
                    &areas,
                    area_codes,
                    measure_names,
                    indicator_codes,
                )
            })
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

    fn check_target(
        &mut self,
        target: Spanned<TargetFile>,
        context: &str,
        task_areas: &[String],
        area_codes: &HashSet<String>,
        measure_names: &HashSet<String>,
        indicator_codes: &HashSet<String>,
    ) -> Target {
        let t = target.into_inner();
        let context = format!("{context}的目标");
        self.require(measure_names, &t.unit, "计量单位", &context);
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
            self.require(area_codes, a, "受援地", &context);
        }
        if let Some(i) = &t.indicator {
            self.require(indicator_codes, i, "指标", &context);
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
        }
    }

    fn check_indicators(
        &mut self,
        indicators: Vec<Spanned<IndicatorFile>>,
        codes: &HashSet<String>,
        measure_names: &HashSet<String>,
        cell_codes: &HashSet<String>,
    ) -> Vec<Indicator> {
        let parents: Vec<(Text, Option<Text>)> = indicators
            .iter()
            .map(|i| (i.get_ref().code.clone(), i.get_ref().parent.clone()))
            .collect();
        self.check_tree("指标", &parents, codes);
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
                if codes.contains(p.get_ref().as_str()) && !defined.contains(p.get_ref().as_str()) {
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
                self.require(measure_names, u, "计量单位", &context);
            }
            if let Some(c) = &i.cell {
                self.require(cell_codes, c, "填报单位格", &context);
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

    fn check_rules(
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
