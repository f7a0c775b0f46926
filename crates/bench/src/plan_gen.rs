//! A synthetic plan file derived from the built-in plan: the same form, tasks and rules, but more
//! units (copies of the built-in units, spread over several districts' donors) and more years of
//! quarters. Copies fill the same rows as their originals, so the form stays realistic.

use anyhow::{anyhow, Context};
use toml::{Table, Value};

/// The built-in plan the synthetic one is derived from.
pub const BUILT_IN_PLAN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Reporting units in total (at least the built-in plan's 38).
    pub units: usize,
    /// Years of quarters, ending with `last_year`.
    pub years: u32,
    /// Donor districts the units are spread over.
    pub districts: usize,
    pub last_year: i32,
}

impl Scale {
    pub fn first_year(&self) -> i32 {
        self.last_year - self.years as i32 + 1
    }
}

fn array<'a>(t: &'a mut Table, key: &str) -> anyhow::Result<&'a mut Vec<Value>> {
    t.get_mut(key)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| anyhow!("built-in plan has no [[{key}]]"))
}

fn str_of<'a>(t: &'a Table, key: &str) -> &'a str {
    t.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Returns the plan file's text and the unit codes in order (originals first, then copies).
pub fn synthetic_plan(scale: Scale) -> anyhow::Result<(String, Vec<String>)> {
    let mut doc: Table = toml::from_str(BUILT_IN_PLAN).context("parse built-in plan")?;
    let (first, last) = (scale.first_year(), scale.last_year);
    set_plan_info(&mut doc, scale)?;
    set_schedule(&mut doc, scale)?;
    add_donors(&mut doc, scale)?;
    let (codes, copies) = add_unit_copies(&mut doc, scale)?;
    join_copies_to_groups(&mut doc, &copies)?;
    let text = format!(
        "# Synthetic plan for the benchmark (crates/bench), derived from plans/daxing-2017-2020.toml:\n\
         # {} units over {} district(s), quarters {first}Q1..{last}Q4.\n\n{}",
        codes.len(),
        scale.districts,
        toml::to_string(&doc).context("serialise synthetic plan")?
    );
    Ok((text, codes))
}

fn table<'a>(doc: &'a mut Table, key: &str) -> anyhow::Result<&'a mut Table> {
    doc.get_mut(key)
        .and_then(Value::as_table_mut)
        .ok_or_else(|| anyhow!("no [{key}]"))
}

/// `[plan]`: a code and title of its own, and the scale's years.
fn set_plan_info(doc: &mut Table, scale: Scale) -> anyhow::Result<()> {
    let first = scale.first_year();
    let plan = table(doc, "plan")?;
    plan.insert(
        "code".into(),
        Value::String(format!(
            "bench-u{}-y{}-d{}",
            scale.units, scale.years, scale.districts
        )),
    );
    let title = str_of(plan, "title").to_string();
    plan.insert(
        "title".into(),
        Value::String(format!("{title}（基准测试）")),
    );
    plan.insert("start_year".into(), Value::Integer(first as i64));
    plan.insert("end_year".into(), Value::Integer(scale.last_year as i64));
    plan.insert(
        "issued_on".into(),
        Value::String(format!("{}-12-20", first - 1)),
    );
    Ok(())
}

/// `[schedule]`: every quarter of the scale's years.
fn set_schedule(doc: &mut Table, scale: Scale) -> anyhow::Result<()> {
    let (first, last) = (scale.first_year(), scale.last_year);
    let schedule = table(doc, "schedule")?;
    schedule.insert("first_period".into(), Value::String(format!("{first}Q1")));
    schedule.insert("last_period".into(), Value::String(format!("{last}Q4")));
    Ok(())
}

/// One donor per extra district.
fn add_donors(doc: &mut Table, scale: Scale) -> anyhow::Result<()> {
    let donors = array(doc, "donors")?;
    for d in 1..scale.districts {
        let mut t = Table::new();
        t.insert("code".into(), Value::String(format!("bd{d}")));
        t.insert(
            "name".into(),
            Value::String(format!("基准测试第{}区", d + 1)),
        );
        t.insert("short_name".into(), Value::String(format!("第{}区", d + 1)));
        donors.push(Value::Table(t));
    }
    Ok(())
}

/// (original unit code, copy code) pairs.
type Copies = Vec<(String, String)>;

/// Copies of the built-in units, round after round, until there are `scale.units`. Returns all
/// unit codes in order and the (original code, copy code) pairs.
fn add_unit_copies(doc: &mut Table, scale: Scale) -> anyhow::Result<(Vec<String>, Copies)> {
    let originals: Vec<Table> = array(doc, "units")?
        .iter()
        .filter_map(|v| v.as_table().cloned())
        .collect();
    let mut codes: Vec<String> = originals
        .iter()
        .map(|u| str_of(u, "code").to_string())
        .collect();
    if scale.units < originals.len() {
        return Err(anyhow!(
            "--units must be at least {} (the built-in plan's units)",
            originals.len()
        ));
    }
    let mut copies: Copies = Vec::new();
    let mut new_units: Vec<Value> = Vec::new();
    let mut k = 1usize;
    while codes.len() < scale.units {
        for orig in &originals {
            if codes.len() >= scale.units {
                break;
            }
            let code = str_of(orig, "code").to_string();
            let copy = format!("{code}_{k}");
            new_units.push(Value::Table(unit_copy(orig, &copy, k, scale.districts)));
            codes.push(copy.clone());
            copies.push((code, copy));
        }
        k += 1;
    }
    array(doc, "units")?.extend(new_units);
    Ok((codes, copies))
}

/// The `k`th copy of unit `orig`, coded `copy`, its donor by turns over the districts.
fn unit_copy(orig: &Table, copy: &str, k: usize, districts: usize) -> Table {
    let mut t = Table::new();
    t.insert("code".into(), Value::String(copy.to_string()));
    let name = str_of(orig, "name");
    t.insert("name".into(), Value::String(format!("{name}（{k}）")));
    let sort = orig.get("sort").and_then(Value::as_integer).unwrap_or(0);
    t.insert("sort".into(), Value::Integer(sort + 10_000 * k as i64));
    let district = k % districts.max(1);
    let donor = if district == 0 {
        str_of(orig, "donor").to_string()
    } else {
        format!("bd{district}")
    };
    t.insert("donor".into(), Value::String(donor));
    t
}

/// Copies belong to the same groups and merged cells as their originals.
fn join_copies_to_groups(doc: &mut Table, copies: &[(String, String)]) -> anyhow::Result<()> {
    for (key, field) in [("groups", "members"), ("cells", "parties")] {
        for item in array(doc, key)?.iter_mut() {
            let Some(list) = item.get_mut(field).and_then(Value::as_array_mut) else {
                continue;
            };
            let present: Vec<String> = list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            for (orig, copy) in copies {
                if present.contains(orig) {
                    list.push(Value::String(copy.clone()));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_plan_parses_with_the_requested_units_and_years() {
        let scale = Scale {
            units: 100,
            years: 3,
            districts: 3,
            last_year: 2026,
        };
        let (text, codes) = synthetic_plan(scale).unwrap();
        assert_eq!(codes.len(), 100);
        let plan = bangfu_domain::plan::parse_plan("synthetic.toml", &text).unwrap();
        assert_eq!(plan.units.len(), 100);
        assert_eq!(plan.periods().len(), 12);
        assert_eq!(
            bangfu_domain::summary::reporting_units(&plan).len(),
            100,
            "every unit reports"
        );
    }
}
