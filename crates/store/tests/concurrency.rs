//! Saves of one report racing each other on both backends: the version check is atomic, so of
//! two saves that expect the same version exactly one is written and the other is refused.

#[macro_use]
mod support;

use bangfu_domain::plan::parse_plan;
use bangfu_domain::report::Entry;
use bangfu_store::{PlanStore, ReportStore, SaveReport, SqlStore, StoreError};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(two_saves_expecting_one_version_let_exactly_one_through);

fn save(value: u32, expected_version: Option<i64>) -> SaveReport {
    SaveReport {
        period: "2018Q1".into(),
        unit: "jw".into(),
        expected_version,
        entries: [(
            "1.3".to_string(),
            Entry {
                value: Some(value.to_string().parse().unwrap()),
                comment: String::new(),
            },
        )]
        .into(),
        narrative: None,
        actor: format!("clerk-{value}"),
        address: "127.0.0.1".into(),
        imported_from: None,
        known: None,
    }
}

async fn two_saves_expecting_one_version_let_exactly_one_through(store: &SqlStore) {
    let plan = parse_plan("d", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let mut version = store.save_report(save(1, None)).await.unwrap();
    for round in 0..20u32 {
        let (a, b) = (store.clone(), store.clone());
        let (first, second) = tokio::join!(
            tokio::spawn(async move { a.save_report(save(100 + round, Some(version))).await }),
            tokio::spawn(async move { b.save_report(save(200 + round, Some(version))).await }),
        );
        let outcomes = [first.unwrap(), second.unwrap()];
        let written: Vec<i64> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().copied())
            .collect();
        assert_eq!(written.len(), 1, "round {round}: {outcomes:?}");
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Err(StoreError::VersionConflict { .. }))),
            "round {round}: {outcomes:?}"
        );
        assert_eq!(written[0], version + 1, "round {round}");
        version = written[0];
    }
}
