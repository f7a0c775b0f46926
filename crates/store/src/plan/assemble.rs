//! Plan rows joined back into the domain model.

use super::corrupt;
use super::read::*;
use crate::Result;
use bangfu_domain::assessment::Weights;
use bangfu_domain::ledger::LedgerConfig;
use bangfu_domain::plan::*;
use bangfu_domain::{PeriodCode, Quantity};
use std::collections::HashMap;

/// Groups link rows by key, keeping their order.
fn grouped(links: Vec<Link>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for l in links {
        map.entry(l.key).or_default().push(l.value);
    }
    map
}

fn collect<R, T: From<R>>(rows: Vec<R>) -> Vec<T> {
    rows.into_iter().map(T::from).collect()
}

pub(super) fn assemble(rows: PlanRows) -> Result<Plan> {
    let mut aliases = grouped(rows.aliases);
    let mut members = grouped(rows.members);
    let targets = targets_by_task(rows.targets, &rows.target_areas)?;
    let tasks = tasks(
        rows.tasks,
        &rows.task_parties,
        grouped(rows.task_areas),
        targets,
    );
    let rules = rules(rows.rules, &rows.rule_terms)?;
    let i = rows.info;
    Ok(Plan {
        schedule: schedule(&i)?,
        assessment: weights(i.assessment_weights.as_deref())?,
        ledger: ledger_config(i.ledger_config.as_deref())?,
        dashboard: dashboard_config(i.dashboard_config.as_deref())?,
        registries: registries_config(i.registries_config.as_deref())?,
        info: info(i),
        measure_units: collect(rows.measures),
        donors: collect(rows.donors),
        units: rows
            .units
            .into_iter()
            .map(|u| Unit {
                aliases: aliases.remove(&u.code).unwrap_or_default(),
                code: u.code,
                name: u.name,
                sort: u.sort,
                donor: u.donor,
            })
            .collect(),
        groups: rows
            .groups
            .into_iter()
            .map(|g| UnitGroup {
                aliases: aliases.remove(&g.code).unwrap_or_default(),
                members: members.remove(&g.code).unwrap_or_default(),
                code: g.code,
                name: g.name,
            })
            .collect(),
        areas: collect(rows.areas),
        pairing_kinds: collect(rows.kinds),
        pairings: collect(rows.pairings),
        sections: sections(rows.sections, grouped(rows.section_areas)),
        tasks,
        cells: cells(rows.cells, grouped(rows.cell_parties)),
        indicators: collect(rows.indicators),
        rules,
        categories: categories(rows.categories, &rows.category_members),
    })
}

fn info(i: InfoRow) -> PlanInfo {
    PlanInfo {
        issued_by: i.issued_by.lines().map(str::to_string).collect(),
        code: i.code,
        title: i.title,
        document_number: i.document_number,
        issued_on: i.issued_on,
        district: i.district,
        form_title: i.form_title,
        coordinator: i.coordinator,
        start_year: i.start_year,
        end_year: i.end_year,
    }
}

fn schedule(i: &InfoRow) -> Result<Schedule> {
    let period = |text: &str| {
        text.parse::<PeriodCode>()
            .map_err(|_| corrupt("报送期", text))
    };
    Ok(Schedule {
        first: period(&i.first_period)?,
        last: period(&i.last_period)?,
        deadline_month_of_quarter: i.deadline_month as u32,
        deadline_day: i.deadline_day as u32,
        basis: ValueBasis::parse(&i.basis).ok_or_else(|| corrupt("填报口径", &i.basis))?,
        reminder_days: match &i.reminder_days {
            None => bangfu_domain::notify::DEFAULT_REMINDER_DAYS.to_vec(),
            Some(text) => text
                .split(',')
                .filter(|d| !d.is_empty())
                .map(|d| d.trim().parse().map_err(|_| corrupt("提醒天数", text)))
                .collect::<Result<_>>()?,
        },
    })
}

/// "30,30,25,5,10" back into weights; none stored means the defaults.
fn weights(text: Option<&str>) -> Result<Weights> {
    let Some(text) = text else {
        return Ok(Default::default());
    };
    let parts: Vec<rust_decimal::Decimal> = text
        .split(',')
        .map(|p| p.parse().map_err(|_| corrupt("考核权重", text)))
        .collect::<Result<_>>()?;
    // Five parts before registers (台账一致) were assessed.
    match parts[..] {
        [completeness, timeliness, targets, evidence, coordinator] => Ok(Weights {
            completeness,
            timeliness,
            targets,
            evidence,
            coordinator,
            registers: rust_decimal::Decimal::ZERO,
        }),
        [completeness, timeliness, targets, evidence, coordinator, registers] => Ok(Weights {
            completeness,
            timeliness,
            targets,
            evidence,
            coordinator,
            registers,
        }),
        _ => Err(corrupt("考核权重", text)),
    }
}

/// The ledger configuration as JSON; none stored means the defaults.
fn ledger_config(json: Option<&str>) -> Result<LedgerConfig> {
    match json {
        None | Some("") => Ok(Default::default()),
        Some(json) => serde_json::from_str(json).map_err(|_| corrupt("资金台账配置", json)),
    }
}

/// A database loaded before the dashboard was plan data has none: the defaults.
fn dashboard_config(json: Option<&str>) -> Result<bangfu_domain::plan::DashboardConfig> {
    match json {
        None | Some("") => Ok(Default::default()),
        Some(json) => serde_json::from_str(json).map_err(|_| corrupt("驾驶舱配置", json)),
    }
}

/// A database loaded before registers were plan data has none.
fn registries_config(json: Option<&str>) -> Result<Vec<bangfu_domain::registry::Registry>> {
    match json {
        None | Some("") => Ok(Vec::new()),
        Some(json) => serde_json::from_str(json).map_err(|_| corrupt("台账配置", json)),
    }
}

fn sections(rows: Vec<SectionRow>, mut areas: HashMap<String, Vec<String>>) -> Vec<Section> {
    rows.into_iter()
        .map(|s| Section {
            areas: areas.remove(&s.code).unwrap_or_default(),
            code: s.code,
            number: s.numbering,
            title: s.title,
            parent: s.parent_code,
        })
        .collect()
}

fn cells(
    rows: Vec<CodeName>,
    mut parties: HashMap<String, Vec<String>>,
) -> Vec<ResponsibilityCell> {
    rows.into_iter()
        .map(|c| ResponsibilityCell {
            parties: parties.remove(&c.code).unwrap_or_default(),
            code: c.code,
            text: c.name,
        })
        .collect()
}

/// Each task's targets with their areas, in order.
fn targets_by_task(
    rows: Vec<TargetRow>,
    areas: &[TargetAreaRow],
) -> Result<HashMap<String, Vec<Target>>> {
    let mut targets: HashMap<String, Vec<Target>> = HashMap::new();
    for t in rows {
        let areas = areas
            .iter()
            .filter(|a| a.task_code == t.task_code && a.target_seq == t.seq)
            .map(|a| a.area_code.clone())
            .collect();
        targets
            .entry(t.task_code.clone())
            .or_default()
            .push(Target {
                description: t.description,
                quantity: Quantity::from_scaled(t.quantity_scaled),
                unit: t.unit,
                calendar: Calendar::parse(&t.calendar)
                    .ok_or_else(|| corrupt("周期", &t.calendar))?,
                comparison: Comparison::parse(&t.comparison)
                    .ok_or_else(|| corrupt("目标要求", &t.comparison))?,
                per_area: t.per_area,
                areas,
                indicator: t.indicator_code,
                registry: match t.registry_measure.as_deref() {
                    None | Some("") => None,
                    Some(json) => Some(
                        serde_json::from_str(json).map_err(|_| corrupt("台账衡量方式", json))?,
                    ),
                },
            });
    }
    Ok(targets)
}

fn tasks(
    rows: Vec<TaskRow>,
    parties: &[TaskPartyRow],
    mut areas: HashMap<String, Vec<String>>,
    mut targets: HashMap<String, Vec<Target>>,
) -> Vec<Task> {
    let parties_of = |task: &str, role: &str| -> Vec<String> {
        parties
            .iter()
            .filter(|p| p.task_code == task && p.party_role == role)
            .map(|p| p.party_code.clone())
            .collect()
    };
    rows.into_iter()
        .map(|t| Task {
            lead: parties_of(&t.code, "lead"),
            cooperating: parties_of(&t.code, "cooperating"),
            areas: areas.remove(&t.code).unwrap_or_default(),
            targets: targets.remove(&t.code).unwrap_or_default(),
            code: t.code,
            section: t.section_code,
            title: t.title,
            text: t.body,
            recipient_leads: t.recipient_leads,
        })
        .collect()
}

fn rules(rows: Vec<RuleRow>, terms: &[RuleTermRow]) -> Result<Vec<Rule>> {
    rows.into_iter()
        .map(|r| {
            Ok(Rule {
                kind: RuleKind::parse(&r.kind).ok_or_else(|| corrupt("规则类型", &r.kind))?,
                left: r.left_code,
                right: terms
                    .iter()
                    .filter(|t| t.rule_seq == r.seq)
                    .map(|t| t.indicator_code.clone())
                    .collect(),
            })
        })
        .collect()
}

fn categories(rows: Vec<CodeName>, members: &[CategoryMemberRow]) -> Vec<Category> {
    rows.into_iter()
        .map(|c| {
            let of = |kind: &str| -> Vec<String> {
                members
                    .iter()
                    .filter(|m| m.category_code == c.code && m.kind == kind)
                    .map(|m| m.member_code.clone())
                    .collect()
            };
            Category {
                indicators: of("indicator"),
                tasks: of("task"),
                code: c.code,
                name: c.name,
            }
        })
        .collect()
}
