//! Registers (台账): the units' entries, one row per filled field, added, edited and voided with
//! an audit entry in the same transaction; and the figures of the form rows they feed, counted and
//! summed live by SQL (one text for both backends) for a period's window.

use crate::audit::{self, NewAuditEntry};
use crate::registry_facts::{fact_statements, facts_of, registries_in};
use crate::stmt::{Arg, Stmt};
use crate::{RegistryStore, Result, SqlStore, StoreError};
use async_trait::async_trait;
use bangfu_domain::registry::{Feed, FieldValue, Measure, Window};
use bangfu_domain::Quantity;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// A stored entry: its values as shown (by field code) and who did what when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    pub id: i64,
    pub registry: String,
    pub unit: String,
    pub values: BTreeMap<String, String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub voided: Option<Voided>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voided {
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Which entries to list: always one register; optionally one unit, a field's value, a date
/// field within dates, or exactly the entries a feed counts for a window.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub registry: String,
    pub unit: Option<String>,
    /// (field, value as stored): a choice, an area code …
    pub equals: Vec<(String, String)>,
    /// (date field, first day, last day)
    pub dated: Option<(String, NaiveDate, NaiveDate)>,
    /// The entries this feed counts in this window (voided ones never count).
    pub counted_by: Option<(Feed, Window)>,
    pub include_voided: bool,
}

/// A fed row's figure for one unit: the value and how many entries it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFigure {
    pub unit: String,
    pub value: Quantity,
    pub entries: i64,
}

/// A register measure on one day for one group (an area's code, or "" for all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    pub day: NaiveDate,
    pub group: String,
    pub entries: i64,
    pub total_scaled: i64,
}

/// A fed row against the reports of a period: totals and how many units differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RowCheck {
    pub entries: i64,
    pub register_scaled: i64,
    pub reported_scaled: i64,
    pub differences: i64,
}

/// A batch (批次) of entries: the batch field's value, its first date, its count or sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub name: String,
    pub first: NaiveDate,
    pub value: Quantity,
}

/// SQL text with its arguments, numbering placeholders as they are bound.
#[derive(Default)]
struct Query {
    sql: String,
    args: Vec<Arg>,
}

impl Query {
    fn bind(&mut self, arg: impl Into<Arg>) -> String {
        self.args.push(arg.into());
        format!("${}", self.args.len())
    }

    fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }
}

/// What a feed adds up for entry `e` and the join it needs: the sum of its number field (entries
/// without the number are not counted), or nothing (a count).
fn summed(q: &mut Query, feed: &Feed) -> (&'static str, String) {
    match &feed.field {
        Some(field) if feed.measure == Measure::Sum => {
            let field = q.bind(field.as_str());
            (
                "SUM(s.number_scaled)",
                format!(
                    " JOIN registry_values s ON s.entry_id = e.id AND s.field_code = {field} \
                     AND s.number_scaled IS NOT NULL"
                ),
            )
        }
        _ => ("0", String::new()),
    }
}

/// `SELECT {select}` over the live entries of `units` in `registry` that the feed's filter keeps,
/// each joined to its date `d` (entries without one are left out) and to the caller's `joins`.
fn dated_entries(
    q: &mut Query,
    select: &str,
    joins: &str,
    registry: &str,
    feed: &Feed,
    units: &[String],
) {
    let date = q.bind(feed.date_field.as_str());
    let registry = q.bind(registry);
    let list: Vec<String> = units.iter().map(|u| q.bind(u.as_str())).collect();
    q.sql = format!(
        "SELECT {select} FROM registry_entries e{joins} \
         JOIN registry_values d ON d.entry_id = e.id AND d.field_code = {date} \
         AND d.date_value IS NOT NULL \
         WHERE e.registry_code = {registry} AND e.voided_at IS NULL \
         AND e.unit_code IN ({})",
        list.join(", ")
    );
    for (field, options) in &feed.filter {
        equals_any(q, field, options);
    }
}

/// The conditions on fact `f` of a fed row in a window: the SQL of [`Window::counts`].
fn fact_conditions(q: &mut Query, feed: &Feed, window: &Window) {
    let indicator = q.bind(feed.indicator.as_str());
    let to = q.bind(window.to);
    q.push(&format!(
        " f.indicator_code = {indicator} AND f.placed_on <= {to} \
         AND (f.ends_on IS NULL OR f.ends_on >= {to})"
    ));
    if let Some(from) = window.from {
        let from = q.bind(from);
        q.push(&format!(" AND f.placed_on >= {from}"));
    }
}

/// The conditions on entry `e` of a feed in a window: dated in it (a flow) or begun by its end and
/// not ended before it (a stock), and every filter's field holding one of its options.
fn feed_conditions(q: &mut Query, feed: &Feed, window: &Window) {
    let field = q.bind(feed.date_field.as_str());
    let to = q.bind(window.to);
    q.push(&format!(
        " AND EXISTS (SELECT 1 FROM registry_values d WHERE d.entry_id = e.id \
         AND d.field_code = {field} AND d.date_value <= {to}"
    ));
    if let Some(from) = window.from {
        let from = q.bind(from);
        q.push(&format!(" AND d.date_value >= {from}"));
    }
    q.push(")");
    if let (Measure::ActiveAtEnd, Some(end)) = (feed.measure, &feed.end_field) {
        let end = q.bind(end.as_str());
        let to = q.bind(window.to);
        q.push(&format!(
            " AND NOT EXISTS (SELECT 1 FROM registry_values x WHERE x.entry_id = e.id \
             AND x.field_code = {end} AND x.date_value < {to})"
        ));
    }
    for (field, options) in &feed.filter {
        equals_any(q, field, options);
    }
}

fn equals_any(q: &mut Query, field: &str, options: &[String]) {
    let field = q.bind(field);
    let list: Vec<String> = options.iter().map(|o| q.bind(o.as_str())).collect();
    q.push(&format!(
        " AND EXISTS (SELECT 1 FROM registry_values f WHERE f.entry_id = e.id \
         AND f.field_code = {field} AND f.text_value IN ({}))",
        list.join(", ")
    ));
}

#[derive(sqlx::FromRow)]
struct FigureRow {
    unit_code: String,
    entries: i64,
    total_scaled: i64,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    registry_code: String,
    unit_code: String,
    version: i64,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_by: String,
    updated_at: DateTime<Utc>,
    voided_by: Option<String>,
    voided_at: Option<DateTime<Utc>>,
    void_reason: String,
}

#[derive(sqlx::FromRow)]
struct ValueRow {
    entry_id: i64,
    field_code: String,
    text_value: String,
}

const ENTRY_COLUMNS: &str = "e.id, e.registry_code, e.unit_code, e.version, e.created_by, \
     e.created_at, e.updated_by, e.updated_at, e.voided_by, e.voided_at, e.void_reason";

/// The statements writing an entry's values.
fn value_statements(id: i64, values: &[FieldValue]) -> Result<Vec<Stmt>> {
    values
        .iter()
        .map(|v| {
            let scaled = v
                .number
                .map(|n| n.to_scaled())
                .transpose()
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            Ok(Stmt::new(
                "INSERT INTO registry_values (entry_id, field_code, text_value, date_value, \
                 number_scaled) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    Arg::I64(id),
                    Arg::Text(v.field.clone()),
                    Arg::Text(v.text.clone()),
                    Arg::OptDate(v.date),
                    Arg::OptI64(scaled),
                ],
            ))
        })
        .collect()
}

/// Values as the audit log writes them: `{"field": "text", …}`.
fn values_text(values: &[FieldValue]) -> String {
    let map: BTreeMap<&str, &str> = values
        .iter()
        .map(|v| (v.field.as_str(), v.text.as_str()))
        .collect();
    serde_json::to_string(&map).unwrap_or_default()
}

fn map_text(values: &BTreeMap<String, String>) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

fn entry_key(registry: &str, id: i64) -> String {
    format!("{registry}#{id}")
}

#[async_trait]
impl RegistryStore for SqlStore {
    async fn add_entry(
        &self,
        registry: &str,
        unit: &str,
        values: &[FieldValue],
        actor: &str,
    ) -> Result<i64> {
        let entry = (unit.to_string(), values.to_vec());
        let ids = self
            .add_entries(registry, std::slice::from_ref(&entry), actor)
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("台账条目没有写入".into()))
    }

    async fn add_entries(
        &self,
        registry: &str,
        entries: &[(String, Vec<FieldValue>)],
        actor: &str,
    ) -> Result<Vec<i64>> {
        let now = audit::now();
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let registries = registries_in(&mut conn).await?;
        let mut ids = Vec::with_capacity(entries.len());
        for (unit, values) in entries {
            let id: i64 = conn
                .scalar(
                    "INSERT INTO registry_entries (registry_code, unit_code, created_by, \
                     created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $3, $4) \
                     RETURNING id",
                    vec![
                        Arg::Text(registry.into()),
                        Arg::Text(unit.clone()),
                        Arg::Text(actor.into()),
                        Arg::Time(now),
                    ],
                )
                .await?;
            let mut stmts = value_statements(id, values)?;
            stmts.extend(fact_statements(
                id,
                unit,
                &facts_of(&registries, registry, values),
            )?);
            stmts.push(audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "registry.add".into(),
                entity: "registry_entry".into(),
                entity_key: entry_key(registry, id),
                new_value: Some(format!("{unit}：{}", values_text(values))),
                ..Default::default()
            }));
            conn.execute_all(stmts).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn update_entry(&self, id: i64, values: &[FieldValue], actor: &str) -> Result<()> {
        let old = self.live_entry(id).await?;
        let now = audit::now();
        let mut stmts = vec![
            Stmt::new(
                "UPDATE registry_entries SET version = version + 1, updated_by = $1, \
                 updated_at = $2 WHERE id = $3 AND voided_at IS NULL AND version = $4",
                vec![
                    Arg::Text(actor.into()),
                    Arg::Time(now),
                    Arg::I64(id),
                    Arg::I64(old.version),
                ],
            ),
            Stmt::new(
                "DELETE FROM registry_values WHERE entry_id = $1",
                vec![Arg::I64(id)],
            ),
        ];
        stmts.extend(value_statements(id, values)?);
        stmts.push(audit::append(NewAuditEntry {
            actor: actor.to_string(),
            action: "registry.edit".into(),
            entity: "registry_entry".into(),
            entity_key: entry_key(&old.registry, id),
            old_value: Some(map_text(&old.values)),
            new_value: Some(values_text(values)),
            ..Default::default()
        }));
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let version: Option<i64> = conn
            .scalar_optional(
                "SELECT version FROM registry_entries WHERE id = $1 AND voided_at IS NULL",
                vec![Arg::I64(id)],
            )
            .await?;
        if version != Some(old.version) {
            return Err(StoreError::Workflow(
                "台账条目已被他人修改或作废，请刷新后再改".into(),
            ));
        }
        let registries = registries_in(&mut conn).await?;
        let facts = facts_of(&registries, &old.registry, values);
        stmts.extend(fact_statements(id, &old.unit, &facts)?);
        conn.execute_all(stmts).await?;
        tx.commit().await
    }

    async fn void_entry(&self, id: i64, reason: &str, actor: &str) -> Result<()> {
        let old = self.live_entry(id).await?;
        let now = audit::now();
        let stmts = vec![
            Stmt::new(
                "UPDATE registry_entries SET voided_by = $1, voided_at = $2, void_reason = $3, \
                 version = version + 1, updated_by = $1, updated_at = $2 \
                 WHERE id = $4 AND voided_at IS NULL",
                vec![
                    Arg::Text(actor.into()),
                    Arg::Time(now),
                    Arg::Text(reason.into()),
                    Arg::I64(id),
                ],
            ),
            // A voided entry counts nowhere.
            Stmt::new(
                "DELETE FROM registry_feed_facts WHERE entry_id = $1",
                vec![Arg::I64(id)],
            ),
            audit::append(NewAuditEntry {
                actor: actor.to_string(),
                action: "registry.void".into(),
                entity: "registry_entry".into(),
                entity_key: entry_key(&old.registry, id),
                old_value: Some(map_text(&old.values)),
                reason: Some(reason.to_string()),
                ..Default::default()
            }),
        ];
        let mut tx = self.begin_write().await?;
        let mut conn = tx.conn();
        let live: Option<i64> = conn
            .scalar_optional(
                "SELECT id FROM registry_entries WHERE id = $1 AND voided_at IS NULL",
                vec![Arg::I64(id)],
            )
            .await?;
        if live.is_none() {
            return Err(StoreError::Workflow("台账条目已作废".into()));
        }
        conn.execute_all(stmts).await?;
        tx.commit().await
    }

    async fn registry_entry(&self, id: i64) -> Result<Option<RegistryEntry>> {
        let mut q = Query::default();
        let id = q.bind(id);
        q.sql = format!("SELECT {ENTRY_COLUMNS} FROM registry_entries e WHERE e.id = {id}");
        Ok(self.load_entries(q).await?.pop())
    }

    async fn registry_entries(&self, filter: &EntryFilter) -> Result<Vec<RegistryEntry>> {
        let mut q = Query::default();
        let registry = q.bind(filter.registry.as_str());
        q.sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM registry_entries e WHERE e.registry_code = {registry}"
        );
        if let Some(unit) = &filter.unit {
            let unit = q.bind(unit.as_str());
            q.push(&format!(" AND e.unit_code = {unit}"));
        }
        for (field, value) in &filter.equals {
            equals_any(&mut q, field, std::slice::from_ref(value));
        }
        if let Some((field, from, to)) = &filter.dated {
            let field = q.bind(field.as_str());
            let from = q.bind(*from);
            let to = q.bind(*to);
            q.push(&format!(
                " AND EXISTS (SELECT 1 FROM registry_values d WHERE d.entry_id = e.id \
                 AND d.field_code = {field} AND d.date_value >= {from} AND d.date_value <= {to})"
            ));
        }
        if let Some((feed, window)) = &filter.counted_by.as_ref().filter(|(f, _)| is_fed_row(f)) {
            q.push(" AND e.id IN (SELECT f.entry_id FROM registry_feed_facts f WHERE");
            fact_conditions(&mut q, feed, window);
            q.push(")");
        } else if let Some((feed, window)) = &filter.counted_by {
            feed_conditions(&mut q, feed, window);
            if let Some(sum_field) = &feed.field {
                let field = q.bind(sum_field.as_str());
                q.push(&format!(
                    " AND EXISTS (SELECT 1 FROM registry_values s WHERE s.entry_id = e.id \
                     AND s.field_code = {field} AND s.number_scaled IS NOT NULL)"
                ));
            }
        }
        if !filter.include_voided || filter.counted_by.is_some() {
            q.push(" AND e.voided_at IS NULL");
        }
        q.push(" ORDER BY e.id DESC");
        self.load_entries(q).await
    }

    async fn registry_entry_counts(
        &self,
        registry: &str,
        unit: Option<&str>,
    ) -> Result<BTreeMap<String, i64>> {
        let rows: Vec<(String, i64)> = self
            .read()
            .await?
            .conn()
            .rows(
                "SELECT unit_code, COUNT(*) FROM registry_entries \
                 WHERE registry_code = $1 AND voided_at IS NULL AND ($2 = '' OR unit_code = $2) \
                 GROUP BY unit_code",
                vec![
                    Arg::Text(registry.into()),
                    Arg::Text(unit.unwrap_or_default().into()),
                ],
            )
            .await?;
        Ok(rows.into_iter().collect())
    }

    async fn registry_totals(
        &self,
        registry: &str,
        feed: &Feed,
        window: Window,
        units: &[String],
        by: Option<&str>,
    ) -> Result<BTreeMap<String, Quantity>> {
        let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for day in self.registry_day_totals(registry, feed, units, by).await? {
            if window.from.is_some_and(|from| day.day < from) || day.day > window.to {
                continue;
            }
            let total = totals.entry(day.group).or_default();
            total.0 += day.entries;
            total.1 += day.total_scaled;
        }
        Ok(totals
            .into_iter()
            .map(|(group, (entries, scaled))| (group, feed.figure(entries, scaled)))
            .collect())
    }

    async fn registry_day_totals(
        &self,
        registry: &str,
        feed: &Feed,
        units: &[String],
        by: Option<&str>,
    ) -> Result<Vec<DayTotal>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Query::default();
        let (value, mut joins) = summed(&mut q, feed);
        let group = match by {
            Some(field) => {
                let field = q.bind(field);
                joins.push_str(&format!(
                    " JOIN registry_values g ON g.entry_id = e.id AND g.field_code = {field}"
                ));
                "g.text_value"
            }
            None => "''",
        };
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        let select = format!(
            "d.date_value AS day, {group} AS grp, COUNT(*) AS entries, \
             CAST(COALESCE({value}, 0) AS BIGINT) AS total_scaled"
        );
        dated_entries(&mut q, &select, &joins, registry, feed, units);
        q.push(" GROUP BY d.date_value");
        if by.is_some() {
            q.push(", g.text_value");
        }
        q.push(" ORDER BY d.date_value");
        let rows: Vec<(NaiveDate, String, i64, i64)> =
            self.read().await?.conn().rows(&q.sql, q.args).await?;
        Ok(rows
            .into_iter()
            .map(|(day, group, entries, total_scaled)| DayTotal {
                day,
                group,
                entries,
                total_scaled,
            })
            .collect())
    }

    async fn add_entry_evidence(
        &self,
        entry: i64,
        file: crate::NewEvidence,
        actor: &str,
    ) -> Result<i64> {
        self.insert_entry_evidence(entry, file, actor).await
    }

    async fn entry_evidence(&self, entry: i64) -> Result<Vec<crate::EntryEvidence>> {
        self.list_entry_evidence(entry).await
    }

    async fn entry_evidence_file(
        &self,
        id: i64,
    ) -> Result<Option<(crate::EntryEvidence, Vec<u8>)>> {
        self.read_entry_evidence(id).await
    }

    async fn registry_batches(
        &self,
        registry: &str,
        feed: &Feed,
        units: &[String],
        per: &str,
    ) -> Result<Vec<Batch>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Query::default();
        let (value, mut joins) = summed(&mut q, feed);
        let per = q.bind(per);
        joins.push_str(&format!(
            " JOIN registry_values g ON g.entry_id = e.id AND g.field_code = {per}"
        ));
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        let select = format!(
            "g.text_value AS name, MIN(d.date_value) AS first_on, COUNT(*) AS entries, \
             CAST(COALESCE({value}, 0) AS BIGINT) AS total_scaled"
        );
        dated_entries(&mut q, &select, &joins, registry, feed, units);
        q.push(" GROUP BY g.text_value ORDER BY first_on, g.text_value");
        let rows: Vec<(String, NaiveDate, i64, i64)> =
            self.read().await?.conn().rows(&q.sql, q.args).await?;
        Ok(rows
            .into_iter()
            .map(|(name, first, entries, total)| Batch {
                name,
                first,
                value: feed.figure(entries, total),
            })
            .collect())
    }

    async fn registry_row_check(
        &self,
        feed: &Feed,
        window: Window,
        period: &str,
    ) -> Result<RowCheck> {
        let mut q = Query::default();
        // Each side grouped once (MATERIALIZED) and the units compared in one pass: referenced
        // several times, a plain CTE is computed again each time.
        q.push(
            "WITH reg AS MATERIALIZED (SELECT f.unit_code, COUNT(*) AS n, \
             COALESCE(SUM(f.amount_scaled), 0) AS s FROM registry_feed_facts f WHERE",
        );
        fact_conditions(&mut q, feed, &window);
        let period = q.bind(period);
        let indicator = q.bind(feed.indicator.as_str());
        // A unit's register figure as a scaled integer: the sum, or the count times the scale.
        let one = Quantity::new(1.into()).to_scaled().unwrap_or(1);
        let figure = if feed.measure == Measure::Sum {
            "reg.s".to_string()
        } else {
            format!("reg.n * {one}")
        };
        q.push(&format!(
            " GROUP BY f.unit_code), \
             rep AS MATERIALIZED (SELECT r.unit_code, v.value_scaled FROM report_values v \
             JOIN reports r ON r.id = v.report_id WHERE r.period_code = {period} \
             AND v.indicator_code = {indicator} AND v.value_scaled IS NOT NULL), \
             lines AS (SELECT reg.n AS n, {figure} AS v, rep.value_scaled AS rv, \
             CASE WHEN COALESCE(rep.value_scaled, 0) <> {figure} THEN 1 ELSE 0 END AS d \
             FROM reg LEFT JOIN rep ON rep.unit_code = reg.unit_code \
             UNION ALL SELECT 0, 0, rep.value_scaled, \
             CASE WHEN rep.value_scaled <> 0 THEN 1 ELSE 0 END FROM rep \
             WHERE NOT EXISTS (SELECT 1 FROM reg WHERE reg.unit_code = rep.unit_code)) \
             SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS entries, \
             CAST(COALESCE(SUM(v), 0) AS BIGINT) AS register_scaled, \
             CAST(COALESCE(SUM(rv), 0) AS BIGINT) AS reported_scaled, \
             CAST(COALESCE(SUM(d), 0) AS BIGINT) AS differences FROM lines"
        ));
        let row: Option<RowCheck> = self.read().await?.conn().row(&q.sql, q.args).await?;
        row.ok_or_else(|| StoreError::Corrupt("台账核对没有结果".into()))
    }

    async fn registry_figures(
        &self,
        registry: &str,
        feed: &Feed,
        window: Window,
        unit: Option<&str>,
    ) -> Result<Vec<UnitFigure>> {
        let mut q = Query::default();
        if is_fed_row(feed) {
            // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
            q.push(
                "SELECT f.unit_code, COUNT(*) AS entries, \
                 CAST(COALESCE(SUM(f.amount_scaled), 0) AS BIGINT) AS total_scaled \
                 FROM registry_feed_facts f WHERE",
            );
            fact_conditions(&mut q, feed, &window);
            if let Some(unit) = unit {
                let unit = q.bind(unit);
                q.push(&format!(" AND f.unit_code = {unit}"));
            }
            q.push(" GROUP BY f.unit_code ORDER BY f.unit_code");
            return self.figures(q, feed).await;
        }
        let (value, join) = summed(&mut q, feed);
        let registry = q.bind(registry);
        // CAST: PostgreSQL's SUM(bigint) is NUMERIC; the scaled integers stay exact either way.
        q.sql = format!(
            "SELECT e.unit_code, COUNT(*) AS entries, \
             CAST(COALESCE({value}, 0) AS BIGINT) AS total_scaled \
             FROM registry_entries e{join} \
             WHERE e.registry_code = {registry} AND e.voided_at IS NULL"
        );
        if let Some(unit) = unit {
            let unit = q.bind(unit);
            q.push(&format!(" AND e.unit_code = {unit}"));
        }
        feed_conditions(&mut q, feed, &window);
        q.push(" GROUP BY e.unit_code ORDER BY e.unit_code");
        self.figures(q, feed).await
    }
}

/// A form row's feed (a target's measure has no row, and no facts: it is counted from the
/// entries' values).
fn is_fed_row(feed: &Feed) -> bool {
    !feed.indicator.is_empty()
}

impl SqlStore {
    async fn figures(&self, q: Query, feed: &Feed) -> Result<Vec<UnitFigure>> {
        let rows: Vec<FigureRow> = self.read().await?.conn().rows(&q.sql, q.args).await?;
        Ok(rows
            .into_iter()
            .map(|r| UnitFigure {
                value: feed.figure(r.entries, r.total_scaled),
                unit: r.unit_code,
                entries: r.entries,
            })
            .collect())
    }

    /// An entry that exists and is not voided.
    async fn live_entry(&self, id: i64) -> Result<RegistryEntry> {
        match self.registry_entry(id).await? {
            None => Err(StoreError::Invalid(format!("台账条目 {id} 不存在"))),
            Some(e) if e.voided.is_some() => {
                Err(StoreError::Workflow("台账条目已作废，不能再修改".into()))
            }
            Some(e) => Ok(e),
        }
    }

    async fn load_entries(&self, q: Query) -> Result<Vec<RegistryEntry>> {
        let mut pooled = self.read().await?;
        let mut conn = pooled.conn();
        let rows: Vec<EntryRow> = conn.rows(&q.sql, q.args).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // The values of the listed entries, a few hundred entries a query (ids are integers
        // from the database, written into the text).
        let mut by_entry: BTreeMap<i64, BTreeMap<String, String>> = BTreeMap::new();
        for chunk in rows.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|r| r.id.to_string()).collect();
            let sql = format!(
                "SELECT entry_id, field_code, text_value FROM registry_values \
                 WHERE entry_id IN ({})",
                ids.join(", ")
            );
            let values: Vec<ValueRow> = conn.rows(&sql, vec![]).await?;
            for v in values {
                by_entry
                    .entry(v.entry_id)
                    .or_default()
                    .insert(v.field_code, v.text_value);
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| RegistryEntry {
                values: by_entry.remove(&r.id).unwrap_or_default(),
                voided: match (r.voided_by, r.voided_at) {
                    (Some(by), Some(at)) => Some(Voided {
                        by,
                        at,
                        reason: r.void_reason,
                    }),
                    _ => None,
                },
                id: r.id,
                registry: r.registry_code,
                unit: r.unit_code,
                version: r.version,
                created_by: r.created_by,
                created_at: r.created_at,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
            })
            .collect())
    }
}
