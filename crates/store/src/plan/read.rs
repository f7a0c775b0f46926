//! The plan tables as rows, read in one go; rows that map one to one onto the domain model
//! convert with `From`.

use crate::conn::{Conn, Row};
use crate::Result;
use bangfu_domain::plan::*;
use chrono::NaiveDate;

#[derive(sqlx::FromRow)]
pub(super) struct InfoRow {
    pub code: String,
    pub title: String,
    pub document_number: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub district: String,
    pub form_title: String,
    pub coordinator: String,
    pub start_year: i32,
    pub end_year: i32,
    pub first_period: String,
    pub last_period: String,
    pub deadline_month: i32,
    pub deadline_day: i32,
    pub basis: String,
    pub assessment_weights: Option<String>,
    pub ledger_config: Option<String>,
    pub dashboard_config: Option<String>,
    pub registries_config: Option<String>,
    pub reminder_days: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct CodeName {
    pub code: String,
    pub name: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct MeasureRow {
    name: String,
    decimals: i32,
}

#[derive(sqlx::FromRow)]
pub(super) struct DonorRow {
    code: String,
    name: String,
    short_name: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct UnitRow {
    pub code: String,
    pub name: String,
    pub sort: i32,
    pub donor: Option<String>,
}

/// A (key, value) pair from a link table, in order.
#[derive(sqlx::FromRow)]
pub(super) struct Link {
    pub key: String,
    pub value: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct AreaRow {
    code: String,
    name: String,
    short_name: Option<String>,
    area_level: String,
    parent_code: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct PairingRow {
    donor_code: String,
    area_code: String,
    kind_code: String,
    note: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct SectionRow {
    pub code: String,
    pub numbering: String,
    pub title: String,
    pub parent_code: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    pub code: String,
    pub section_code: String,
    pub title: String,
    pub body: String,
    pub recipient_leads: bool,
}

#[derive(sqlx::FromRow)]
pub(super) struct TaskPartyRow {
    pub task_code: String,
    pub party_code: String,
    pub party_role: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct TargetRow {
    pub task_code: String,
    pub seq: i32,
    pub description: String,
    pub quantity_scaled: i64,
    pub unit: String,
    pub calendar: String,
    pub comparison: String,
    pub per_area: bool,
    pub indicator_code: Option<String>,
    pub registry_measure: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct TargetAreaRow {
    pub task_code: String,
    pub target_seq: i32,
    pub area_code: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct IndicatorRow {
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
pub(super) struct RuleRow {
    pub seq: i32,
    pub kind: String,
    pub left_code: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct RuleTermRow {
    pub rule_seq: i32,
    pub indicator_code: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct CategoryMemberRow {
    pub category_code: String,
    pub kind: String,
    pub member_code: String,
}

/// Everything read from the plan tables, before assembly into the domain model.
pub(super) struct PlanRows {
    pub info: InfoRow,
    pub measures: Vec<MeasureRow>,
    pub donors: Vec<DonorRow>,
    pub units: Vec<UnitRow>,
    pub aliases: Vec<Link>,
    pub groups: Vec<CodeName>,
    pub members: Vec<Link>,
    pub areas: Vec<AreaRow>,
    pub kinds: Vec<CodeName>,
    pub pairings: Vec<PairingRow>,
    pub sections: Vec<SectionRow>,
    pub section_areas: Vec<Link>,
    pub tasks: Vec<TaskRow>,
    pub task_areas: Vec<Link>,
    pub task_parties: Vec<TaskPartyRow>,
    pub targets: Vec<TargetRow>,
    pub target_areas: Vec<TargetAreaRow>,
    pub cells: Vec<CodeName>,
    pub cell_parties: Vec<Link>,
    pub indicators: Vec<IndicatorRow>,
    pub rules: Vec<RuleRow>,
    pub rule_terms: Vec<RuleTermRow>,
    pub categories: Vec<CodeName>,
    pub category_members: Vec<CategoryMemberRow>,
}

/// Every row of a query without arguments.
async fn all<R: Row>(conn: &mut Conn<'_>, sql: &str) -> Result<Vec<R>> {
    conn.rows(sql, vec![]).await
}

/// The plan's rows, or `None` when no plan is loaded.
pub(super) async fn plan_rows(conn: &mut Conn<'_>) -> Result<Option<PlanRows>> {
    let info: Option<InfoRow> = conn
        .row(
            "SELECT code, title, document_number, issued_by, issued_on, district, form_title, \
             coordinator, start_year, end_year, first_period, last_period, deadline_month, \
             deadline_day, basis, assessment_weights, ledger_config, dashboard_config, reminder_days, \
             registries_config \
             FROM plan_info WHERE id = 1",
            vec![],
        )
        .await?;
    let Some(info) = info else {
        return Ok(None);
    };
    let c = conn;
    Ok(Some(PlanRows {
        info,
        measures: all(c, "SELECT name, decimals FROM measure_units ORDER BY seq").await?,
        donors: all(c, "SELECT code, name, short_name FROM donors ORDER BY seq").await?,
        units: all(c, "SELECT code, name, sort, donor FROM units ORDER BY seq").await?,
        aliases: all(c, "SELECT party_code AS key, alias AS value FROM party_aliases ORDER BY party_code, seq").await?,
        groups: all(c, "SELECT code, name FROM unit_groups ORDER BY seq").await?,
        members: all(c, "SELECT group_code AS key, unit_code AS value FROM group_members ORDER BY group_code, seq").await?,
        areas: all(c, "SELECT code, name, short_name, area_level, parent_code FROM areas ORDER BY seq").await?,
        kinds: all(c, "SELECT code, name FROM pairing_kinds ORDER BY seq").await?,
        pairings: all(c, "SELECT donor_code, area_code, kind_code, note FROM pairings ORDER BY seq").await?,
        sections: all(c, "SELECT code, numbering, title, parent_code FROM sections ORDER BY seq").await?,
        section_areas: all(c, "SELECT section_code AS key, area_code AS value FROM section_areas ORDER BY section_code, seq").await?,
        tasks: all(c, "SELECT code, section_code, title, body, recipient_leads FROM tasks ORDER BY seq").await?,
        task_areas: all(c, "SELECT task_code AS key, area_code AS value FROM task_areas ORDER BY task_code, seq").await?,
        task_parties: all(c, "SELECT task_code, party_code, party_role FROM task_parties ORDER BY task_code, seq").await?,
        targets: all(c, "SELECT task_code, seq, description, quantity_scaled, unit, calendar, comparison, per_area, indicator_code, registry_measure FROM targets ORDER BY task_code, seq").await?,
        target_areas: all(c, "SELECT task_code, target_seq, area_code FROM target_areas ORDER BY task_code, target_seq, seq").await?,
        cells: all(c, "SELECT code, body AS name FROM form_cells ORDER BY seq").await?,
        cell_parties: all(c, "SELECT cell_code AS key, party_code AS value FROM cell_parties ORDER BY cell_code, seq").await?,
        indicators: all(c, "SELECT code, numbering, name, unit, parent_code, of_which, district_fills, cell_code FROM indicators ORDER BY seq").await?,
        rules: all(c, "SELECT seq, kind, left_code FROM rules ORDER BY seq").await?,
        rule_terms: all(c, "SELECT rule_seq, indicator_code FROM rule_terms ORDER BY rule_seq, seq").await?,
        categories: all(c, "SELECT code, name FROM categories ORDER BY seq").await?,
        category_members: all(c, "SELECT category_code, kind, member_code FROM category_members ORDER BY category_code, seq").await?,
    }))
}

impl From<MeasureRow> for MeasureUnit {
    fn from(m: MeasureRow) -> Self {
        MeasureUnit {
            name: m.name,
            precision: m.decimals as u32,
        }
    }
}

impl From<DonorRow> for Donor {
    fn from(d: DonorRow) -> Self {
        Donor {
            code: d.code,
            name: d.name,
            short_name: d.short_name,
        }
    }
}

impl From<AreaRow> for Area {
    fn from(a: AreaRow) -> Self {
        Area {
            code: a.code,
            name: a.name,
            short_name: a.short_name,
            level: a.area_level,
            parent: a.parent_code,
        }
    }
}

impl From<CodeName> for PairingKind {
    fn from(k: CodeName) -> Self {
        PairingKind {
            code: k.code,
            name: k.name,
        }
    }
}

impl From<PairingRow> for Pairing {
    fn from(p: PairingRow) -> Self {
        Pairing {
            donor: p.donor_code,
            area: p.area_code,
            kind: p.kind_code,
            note: p.note,
        }
    }
}

impl From<IndicatorRow> for Indicator {
    fn from(r: IndicatorRow) -> Self {
        Indicator {
            code: r.code,
            number: r.numbering,
            name: r.name,
            unit: r.unit,
            parent: r.parent_code,
            of_which: r.of_which,
            district_fills: r.district_fills,
            cell: r.cell_code,
        }
    }
}
