//! A fed row checked against the reports in one query (`registry_row_check`, the reconciliation's
//! overview) gives the same totals and the same number of differing units as comparing every
//! unit's register figure with its reported value, on both backends.

#[macro_use]
mod support;

use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_domain::registry::check_entry;
use bangfu_domain::report::Entry;
use bangfu_domain::summary::ReportScope;
use bangfu_domain::{PeriodCode, Quantity};
use bangfu_store::{PlanStore, RegistryStore, ReportStore, SaveReport, SqlStore};
use std::collections::{BTreeMap, BTreeSet};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(the_row_check_agrees_with_the_units_one_by_one);

async fn add(store: &SqlStore, plan: &Plan, registry: &str, unit: &str, pairs: &[(&str, &str)]) {
    let values: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let checked = check_entry(plan, plan.registry(registry).unwrap(), &values).unwrap();
    store
        .add_entry(registry, unit, &checked, "clerk")
        .await
        .unwrap();
}

async fn report(store: &SqlStore, period: &str, unit: &str, values: &[(&str, &str)]) {
    let entries = values
        .iter()
        .map(|(k, v)| {
            let entry = Entry {
                value: Some(v.parse().unwrap()),
                comment: "说明".into(),
            };
            (k.to_string(), entry)
        })
        .collect();
    store
        .save_report(SaveReport {
            period: period.into(),
            unit: unit.into(),
            expected_version: None,
            entries,
            narrative: None,
            actor: "clerk".into(),
            address: "127.0.0.1".into(),
            imported_from: None,
            known: None,
        })
        .await
        .unwrap();
}

/// What the reconciliation's unit lines say about a row: (register total, reported total,
/// differing units), a unit without a report agreeing with a register figure of 0.
async fn one_by_one(
    store: &SqlStore,
    plan: &Plan,
    row: &str,
    period: &str,
) -> (Quantity, Quantity, i64) {
    let (registry, feed) = plan.feed_of(row).unwrap();
    let code: PeriodCode = period.parse().unwrap();
    let window = feed.window(code, plan.schedule.basis);
    let figures: BTreeMap<String, Quantity> = store
        .registry_figures(&registry.code, feed, window, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.unit, f.value))
        .collect();
    let reported: BTreeMap<String, Quantity> = store
        .unit_values(period, ReportScope::WithDrafts)
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.indicator_code == row)
        .map(|v| (v.unit_code, Quantity::from_scaled(v.value_scaled)))
        .collect();
    let units: BTreeSet<&String> = figures.keys().chain(reported.keys()).collect();
    let differences = units
        .iter()
        .filter(|u| {
            let register = figures.get(**u).copied().unwrap_or(Quantity::ZERO);
            reported.get(**u).copied().unwrap_or(Quantity::ZERO) != register
        })
        .count();
    let sum = |m: &BTreeMap<String, Quantity>| Quantity::new(m.values().map(|q| q.decimal()).sum());
    (sum(&figures), sum(&reported), differences as i64)
}

async fn the_row_check_agrees_with_the_units_one_by_one(store: &SqlStore) {
    let plan = parse_plan("daxing.toml", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let school = |signed: &'static str| {
        vec![
            ("kind", "学校结对"),
            ("donor_side", "大兴学校"),
            ("recipient_side", "受援学校"),
            ("area", "cyqq"),
            ("signed_on", signed),
        ]
    };
    let teacher = |starts: &'static str| {
        vec![
            ("person", "张老师"),
            ("direction", "东部到西部"),
            ("kind", "教师"),
            ("level", "区级"),
            ("area", "cyqq"),
            ("starts_on", starts),
        ]
    };
    // 区教委: 2 schools (reports 2: agrees), 3 teachers in Q1 (reports 2: differs).
    add(store, &plan, "pairings", "jw", &school("2018-01-10")).await;
    add(store, &plan, "pairings", "jw", &school("2018-02-10")).await;
    for _ in 0..3 {
        add(store, &plan, "talent", "jw", &teacher("2018-02-01")).await;
    }
    report(store, "2018Q1", "jw", &[("1.3", "2"), ("4.2", "2")]).await;
    // 区卫计委: a school pairing, nothing reported (differs); 4.2 reported 0 with no entries (agrees).
    add(store, &plan, "pairings", "wjw", &school("2018-03-01")).await;
    report(store, "2018Q1", "wjw", &[("4.2", "0")]).await;
    // 区财政局: reports 4.2 = 1 without entries (differs).
    report(store, "2018Q1", "czj", &[("4.2", "1")]).await;
    let mut seen_differences = 0;
    for row in ["1.3", "1.4", "4.2", "4.2.1", "2.3", "5.1"] {
        let (_, feed) = plan.feed_of(row).unwrap();
        for period in ["2018Q1", "2018Q2"] {
            let code: PeriodCode = period.parse().unwrap();
            let window = feed.window(code, plan.schedule.basis);
            let check = store
                .registry_row_check(feed, window, period)
                .await
                .unwrap();
            let expected = one_by_one(store, &plan, row, period).await;
            let found = (
                feed.figure(check.entries, check.register_scaled),
                Quantity::from_scaled(check.reported_scaled),
                check.differences,
            );
            assert_eq!(found, expected, "{row} in {period}");
            seen_differences += check.differences;
        }
    }
    let (_, school_feed) = plan.feed_of("1.3").unwrap();
    let q1 = school_feed.window("2018Q1".parse().unwrap(), plan.schedule.basis);
    let check = store
        .registry_row_check(school_feed, q1, "2018Q1")
        .await
        .unwrap();
    assert_eq!(
        (check.entries, check.differences),
        (3, 1),
        "区卫计委's school"
    );
    assert!(seen_differences >= 4, "the data has differences to find");
}
