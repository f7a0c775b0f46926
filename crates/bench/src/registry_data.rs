//! Register entries (台账) for the dataset: `total` entries spread over every register and the
//! units that fill the rows it feeds, dated within the history, with values of every field's kind.

use crate::dataset::Rng;
use crate::db::{Db, V};
use anyhow::Context;
use bangfu_domain::period::Period;
use bangfu_domain::registry::{Field, FieldKind};
use bangfu_domain::Plan;
use chrono::{DateTime, Utc};

/// A field's value as stored: text, date, scaled number.
fn value(
    plan: &Plan,
    field: &Field,
    n: usize,
    day: chrono::NaiveDate,
    rng: &mut Rng,
) -> Option<Vec<V>> {
    let pick = |options: &[String], rng: &mut Rng| {
        options[rng.below(options.len() as u64) as usize].clone()
    };
    let (text, date, number) = match field.kind {
        // Stocks that end: most do not.
        FieldKind::Date if !field.required => return None,
        FieldKind::Date => (day.to_string(), Some(day), None),
        FieldKind::Number => {
            let whole = 1 + rng.below(50) as i64;
            (whole.to_string(), None, Some(whole * 10_000))
        }
        FieldKind::Choice => (pick(&field.choices, rng), None, None),
        FieldKind::YesNo => (
            if rng.chance(50) { "是" } else { "否" }.to_string(),
            None,
            None,
        ),
        FieldKind::Area => {
            let areas: Vec<String> = plan.areas.iter().map(|a| a.code.clone()).collect();
            (pick(&areas, rng), None, None)
        }
        FieldKind::Unit => {
            let units: Vec<String> = plan.units.iter().map(|u| u.code.clone()).collect();
            (pick(&units, rng), None, None)
        }
        FieldKind::Text | FieldKind::Person => (format!("{}{n}", field.name), None, None),
    };
    Some(vec![
        V::S(field.code.clone()),
        V::S(text),
        V::OD(date),
        V::OI(number),
    ])
}

/// Writes `total` entries; returns how many.
pub async fn registry_entries(
    db: &Db,
    plan: &Plan,
    history: &[Period],
    total: usize,
    rng: &mut Rng,
) -> anyhow::Result<usize> {
    // (register, unit) pairs: every unit that fills a row the register feeds.
    let mut keepers: Vec<(usize, String)> = Vec::new();
    for (r, registry) in plan.registries.iter().enumerate() {
        let mut units: Vec<String> = registry
            .feeds
            .iter()
            .filter_map(|f| plan.indicator(&f.indicator))
            .flat_map(|i| plan.responsible_units(i))
            .map(|u| u.code.clone())
            .collect();
        units.sort();
        units.dedup();
        keepers.extend(units.into_iter().map(|u| (r, u)));
    }
    if keepers.is_empty() || history.is_empty() || total == 0 {
        return Ok(0);
    }
    let recorded: DateTime<Utc> = Utc::now();
    let mut entries = Vec::with_capacity(total);
    let mut values: Vec<(usize, Vec<V>)> = Vec::new();
    for n in 0..total {
        let (r, unit) = &keepers[n % keepers.len()];
        let registry = &plan.registries[*r];
        let period = &history[rng.below(history.len() as u64) as usize];
        let days = (period.ends_on - period.starts_on).num_days().max(0) as u64;
        let day = period.starts_on + chrono::Days::new(rng.below(days + 1));
        entries.push(vec![
            V::S(registry.code.clone()),
            V::S(unit.clone()),
            V::S("bench".into()),
            V::T(recorded),
            V::S("bench".into()),
            V::T(recorded),
        ]);
        for field in &registry.fields {
            if let Some(v) = value(plan, field, n, day, rng) {
                values.push((n, v));
            }
        }
    }
    db.insert_rows(
        "registry_entries",
        "registry_code, unit_code, created_by, created_at, updated_by, updated_at",
        entries,
    )
    .await
    .context("insert registry entries")?;
    // Inserted in order in one transaction: the ids ascend in the same order.
    let ids = db.registry_entry_ids().await?;
    anyhow::ensure!(
        ids.len() == total,
        "registry entries: {} ids for {total}",
        ids.len()
    );
    let rows: Vec<Vec<V>> = values
        .into_iter()
        .map(|(n, v)| {
            let mut row = vec![V::I(ids[n])];
            row.extend(v);
            row
        })
        .collect();
    db.insert_rows(
        "registry_values",
        "entry_id, field_code, text_value, date_value, number_scaled",
        rows,
    )
    .await
    .context("insert registry values")?;
    db.forget_feed_facts().await?;
    Ok(total)
}
