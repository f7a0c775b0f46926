//! A plan as insert statements, table by table in dependency order.

use crate::stmt::{stmt, Stmt};
use crate::{Result, StoreError};
use bangfu_domain::plan::*;
use chrono::Utc;

fn seq(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// Every row of a plan, as insert statements in dependency order.
pub(super) fn plan_statements(plan: &Plan, source: &str, source_sha256: &str) -> Result<Vec<Stmt>> {
    let mut out = info_statements(plan, source, source_sha256);
    out.extend(party_statements(plan));
    out.extend(area_statements(plan));
    out.extend(section_statements(plan));
    out.extend(cell_statements(plan));
    out.extend(indicator_statements(plan));
    for (i, t) in plan.tasks.iter().enumerate() {
        out.extend(task_statements(i, t)?);
    }
    out.extend(rule_statements(plan));
    out.extend(category_statements(plan));
    out.extend(period_statements(plan));
    Ok(out)
}

/// `(key, value, seq)` rows of a link table, one per value, in order.
fn links<'a>(
    sql: &'static str,
    key: &'a str,
    values: &'a [String],
) -> impl Iterator<Item = Stmt> + 'a {
    values
        .iter()
        .enumerate()
        .map(move |(i, v)| stmt!(sql, key, v, seq(i)))
}

const ALIAS: &str = "INSERT INTO party_aliases (party_code, alias, seq) VALUES ($1, $2, $3)";

/// The plan's header, schedule, assessment weights and ledger configuration.
fn info_statements(plan: &Plan, source: &str, source_sha256: &str) -> Vec<Stmt> {
    let info = &plan.info;
    let s = &plan.schedule;
    let w = &plan.assessment;
    vec![
        stmt!(
            "INSERT INTO plan_info (id, code, title, document_number, issued_by, issued_on, \
             district, form_title, coordinator, start_year, end_year, first_period, last_period, \
             deadline_month, deadline_day, basis, source_sha256, source_text, loaded_at) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18)",
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
        ),
        stmt!(
            "UPDATE plan_info SET reminder_days = $1 WHERE id = 1",
            s.reminder_days
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        stmt!(
            "UPDATE plan_info SET assessment_weights = $1 WHERE id = 1",
            format!(
                "{},{},{},{},{},{}",
                w.completeness, w.timeliness, w.targets, w.evidence, w.coordinator, w.registers
            )
        ),
        stmt!(
            "UPDATE plan_info SET ledger_config = $1 WHERE id = 1",
            serde_json::to_string(&plan.ledger).unwrap_or_default()
        ),
        stmt!(
            "UPDATE plan_info SET dashboard_config = $1 WHERE id = 1",
            serde_json::to_string(&plan.dashboard).unwrap_or_default()
        ),
        stmt!(
            // A new plan has no entries yet: their facts follow these feeds from the start.
            "UPDATE plan_info SET registries_config = $1, registry_facts_basis = $1 WHERE id = 1",
            serde_json::to_string(&plan.registries).unwrap_or_default()
        ),
    ]
}

/// A plan's registers and its targets' register measures, for a plan loaded without them.
pub(super) fn registries_statements(plan: &Plan) -> Result<Vec<Stmt>> {
    let mut out = vec![stmt!(
        "UPDATE plan_info SET registries_config = $1 WHERE id = 1",
        serde_json::to_string(&plan.registries).unwrap_or_default()
    )];
    for task in &plan.tasks {
        for (j, target) in task.targets.iter().enumerate() {
            let Some(measure) = &target.registry else {
                continue;
            };
            let json =
                serde_json::to_string(measure).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            out.push(stmt!(
                // The same target of the same task, as the plan loaded then declared it.
                "UPDATE targets SET registry_measure = $1 WHERE task_code = $2 AND seq = $3 \
                 AND description = $4",
                json,
                &task.code,
                seq(j),
                &target.description
            ));
        }
    }
    Ok(out)
}

/// Units of measure, donors, units and unit groups with their aliases and members.
fn party_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
        out.extend(links(ALIAS, &u.code, &u.aliases));
    }
    for (i, g) in plan.groups.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO unit_groups (code, name, seq) VALUES ($1, $2, $3)",
            &g.code,
            &g.name,
            seq(i)
        ));
        out.extend(links(ALIAS, &g.code, &g.aliases));
        out.extend(links(
            "INSERT INTO group_members (group_code, unit_code, seq) VALUES ($1, $2, $3)",
            &g.code,
            &g.members,
        ));
    }
    out
}

/// Recipient areas (parents first), pairing kinds and pairings.
fn area_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
    out
}

/// Sections (parents first) with their areas.
fn section_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
        out.extend(links(
            "INSERT INTO section_areas (section_code, area_code, seq) VALUES ($1, $2, $3)",
            &sec.code,
            &sec.areas,
        ));
    }
    out
}

/// The form's responsibility cells with their parties.
fn cell_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
    for (i, c) in plan.cells.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO form_cells (code, body, seq) VALUES ($1, $2, $3)",
            &c.code,
            &c.text,
            seq(i)
        ));
        out.extend(links(
            "INSERT INTO cell_parties (cell_code, party_code, seq) VALUES ($1, $2, $3)",
            &c.code,
            &c.parties,
        ));
    }
    out
}

/// The form's rows.
fn indicator_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
    out
}

/// The `i`th task with its areas, parties and targets.
fn task_statements(i: usize, t: &Task) -> Result<Vec<Stmt>> {
    let mut out = vec![stmt!(
        "INSERT INTO tasks (code, section_code, title, body, recipient_leads, seq) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &t.code,
        &t.section,
        &t.title,
        &t.text,
        t.recipient_leads,
        seq(i)
    )];
    out.extend(links(
        "INSERT INTO task_areas (task_code, area_code, seq) VALUES ($1, $2, $3)",
        &t.code,
        &t.areas,
    ));
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
        out.extend(target_statements(&t.code, j, g)?);
    }
    Ok(out)
}

/// The `j`th target of a task with its areas.
fn target_statements(task: &str, j: usize, g: &Target) -> Result<Vec<Stmt>> {
    let scaled = g
        .quantity
        .to_scaled()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let registry = g
        .registry
        .as_ref()
        .map(|m| serde_json::to_string(m).unwrap_or_default());
    let mut out = vec![stmt!(
        "INSERT INTO targets (task_code, seq, description, quantity_scaled, unit, calendar, \
         comparison, per_area, indicator_code, registry_measure) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        task,
        seq(j),
        &g.description,
        scaled,
        &g.unit,
        g.calendar.as_str(),
        g.comparison.as_str(),
        g.per_area,
        g.indicator.as_ref(),
        registry
    )];
    for (k, a) in g.areas.iter().enumerate() {
        out.push(stmt!(
            "INSERT INTO target_areas (task_code, target_seq, area_code, seq) \
             VALUES ($1, $2, $3, $4)",
            task,
            seq(j),
            a,
            seq(k)
        ));
    }
    Ok(out)
}

/// The form's consistency rules with their terms.
fn rule_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
    out
}

/// Assessment categories with their rows and tasks.
fn category_statements(plan: &Plan) -> Vec<Stmt> {
    let mut out = Vec::new();
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
    out
}

/// The reporting periods with their deadlines.
fn period_statements(plan: &Plan) -> Vec<Stmt> {
    plan.periods()
        .into_iter()
        .map(|p| {
            stmt!(
                "INSERT INTO periods (code, year, quarter, starts_on, ends_on, deadline) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                p.code.to_string(),
                p.code.year(),
                p.code.quarter() as i32,
                p.starts_on,
                p.ends_on,
                p.deadline
            )
        })
        .collect()
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
