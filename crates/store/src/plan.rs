//! The plan in the database: written once in one transaction, read back into the domain model.

use crate::audit::{self, NewAuditEntry};
use crate::db::{in_write_tx, on_pool};
use crate::stmt::{execute_all, stmt, Stmt};
use crate::{PlanStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::plan::*;
use bangfu_domain::{PeriodCode, Quantity};
use chrono::{NaiveDate, Utc};
use std::collections::HashMap;

/// A sum over the plan's targets, computed by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetTotal {
    pub calendar: Calendar,
    pub unit: String,
    /// Per-area targets count once per area.
    pub total: Quantity,
    pub targets: i64,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn seq(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// Every row of a plan, as insert statements in dependency order.
fn plan_statements(plan: &Plan, source: &str, source_sha256: &str) -> Result<Vec<Stmt>> {
    let info = &plan.info;
    let s = &plan.schedule;
    let mut out = vec![stmt!(
        "INSERT INTO plan_info (id, code, title, document_number, issued_by, issued_on, district, \
         form_title, coordinator, start_year, end_year, first_period, last_period, deadline_month, \
         deadline_day, basis, source_sha256, source_text, loaded_at) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        &info.code,
        &info.title,
        &info.document_number,
        info.issued_by.join("\n"),
        info.issued_on,
        &info.district,
        &info.form_title,
        &info.coordinator,
        info.start_year,
        info.end_year,
        s.first.to_string(),
        s.last.to_string(),
        s.deadline_month_of_quarter as i32,
        s.deadline_day as i32,
        s.basis.as_str(),
        source_sha256,
        source,
        Utc::now(),
    )];
    let w = &plan.assessment;
    out.push(stmt!(
        "UPDATE plan_info SET assessment_weights = $1 WHERE id = 1",
        format!(
            "{},{},{},{},{}",
            w.completeness, w.timeliness, w.targets, w.evidence, w.coordinator
        )
    ));
    out.push(stmt!(
        "UPDATE plan_info SET ledger_config = $1 WHERE id = 1",
        serde_json::to_string(&plan.ledger).unwrap_or_default()
    ));
    for (i, m) in plan.measure_units.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO measure_units (name, decimals, seq) VALUES ($1, $2, $3)",
            &m.name,
            m.precision as i32,
            seq(i)
        ));
    }
    for (i, d) in plan.donors.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO donors (code, name, short_name, seq) VALUES ($1, $2, $3, $4)",
            &d.code,
            &d.name,
            d.short_name.as_ref(),
            seq(i)
        ));
    }
    for (i, u) in plan.units.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO units (code, name, sort, donor, seq) VALUES ($1, $2, $3, $4, $5)",
            &u.code,
            &u.name,
            u.sort,
            u.donor.as_ref(),
            seq(i)
        ));
        out.extend(
            u.aliases
                .iter()
                .enumerate()
                .map(|(j, a)| alias(&u.code, a, j)),
        );
    }
    for (i, g) in plan.groups.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO unit_groups (code, name, seq) VALUES ($1, $2, $3)",
            &g.code,
            &g.name,
            seq(i)
        ));
        out.extend(
            g.aliases
                .iter()
                .enumerate()
                .map(|(j, a)| alias(&g.code, a, j)),
        );
        for (j, m) in g.members.iter().enumerate() {
            out.push(stmt!(
                "INSERT INTO group_members (group_code, unit_code, seq) VALUES ($1, $2, $3)",
                &g.code,
                m,
                seq(j)
            ));
        }
    }
    // Parents first: the file may list an area before its parent only if validation allowed it,
    // which it does not for cycles; insert in an order that satisfies the foreign key.
    for (i, a) in parents_first(&plan.areas, |a| &a.code, |a| a.parent.as_ref()) {
        out.push(stmt!(
            "INSERT INTO areas (code, name, short_name, area_level, parent_code, seq) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &a.code,
            &a.name,
            a.short_name.as_ref(),
            &a.level,
            a.parent.as_ref(),
            seq(i)
        ));
    }
    for (i, k) in plan.pairing_kinds.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO pairing_kinds (code, name, seq) VALUES ($1, $2, $3)",
            &k.code,
            &k.name,
            seq(i)
        ));
    }
    for (i, p) in plan.pairings.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO pairings (seq, donor_code, area_code, kind_code, note) \
             VALUES ($1, $2, $3, $4, $5)",
            seq(i),
            &p.donor,
            &p.area,
            &p.kind,
            p.note.as_ref()
        ));
    }
    for (i, sec) in parents_first(&plan.sections, |s| &s.code, |s| s.parent.as_ref()) {
        out.push(stmt!(
            "INSERT INTO sections (code, numbering, title, parent_code, seq) \
             VALUES ($1, $2, $3, $4, $5)",
            &sec.code,
            &sec.number,
            &sec.title,
            sec.parent.as_ref(),
            seq(i)
        ));
        for (j, a) in sec.areas.iter().enumerate() {
            out.push(stmt!(
                "INSERT INTO section_areas (section_code, area_code, seq) VALUES ($1, $2, $3)",
                &sec.code,
                a,
                seq(j)
            ));
        }
    }
    for (i, c) in plan.cells.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO form_cells (code, body, seq) VALUES ($1, $2, $3)",
            &c.code,
            &c.text,
            seq(i)
        ));
        for (j, p) in c.parties.iter().enumerate() {
            out.push(stmt!(
                "INSERT INTO cell_parties (cell_code, party_code, seq) VALUES ($1, $2, $3)",
                &c.code,
                p,
                seq(j)
            ));
        }
    }
    for (i, ind) in plan.indicators.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO indicators (code, numbering, name, unit, parent_code, of_which, \
             district_fills, cell_code, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &ind.code,
            &ind.number,
            &ind.name,
            ind.unit.as_ref(),
            ind.parent.as_ref(),
            ind.of_which,
            ind.district_fills,
            ind.cell.as_ref(),
            seq(i)
        ));
    }
    for (i, t) in plan.tasks.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO tasks (code, section_code, title, body, recipient_leads, seq) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &t.code,
            &t.section,
            &t.title,
            &t.text,
            t.recipient_leads,
            seq(i)
        ));
        for (j, a) in t.areas.iter().enumerate() {
            out.push(stmt!(
                "INSERT INTO task_areas (task_code, area_code, seq) VALUES ($1, $2, $3)",
                &t.code,
                a,
                seq(j)
            ));
        }
        let parties = t.lead.iter().map(|p| (p, "lead"));
        let parties = parties.chain(t.cooperating.iter().map(|p| (p, "cooperating")));
        for (j, (p, role)) in parties.enumerate() {
            out.push(stmt!(
                "INSERT INTO task_parties (task_code, party_code, party_role, seq) \
                 VALUES ($1, $2, $3, $4)",
                &t.code,
                p,
                role,
                seq(j)
            ));
        }
        for (j, g) in t.targets.iter().enumerate() {
            let scaled = g
                .quantity
                .to_scaled()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push(stmt!(
                "INSERT INTO targets (task_code, seq, description, quantity_scaled, unit, calendar, \
                 comparison, per_area, indicator_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &t.code,
                seq(j),
                &g.description,
                scaled,
                &g.unit,
                g.calendar.as_str(),
                g.comparison.as_str(),
                g.per_area,
                g.indicator.as_ref()
            ));
            for (k, a) in g.areas.iter().enumerate() {
                out.push(stmt!(
                    "INSERT INTO target_areas (task_code, target_seq, area_code, seq) \
                     VALUES ($1, $2, $3, $4)",
                    &t.code,
                    seq(j),
                    a,
                    seq(k)
                ));
            }
        }
    }
    for (i, r) in plan.rules.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO rules (seq, kind, left_code) VALUES ($1, $2, $3)",
            seq(i),
            r.kind.as_str(),
            &r.left
        ));
        for (j, term) in r.right.iter().enumerate() {
            out.push(stmt!(
                "INSERT INTO rule_terms (rule_seq, indicator_code, seq) VALUES ($1, $2, $3)",
                seq(i),
                term,
                seq(j)
            ));
        }
    }
    for (i, c) in plan.categories.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO categories (code, name, seq) VALUES ($1, $2, $3)",
            &c.code,
            &c.name,
            seq(i)
        ));
        let members = c.indicators.iter().map(|m| ("indicator", m));
        let members = members.chain(c.tasks.iter().map(|m| ("task", m)));
        for (j, (kind, code)) in members.enumerate() {
            out.push(stmt!(
                "INSERT INTO category_members (category_code, kind, member_code, seq) \
                 VALUES ($1, $2, $3, $4)",
                &c.code,
                kind,
                code,
                seq(j)
            ));
        }
    }
    for p in plan.periods() {
        out.push(stmt!(
            "INSERT INTO periods (code, year, quarter, starts_on, ends_on, deadline) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            p.code.to_string(),
            p.code.year(),
            p.code.quarter() as i32,
            p.starts_on,
            p.ends_on,
            p.deadline
        ));
    }
    Ok(out)
}

fn alias(code: &str, alias: &str, i: usize) -> Stmt {
    stmt!(
        "INSERT INTO party_aliases (party_code, alias, seq) VALUES ($1, $2, $3)",
        code,
        alias,
        seq(i)
    )
}

/// Items with their file position, reordered so each parent precedes its children.
fn parents_first<T>(
    items: &[T],
    code: impl Fn(&T) -> &String,
    parent: impl Fn(&T) -> Option<&String>,
) -> Vec<(usize, &T)> {
    let mut placed: Vec<&String> = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    let mut pending: Vec<(usize, &T)> = items.iter().enumerate().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(i, item)| {
            let ready = parent(item).is_none_or(|p| placed.contains(&p));
            if ready {
                placed.push(code(item));
                out.push((*i, *item));
            }
            !ready
        });
        if pending.len() == before {
            // A cycle: validation rejects these, so keep file order and let the database refuse.
            out.append(&mut pending);
        }
    }
    out
}

#[derive(sqlx::FromRow)]
struct InfoRow {
    code: String,
    title: String,
    document_number: String,
    issued_by: String,
    issued_on: NaiveDate,
    district: String,
    form_title: String,
    coordinator: String,
    start_year: i32,
    end_year: i32,
    first_period: String,
    last_period: String,
    deadline_month: i32,
    deadline_day: i32,
    basis: String,
    assessment_weights: Option<String>,
    ledger_config: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CodeName {
    code: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct MeasureRow {
    name: String,
    decimals: i32,
}

#[derive(sqlx::FromRow)]
struct DonorRow {
    code: String,
    name: String,
    short_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    code: String,
    name: String,
    sort: i32,
    donor: Option<String>,
}

/// A (key, value) pair from a link table, in order.
#[derive(sqlx::FromRow)]
struct Link {
    key: String,
    value: String,
}

#[derive(sqlx::FromRow)]
struct AreaRow {
    code: String,
    name: String,
    short_name: Option<String>,
    area_level: String,
    parent_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PairingRow {
    donor_code: String,
    area_code: String,
    kind_code: String,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SectionRow {
    code: String,
    numbering: String,
    title: String,
    parent_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    code: String,
    section_code: String,
    title: String,
    body: String,
    recipient_leads: bool,
}

#[derive(sqlx::FromRow)]
struct TaskPartyRow {
    task_code: String,
    party_code: String,
    party_role: String,
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    task_code: String,
    seq: i32,
    description: String,
    quantity_scaled: i64,
    unit: String,
    calendar: String,
    comparison: String,
    per_area: bool,
    indicator_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TargetAreaRow {
    task_code: String,
    target_seq: i32,
    area_code: String,
}

#[derive(sqlx::FromRow)]
struct IndicatorRow {
    code: String,
    numbering: String,
    name: String,
    unit: Option<String>,
    parent_code: Option<String>,
    of_which: bool,
    district_fills: bool,
    cell_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    seq: i32,
    kind: String,
    left_code: String,
}

#[derive(sqlx::FromRow)]
struct RuleTermRow {
    rule_seq: i32,
    indicator_code: String,
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    calendar: String,
    unit: String,
    total_scaled: i64,
    targets: i64,
}

/// Everything read from the plan tables, before assembly into the domain model.
struct PlanRows {
    info: InfoRow,
    measures: Vec<MeasureRow>,
    donors: Vec<DonorRow>,
    units: Vec<UnitRow>,
    aliases: Vec<Link>,
    groups: Vec<CodeName>,
    members: Vec<Link>,
    areas: Vec<AreaRow>,
    kinds: Vec<CodeName>,
    pairings: Vec<PairingRow>,
    sections: Vec<SectionRow>,
    section_areas: Vec<Link>,
    tasks: Vec<TaskRow>,
    task_areas: Vec<Link>,
    task_parties: Vec<TaskPartyRow>,
    targets: Vec<TargetRow>,
    target_areas: Vec<TargetAreaRow>,
    cells: Vec<CodeName>,
    cell_parties: Vec<Link>,
    indicators: Vec<IndicatorRow>,
    rules: Vec<RuleRow>,
    rule_terms: Vec<RuleTermRow>,
    categories: Vec<CodeName>,
    category_members: Vec<CategoryMemberRow>,
}

#[derive(sqlx::FromRow)]
struct CategoryMemberRow {
    category_code: String,
    kind: String,
    member_code: String,
}

/// Groups link rows by key, keeping their order.
fn grouped(links: Vec<Link>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for l in links {
        map.entry(l.key).or_default().push(l.value);
    }
    map
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}“{value}”无法识别"))
}

fn assemble(rows: PlanRows) -> Result<Plan> {
    let i = rows.info;
    let period = |text: &str| {
        text.parse::<PeriodCode>()
            .map_err(|_| corrupt("报送期", text))
    };
    let mut aliases = grouped(rows.aliases);
    let mut members = grouped(rows.members);
    let mut section_areas = grouped(rows.section_areas);
    let mut task_areas = grouped(rows.task_areas);
    let mut cell_parties = grouped(rows.cell_parties);
    let mut targets: HashMap<String, Vec<Target>> = HashMap::new();
    for t in rows.targets {
        let areas = rows
            .target_areas
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
            });
    }
    let parties_of = |task: &str, role: &str| -> Vec<String> {
        rows.task_parties
            .iter()
            .filter(|p| p.task_code == task && p.party_role == role)
            .map(|p| p.party_code.clone())
            .collect()
    };
    let tasks = rows
        .tasks
        .into_iter()
        .map(|t| Task {
            lead: parties_of(&t.code, "lead"),
            cooperating: parties_of(&t.code, "cooperating"),
            areas: task_areas.remove(&t.code).unwrap_or_default(),
            targets: targets.remove(&t.code).unwrap_or_default(),
            code: t.code,
            section: t.section_code,
            title: t.title,
            text: t.body,
            recipient_leads: t.recipient_leads,
        })
        .collect();
    let rules = rows
        .rules
        .into_iter()
        .map(|r| {
            Ok(Rule {
                kind: RuleKind::parse(&r.kind).ok_or_else(|| corrupt("规则类型", &r.kind))?,
                left: r.left_code,
                right: rows
                    .rule_terms
                    .iter()
                    .filter(|t| t.rule_seq == r.seq)
                    .map(|t| t.indicator_code.clone())
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Plan {
        info: PlanInfo {
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
        },
        schedule: Schedule {
            first: period(&i.first_period)?,
            last: period(&i.last_period)?,
            deadline_month_of_quarter: i.deadline_month as u32,
            deadline_day: i.deadline_day as u32,
            basis: ValueBasis::parse(&i.basis).ok_or_else(|| corrupt("填报口径", &i.basis))?,
        },
        measure_units: rows
            .measures
            .into_iter()
            .map(|m| MeasureUnit {
                name: m.name,
                precision: m.decimals as u32,
            })
            .collect(),
        donors: rows
            .donors
            .into_iter()
            .map(|d| Donor {
                code: d.code,
                name: d.name,
                short_name: d.short_name,
            })
            .collect(),
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
        areas: rows
            .areas
            .into_iter()
            .map(|a| Area {
                code: a.code,
                name: a.name,
                short_name: a.short_name,
                level: a.area_level,
                parent: a.parent_code,
            })
            .collect(),
        pairing_kinds: rows
            .kinds
            .into_iter()
            .map(|k| PairingKind {
                code: k.code,
                name: k.name,
            })
            .collect(),
        pairings: rows
            .pairings
            .into_iter()
            .map(|p| Pairing {
                donor: p.donor_code,
                area: p.area_code,
                kind: p.kind_code,
                note: p.note,
            })
            .collect(),
        sections: rows
            .sections
            .into_iter()
            .map(|s| Section {
                areas: section_areas.remove(&s.code).unwrap_or_default(),
                code: s.code,
                number: s.numbering,
                title: s.title,
                parent: s.parent_code,
            })
            .collect(),
        tasks,
        cells: rows
            .cells
            .into_iter()
            .map(|c| ResponsibilityCell {
                parties: cell_parties.remove(&c.code).unwrap_or_default(),
                code: c.code,
                text: c.name,
            })
            .collect(),
        indicators: rows
            .indicators
            .into_iter()
            .map(|r| Indicator {
                code: r.code,
                number: r.numbering,
                name: r.name,
                unit: r.unit,
                parent: r.parent_code,
                of_which: r.of_which,
                district_fills: r.district_fills,
                cell: r.cell_code,
            })
            .collect(),
        rules,
        assessment: weights(i.assessment_weights.as_deref())?,
        ledger: match i.ledger_config.as_deref() {
            None | Some("") => Default::default(),
            Some(json) => serde_json::from_str(json).map_err(|_| corrupt("资金台账配置", json))?,
        },
        categories: rows
            .categories
            .into_iter()
            .map(|c| {
                let of = |kind: &str| -> Vec<String> {
                    rows.category_members
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
            .collect(),
    })
}

/// "30,30,25,5,10" back into weights; none stored means the defaults.
fn weights(text: Option<&str>) -> Result<bangfu_domain::assessment::Weights> {
    let Some(text) = text else {
        return Ok(Default::default());
    };
    let parts: Vec<rust_decimal::Decimal> = text
        .split(',')
        .map(|p| p.parse().map_err(|_| corrupt("考核权重", text)))
        .collect::<Result<_>>()?;
    match parts[..] {
        [completeness, timeliness, targets, evidence, coordinator] => {
            Ok(bangfu_domain::assessment::Weights {
                completeness,
                timeliness,
                targets,
                evidence,
                coordinator,
            })
        }
        _ => Err(corrupt("考核权重", text)),
    }
}

/// `fetch!(pool, Row, SQL)`: all rows of a query on whichever pool is in scope.
macro_rules! fetch {
    ($pool:ident, $row:ty, $sql:expr) => {
        sqlx::query_as::<_, $row>($sql).fetch_all($pool).await?
    };
}

#[async_trait]
impl PlanStore for SqlStore {
    async fn load_plan(&self, plan: &Plan, source: &str, actor: &str) -> Result<()> {
        let digest = sha256_hex(source.as_bytes());
        let mut statements = plan_statements(plan, source, &digest)?;
        statements.push(audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "plan.load".into(),
            entity: "plan".into(),
            entity_key: plan.info.code.clone(),
            new_value: Some(format!("{}（sha256 {digest}）", plan.info.title)),
            ..Default::default()
        }));
        in_write_tx!(self, |tx| {
            let existing: Option<String> =
                sqlx::query_scalar("SELECT code FROM plan_info WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(code) = existing {
                return Err(StoreError::PlanAlreadyLoaded(code));
            }
            execute_all!(tx, statements);
        });
        Ok(())
    }

    async fn plan(&self) -> Result<Option<Plan>> {
        let rows = on_pool!(self, |pool| {
            let info: Option<InfoRow> = sqlx::query_as(
                "SELECT code, title, document_number, issued_by, issued_on, district, form_title, \
                 coordinator, start_year, end_year, first_period, last_period, deadline_month, \
                 deadline_day, basis, assessment_weights, ledger_config FROM plan_info WHERE id = 1",
            )
            .fetch_optional(pool)
            .await?;
            match info {
                None => None,
                Some(info) => Some(PlanRows {
                    info,
                    measures: fetch!(pool, MeasureRow, "SELECT name, decimals FROM measure_units ORDER BY seq"),
                    donors: fetch!(pool, DonorRow, "SELECT code, name, short_name FROM donors ORDER BY seq"),
                    units: fetch!(pool, UnitRow, "SELECT code, name, sort, donor FROM units ORDER BY seq"),
                    aliases: fetch!(pool, Link, "SELECT party_code AS key, alias AS value FROM party_aliases ORDER BY party_code, seq"),
                    groups: fetch!(pool, CodeName, "SELECT code, name FROM unit_groups ORDER BY seq"),
                    members: fetch!(pool, Link, "SELECT group_code AS key, unit_code AS value FROM group_members ORDER BY group_code, seq"),
                    areas: fetch!(pool, AreaRow, "SELECT code, name, short_name, area_level, parent_code FROM areas ORDER BY seq"),
                    kinds: fetch!(pool, CodeName, "SELECT code, name FROM pairing_kinds ORDER BY seq"),
                    pairings: fetch!(pool, PairingRow, "SELECT donor_code, area_code, kind_code, note FROM pairings ORDER BY seq"),
                    sections: fetch!(pool, SectionRow, "SELECT code, numbering, title, parent_code FROM sections ORDER BY seq"),
                    section_areas: fetch!(pool, Link, "SELECT section_code AS key, area_code AS value FROM section_areas ORDER BY section_code, seq"),
                    tasks: fetch!(pool, TaskRow, "SELECT code, section_code, title, body, recipient_leads FROM tasks ORDER BY seq"),
                    task_areas: fetch!(pool, Link, "SELECT task_code AS key, area_code AS value FROM task_areas ORDER BY task_code, seq"),
                    task_parties: fetch!(pool, TaskPartyRow, "SELECT task_code, party_code, party_role FROM task_parties ORDER BY task_code, seq"),
                    targets: fetch!(pool, TargetRow, "SELECT task_code, seq, description, quantity_scaled, unit, calendar, comparison, per_area, indicator_code FROM targets ORDER BY task_code, seq"),
                    target_areas: fetch!(pool, TargetAreaRow, "SELECT task_code, target_seq, area_code FROM target_areas ORDER BY task_code, target_seq, seq"),
                    cells: fetch!(pool, CodeName, "SELECT code, body AS name FROM form_cells ORDER BY seq"),
                    cell_parties: fetch!(pool, Link, "SELECT cell_code AS key, party_code AS value FROM cell_parties ORDER BY cell_code, seq"),
                    indicators: fetch!(pool, IndicatorRow, "SELECT code, numbering, name, unit, parent_code, of_which, district_fills, cell_code FROM indicators ORDER BY seq"),
                    rules: fetch!(pool, RuleRow, "SELECT seq, kind, left_code FROM rules ORDER BY seq"),
                    rule_terms: fetch!(pool, RuleTermRow, "SELECT rule_seq, indicator_code FROM rule_terms ORDER BY rule_seq, seq"),
                    categories: fetch!(pool, CodeName, "SELECT code, name FROM categories ORDER BY seq"),
                    category_members: fetch!(pool, CategoryMemberRow, "SELECT category_code, kind, member_code FROM category_members ORDER BY category_code, seq"),
                }),
            }
        });
        rows.map(assemble).transpose()
    }

    async fn target_totals(&self) -> Result<Vec<TargetTotal>> {
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        const SQL: &str = "SELECT t.calendar, t.unit, \
             CAST(SUM(t.quantity_scaled * CASE WHEN t.per_area THEN \
                 (SELECT COUNT(*) FROM target_areas a \
                  WHERE a.task_code = t.task_code AND a.target_seq = t.seq) ELSE 1 END) AS BIGINT) \
                 AS total_scaled, \
             COUNT(*) AS targets \
             FROM targets t GROUP BY t.calendar, t.unit ORDER BY t.calendar, t.unit";
        let rows = on_pool!(self, |pool| fetch!(pool, TotalRow, SQL));
        rows.into_iter()
            .map(|r| {
                Ok(TargetTotal {
                    calendar: Calendar::parse(&r.calendar)
                        .ok_or_else(|| corrupt("周期", &r.calendar))?,
                    unit: r.unit,
                    total: Quantity::from_scaled(r.total_scaled),
                    targets: r.targets,
                })
            })
            .collect()
    }
}
