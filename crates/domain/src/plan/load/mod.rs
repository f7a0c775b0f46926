//! Parsing and validating a plan file. Every problem is collected (not just the first) and reported
//! with the file, line and column it comes from, in Chinese.
//!
//! `Checker::check` first collects every code the file defines (`Codes`), then checks and
//! converts each table in file order: the header and schedule (`header`), who takes part
//! (`parties`), the recipient areas and sections (`areas`), the tasks and their targets
//! (`tasks`), the progress form with its rules, categories and ledger rows (`form`), and the
//! registers (台账) that fill rows of the form (`registries`).

mod areas;
mod form;
mod header;
mod parties;
mod registries;
mod tasks;

use super::file::*;
use super::*;
use crate::period::PeriodCode;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

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

/// The codes the file defines, by what they name, for checking references.
struct Codes {
    measure_names: HashSet<String>,
    /// Units, groups and donors share one namespace: a responsibility names any of them.
    parties: HashMap<String, Party>,
    units: HashSet<String>,
    donors: HashSet<String>,
    areas: HashSet<String>,
    pairing_kinds: HashSet<String>,
    sections: HashSet<String>,
    cells: HashSet<String>,
    indicators: HashSet<String>,
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

    fn period(&mut self, text: &Text) -> Option<PeriodCode> {
        match text.get_ref().parse::<PeriodCode>() {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(text.span(), e.to_string());
                None
            }
        }
    }

    fn check(&mut self, mut file: PlanFile) -> Plan {
        let codes = self.codes(&file);
        let target_measures = registries::take_target_measures(&mut file.tasks);
        let info = self.check_header(file.plan, &codes.units);
        let schedule = self.check_schedule(file.schedule, &info);
        let measure_units = self.check_measure_units(file.measure_units);
        let donors = file.donors.into_iter().map(Donor::from).collect();
        let units = self.check_units(file.units, &codes);
        let groups = self.check_groups(file.groups, &codes);
        let areas = self.check_areas(file.areas, &codes);
        let pairing_kinds = file
            .pairing_kinds
            .into_iter()
            .map(PairingKind::from)
            .collect();
        let pairings = self.check_pairings(file.pairings, &codes);
        let sections = self.check_sections(file.sections, &codes);
        let tasks: Vec<Task> = file
            .tasks
            .into_iter()
            .map(|t| self.check_task(t, &sections, &codes))
            .collect();
        let cells = self.check_cells(file.cells, &codes);
        let indicators = self.check_indicators(file.indicators, &codes);
        let rules = self.check_rules(file.rules, &indicators);
        let categories = self.check_categories(file.categories, &indicators, &tasks);
        let ledger = self.check_ledger(file.ledger, &indicators);
        let assessment = self.check_assessment(file.assessment);
        let dashboard = self.check_dashboard(file.dashboard, &indicators);
        let mut plan = Plan {
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
            dashboard,
            registries: Vec::new(),
        };
        plan.registries = self.check_registries(file.registries, &plan);
        self.check_target_measures(target_measures, &mut plan);
        plan
    }

    /// Every code the file defines, each checked for being unique in its namespace; and the names
    /// and aliases that identify units when a spreadsheet or a clerk writes them out in full.
    fn codes(&mut self, file: &PlanFile) -> Codes {
        let measure_names = self.unique(
            "计量单位",
            file.measure_units.iter().map(|m| &m.get_ref().name),
        );
        let party_codes = self.unique(
            "单位、单位组或帮扶方",
            file.units
                .iter()
                .map(|u| &u.get_ref().code)
                .chain(file.groups.iter().map(|g| &g.get_ref().code))
                .chain(file.donors.iter().map(|d| &d.get_ref().code)),
        );
        let mut parties: HashMap<String, Party> = HashMap::new();
        for u in &file.units {
            parties.insert(u.get_ref().code.get_ref().clone(), Party::Unit);
        }
        for g in &file.groups {
            parties.insert(g.get_ref().code.get_ref().clone(), Party::Group);
        }
        for d in &file.donors {
            parties.insert(d.get_ref().code.get_ref().clone(), Party::Donor);
        }
        debug_assert!(party_codes.iter().all(|c| parties.contains_key(c)));
        let units = file
            .units
            .iter()
            .map(|u| u.get_ref().code.get_ref().clone())
            .collect();
        let donors = file
            .donors
            .iter()
            .map(|d| d.get_ref().code.get_ref().clone())
            .collect();
        let areas = self.unique("受援地", file.areas.iter().map(|a| &a.get_ref().code));
        let pairing_kinds = self.unique(
            "结对类型",
            file.pairing_kinds.iter().map(|k| &k.get_ref().code),
        );
        let sections = self.unique("章节", file.sections.iter().map(|s| &s.get_ref().code));
        self.unique("任务", file.tasks.iter().map(|t| &t.get_ref().code));
        let cells = self.unique("填报单位格", file.cells.iter().map(|c| &c.get_ref().code));
        let indicators = self.unique("指标", file.indicators.iter().map(|i| &i.get_ref().code));
        self.unique(
            "单位名称或别名",
            file.units
                .iter()
                .flat_map(|u| std::iter::once(&u.get_ref().name).chain(&u.get_ref().aliases))
                .chain(
                    file.groups.iter().flat_map(|g| {
                        std::iter::once(&g.get_ref().name).chain(&g.get_ref().aliases)
                    }),
                ),
        );
        Codes {
            measure_names,
            parties,
            units,
            donors,
            areas,
            pairing_kinds,
            sections,
            cells,
            indicators,
        }
    }
}
