//! Registers (台账) as the pages, the JSON API and the command line use them: entries checked by
//! the domain, kept by the store under the policy, and the figures of the form rows they feed,
//! for a unit's report and for the coordinator's reconciliation.

use crate::{Actor, AppError, Context};
use bangfu_domain::period::Period;
use bangfu_domain::policy::Action;
use bangfu_domain::registry::{
    check_entry, check_void_reason, Computed, FieldProblem, FieldValue, Registry,
};
use bangfu_domain::supervision::ProgressUpdate;
use bangfu_domain::Quantity;
use bangfu_store::{EntryFilter, RegistryEntry};
use std::collections::BTreeMap;

/// A refusal of an entry: the fields at fault, or any other reason.
#[derive(Debug)]
pub enum RegistryError {
    /// Every field refused, each named (nothing written).
    Fields(Vec<FieldProblem>),
    App(AppError),
}

impl From<AppError> for RegistryError {
    fn from(e: AppError) -> Self {
        RegistryError::App(e)
    }
}

impl From<bangfu_store::StoreError> for RegistryError {
    fn from(e: bangfu_store::StoreError) -> Self {
        RegistryError::App(e.into())
    }
}

impl RegistryError {
    /// One Chinese sentence for pages: every field's problem, joined.
    pub fn message(&self) -> String {
        match self {
            RegistryError::Fields(problems) => problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            RegistryError::App(e) => e.to_string(),
        }
    }
}

pub fn find_registry<'a>(ctx: &'a Context, code: &str) -> Result<&'a Registry, AppError> {
    ctx.plan.registry(code).ok_or(AppError::NotFound)
}

/// The unit an entry is kept for: the one named (code, name or alias), or a reporter's own.
fn entry_unit(ctx: &Context, actor: &Actor, unit: Option<&str>) -> Result<String, RegistryError> {
    let named = unit.map(str::trim).filter(|u| !u.is_empty());
    let code = match (named, actor.user.unit_code.as_deref()) {
        (Some(text), _) => ctx.plan.unit_named(text).map(|u| u.code.clone()),
        (None, Some(own)) => Some(own.to_string()),
        (None, None) => {
            return Err(RegistryError::Fields(vec![FieldProblem {
                field: "unit".into(),
                label: "填报单位".into(),
                message: "“填报单位”必须填写".into(),
            }]))
        }
    };
    code.ok_or_else(|| {
        RegistryError::Fields(vec![FieldProblem {
            field: "unit".into(),
            label: "填报单位".into(),
            message: format!("填报单位“{}”不在方案中", named.unwrap_or_default()),
        }])
    })
}

/// Records an entry for a unit; every field checked, every problem named.
pub async fn add(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    unit: Option<&str>,
    values: &BTreeMap<String, String>,
) -> Result<RegistryEntry, RegistryError> {
    let registry = find_registry(ctx, registry)?;
    let unit = entry_unit(ctx, actor, unit)?;
    actor.require(Action::KeepRegistry { unit: &unit })?;
    let checked = check_entry(&ctx.plan, registry, values).map_err(RegistryError::Fields)?;
    let id = ctx
        .store
        .add_entry(&registry.code, &unit, &checked, actor.login())
        .await?;
    Ok(entry(ctx, actor, &registry.code, id).await?)
}

/// One entry of a register, if the actor may see it.
pub async fn entry(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    id: i64,
) -> Result<RegistryEntry, AppError> {
    let found = ctx
        .store
        .registry_entry(id)
        .await?
        .filter(|e| e.registry == registry)
        .ok_or(AppError::NotFound)?;
    actor.require(Action::ViewRegistry { unit: &found.unit })?;
    Ok(found)
}

/// Replaces an entry's values (not its unit).
pub async fn edit(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    id: i64,
    values: &BTreeMap<String, String>,
) -> Result<RegistryEntry, RegistryError> {
    let registry = find_registry(ctx, registry)?;
    let old = entry(ctx, actor, &registry.code, id).await?;
    actor.require(Action::KeepRegistry { unit: &old.unit })?;
    let checked = check_entry(&ctx.plan, registry, values).map_err(RegistryError::Fields)?;
    ctx.store.update_entry(id, &checked, actor.login()).await?;
    Ok(entry(ctx, actor, &registry.code, id).await?)
}

/// Voids an entry with a reason; it is kept, and stops counting.
pub async fn void(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    id: i64,
    reason: &str,
) -> Result<RegistryEntry, RegistryError> {
    let registry = find_registry(ctx, registry)?;
    let old = entry(ctx, actor, &registry.code, id).await?;
    actor.require(Action::KeepRegistry { unit: &old.unit })?;
    let reason = check_void_reason(reason).map_err(|message| {
        RegistryError::Fields(vec![FieldProblem {
            field: "reason".into(),
            label: "作废原因".into(),
            message,
        }])
    })?;
    ctx.store.void_entry(id, &reason, actor.login()).await?;
    Ok(entry(ctx, actor, &registry.code, id).await?)
}

/// Attaches an evidence file (佐证材料) to an entry the actor keeps.
pub async fn add_evidence(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    id: i64,
    file: bangfu_store::NewEvidence,
) -> Result<i64, AppError> {
    let found = entry(ctx, actor, registry, id).await?;
    actor.require(Action::KeepRegistry { unit: &found.unit })?;
    Ok(ctx
        .store
        .add_entry_evidence(id, file, actor.login())
        .await?)
}

/// The evidence files of an entry the actor may see.
pub async fn evidence(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    id: i64,
) -> Result<Vec<bangfu_store::EntryEvidence>, AppError> {
    let found = entry(ctx, actor, registry, id).await?;
    Ok(ctx.store.entry_evidence(found.id).await?)
}

/// One evidence file with its content, if the actor may see its entry.
pub async fn evidence_file(
    ctx: &Context,
    actor: &Actor,
    id: i64,
) -> Result<(bangfu_store::EntryEvidence, Vec<u8>), AppError> {
    let (meta, content) = ctx
        .store
        .entry_evidence_file(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = ctx
        .store
        .registry_entry(meta.entry_id)
        .await?
        .ok_or(AppError::NotFound)?;
    actor.require(Action::ViewRegistry { unit: &owner.unit })?;
    Ok((meta, content))
}

/// What a list of entries is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub unit: Option<String>,
    /// Entries whose main date falls in this year.
    pub year: Option<i32>,
    /// Entries in this recipient area (code).
    pub area: Option<String>,
    /// Entries of this kind: an option of the register's first choice field.
    pub kind: Option<String>,
    /// Exactly the entries counted for this form row in this period.
    pub counted_for: Option<(String, Period)>,
    pub include_voided: bool,
}

/// A register's entries the actor may see: a reporter's own unit's only.
pub async fn entries(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    filter: &ListFilter,
) -> Result<Vec<RegistryEntry>, AppError> {
    let registry = find_registry(ctx, registry)?;
    let unit = match (&filter.unit, actor.user.unit_code.as_deref()) {
        (Some(u), _) => Some(u.clone()),
        (None, Some(own)) if !actor.may(Action::ViewRegistry { unit: "" }) => Some(own.into()),
        (None, _) => None,
    };
    match &unit {
        Some(u) => actor.require(Action::ViewRegistry { unit: u })?,
        None => actor.require(Action::ViewRegistry { unit: "" })?,
    }
    let mut store_filter = EntryFilter {
        registry: registry.code.clone(),
        unit,
        include_voided: filter.include_voided,
        ..Default::default()
    };
    if let (Some(year), Some(field)) = (filter.year, registry.main_date_field()) {
        let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1);
        let last = chrono::NaiveDate::from_ymd_opt(year, 12, 31);
        if let (Some(first), Some(last)) = (first, last) {
            store_filter.dated = Some((field.code.clone(), first, last));
        }
    }
    if let (Some(area), Some(field)) = (&filter.area, registry.area_field()) {
        store_filter.equals.push((field.code.clone(), area.clone()));
    }
    if let (Some(kind), Some(field)) = (&filter.kind, registry.kind_field()) {
        store_filter.equals.push((field.code.clone(), kind.clone()));
    }
    if let Some((row, period)) = &filter.counted_for {
        let feed = registry
            .feeds
            .iter()
            .find(|f| &f.indicator == row)
            .ok_or_else(|| {
                AppError::BadRequest(format!("台账“{}”不填报指标 {row}", registry.name))
            })?;
        let window = feed.window(period.code, ctx.plan.schedule.basis);
        store_filter.counted_by = Some((feed.clone(), window));
    }
    Ok(ctx.store.registry_entries(&store_filter).await?)
}

/// The figures registers give a unit's fed rows for a period (zero where no entry counts), in
/// form order. The caller has checked the actor may see the unit's report.
pub async fn computed(
    ctx: &Context,
    period: &Period,
    unit: &str,
) -> Result<Vec<Computed>, AppError> {
    let mut out = Vec::new();
    let mut kept: BTreeMap<&str, bool> = BTreeMap::new();
    for row in ctx.plan.indicators_for_unit(unit) {
        let Some((registry, feed)) = ctx.plan.feed_of(&row.code) else {
            continue;
        };
        if !kept.contains_key(registry.code.as_str()) {
            let counts = ctx
                .store
                .registry_entry_counts(&registry.code, Some(unit))
                .await?;
            kept.insert(&registry.code, counts.get(unit).is_some_and(|n| *n > 0));
        }
        let window = feed.window(period.code, ctx.plan.schedule.basis);
        let figure = ctx
            .store
            .registry_figures(&registry.code, feed, window, Some(unit))
            .await?
            .pop();
        out.push(Computed {
            indicator: row.code.clone(),
            value: figure.as_ref().map_or(Quantity::ZERO, |f| f.value),
            entries: figure.as_ref().map_or(0, |f| f.entries),
            registry: registry.code.clone(),
            kept: kept.get(registry.code.as_str()).copied().unwrap_or(false),
        });
    }
    Ok(out)
}

/// A register spreadsheet checked whole: the entries to write and a line per entry to preview.
#[derive(Debug)]
pub struct ImportCheck {
    pub entries: Vec<(String, Vec<FieldValue>)>,
    pub lines: Vec<String>,
}

/// Reads and checks a register spreadsheet (a template or an export): each row's unit (the one
/// named, or the uploader's own) and values, by the same rules as the form and the API. Either
/// every entry, or every problem named by its cell.
pub async fn check_import(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    bytes: Vec<u8>,
) -> Result<Result<ImportCheck, Vec<String>>, AppError> {
    let registry = find_registry(ctx, registry)?.clone();
    let read = {
        let registry = registry.clone();
        crate::sheets::off_runtime(move || {
            Ok::<_, AppError>(bangfu_xlsx::read_registry_sheet(&bytes, &registry))
        })
        .await?
    };
    let rows = match read {
        Ok(rows) if rows.is_empty() => return Ok(Err(vec!["表格中没有台账条目".into()])),
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems.iter().map(ToString::to_string).collect())),
    };
    let plan = &ctx.plan;
    let mut problems = Vec::new();
    let mut check = ImportCheck {
        entries: Vec::new(),
        lines: Vec::new(),
    };
    for row in rows {
        let at = row.unit_cell.clone().unwrap_or_else(|| row.at.clone());
        let named = Some(row.unit.as_str()).filter(|u| !u.is_empty());
        let unit = match entry_unit(ctx, actor, named) {
            Ok(unit) => unit,
            Err(RegistryError::Fields(p)) => {
                problems.extend(p.into_iter().map(|p| format!("{at}：{}", p.message)));
                continue;
            }
            Err(RegistryError::App(e)) => return Err(e),
        };
        if !actor.may(Action::KeepRegistry { unit: &unit }) {
            problems.push(format!("{at}：无权录入{}的台账", plan.party_name(&unit)));
            continue;
        }
        match check_entry(plan, &registry, &row.values) {
            Ok(values) => {
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| format!("{} {}", registry.field_name(&v.field), v.text))
                    .collect();
                check.lines.push(format!(
                    "{}：{}　{}",
                    row.at,
                    plan.party_name(&unit),
                    shown.join("；")
                ));
                check.entries.push((unit, values));
            }
            Err(found) => problems.extend(found.into_iter().map(|p| {
                let cell = row.cells.get(&p.field).unwrap_or(&row.at);
                format!("{cell}：{}", p.message)
            })),
        }
    }
    Ok(if problems.is_empty() {
        Ok(check)
    } else {
        Err(problems)
    })
}

/// Checks a register spreadsheet again and writes every entry, or none; how many were written.
pub async fn import(
    ctx: &Context,
    actor: &Actor,
    registry: &str,
    bytes: Vec<u8>,
) -> Result<Result<usize, Vec<String>>, AppError> {
    let checked = match check_import(ctx, actor, registry, bytes).await? {
        Ok(c) => c,
        Err(problems) => return Ok(Err(problems)),
    };
    ctx.store
        .add_entries(registry, &checked.entries, actor.login())
        .await?;
    Ok(Ok(checked.entries.len()))
}

/// The progress registers give the targets they measure: for every quarter begun, what the
/// entries of the task's lead and cooperating units dated in it add up to (per recipient area when
/// the target is per area; only entries in the target's areas).
pub async fn target_updates(ctx: &Context) -> Result<Vec<ProgressUpdate>, AppError> {
    let plan = &ctx.plan;
    let today = ctx.clock.today();
    let periods: Vec<Period> = plan
        .periods()
        .into_iter()
        .filter(|p| p.starts_on <= today)
        .collect();
    let mut out = Vec::new();
    for task in &plan.tasks {
        let mut units: Vec<String> = task
            .lead
            .iter()
            .chain(&task.cooperating)
            .flat_map(|p| plan.expand_party(p))
            .map(str::to_string)
            .collect();
        units.sort();
        units.dedup();
        for (index, target) in task.targets.iter().enumerate() {
            let Some(m) = &target.registry else {
                continue;
            };
            let Some(registry) = plan.registry(&m.registry) else {
                continue;
            };
            let mut feed = m.as_feed();
            let area_field = registry.area_field().map(|f| f.code.clone());
            if let (Some(field), false) = (&area_field, target.areas.is_empty()) {
                feed.filter
                    .entry(field.clone())
                    .or_insert_with(|| target.areas.clone());
            }
            if let Some(per) = &m.per {
                let batches = ctx
                    .store
                    .registry_batches(&registry.code, &feed, &units, per)
                    .await?;
                out.extend(batch_updates(task, index, target, &batches, &periods));
                continue;
            }
            let by = area_field.as_deref().filter(|_| target.per_area);
            // One query per target: its entries' measure per day, summed here by quarter.
            let days = ctx
                .store
                .registry_day_totals(&registry.code, &feed, &units, by)
                .await?;
            for period in &periods {
                let mut groups: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
                for d in days
                    .iter()
                    .filter(|d| period.starts_on <= d.day && d.day <= period.ends_on)
                {
                    let total = groups.entry(d.group.as_str()).or_default();
                    total.0 += d.entries;
                    total.1 += d.total_scaled;
                }
                out.extend(
                    groups
                        .into_iter()
                        .map(|(group, (entries, scaled))| ProgressUpdate {
                            task: task.code.clone(),
                            target: index,
                            area: by.map(|_| group.to_string()),
                            period: period.code,
                            quantity: feed.figure(entries, scaled),
                        }),
                );
            }
        }
    }
    Ok(out)
}

/// What batches give a target, each in the quarter its first entry falls in (batches begun in
/// a quarter not yet begun are not counted): a per-batch target one update per batch, with its
/// count or sum; any other target the number of batches begun in each quarter.
fn batch_updates(
    task: &bangfu_domain::plan::Task,
    index: usize,
    target: &bangfu_domain::plan::Target,
    batches: &[bangfu_store::Batch],
    periods: &[Period],
) -> Vec<ProgressUpdate> {
    let update = |period: &Period, area: Option<String>, quantity: Quantity| ProgressUpdate {
        task: task.code.clone(),
        target: index,
        area,
        period: period.code,
        quantity,
    };
    let begun = |batch: &bangfu_store::Batch| {
        periods
            .iter()
            .find(|p| p.starts_on <= batch.first && batch.first <= p.ends_on)
    };
    if target.calendar == bangfu_domain::plan::Calendar::Batch {
        return batches
            .iter()
            .filter_map(|b| begun(b).map(|p| update(p, Some(b.name.clone()), b.value)))
            .collect();
    }
    periods
        .iter()
        .filter_map(|p| {
            let count = batches
                .iter()
                .filter(|b| begun(b).is_some_and(|q| q.code == p.code))
                .count();
            (count > 0).then(|| update(p, None, Quantity::new((count as u64).into())))
        })
        .collect()
}
