//! Audit entries queued by concurrent writers and chained by one chainer (`serve` on PostgreSQL):
//! nothing acknowledged is lost, nothing is chained twice, a forged, altered or copied queue row
//! is refused and named, and a crash between commit and chaining leaves entries that the next
//! start chains. On both backends.

#[macro_use]
mod support;

use bangfu_domain::plan::parse_plan;
use bangfu_domain::report::Entry;
use bangfu_domain::Quantity;
use bangfu_store::{AuditStore, PlanStore, ProblemKind, ReportStore, SaveReport, SqlStore};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(
    concurrent_saves_are_each_chained_once_by_the_chainer,
    a_crash_before_chaining_loses_nothing_and_the_next_start_chains,
    forged_altered_or_copied_queue_rows_are_refused_and_named,
);

fn save(unit: &str, row: &str, value: &str) -> SaveReport {
    SaveReport {
        period: "2018Q1".into(),
        unit: unit.into(),
        expected_version: None,
        entries: [(
            row.to_string(),
            Entry {
                value: Some(value.parse::<Quantity>().unwrap()),
                comment: String::new(),
            },
        )]
        .into(),
        narrative: None,
        actor: format!("reporter-{unit}"),
        address: "127.0.0.1".into(),
        imported_from: None,
        known: None,
    }
}

async fn load_plan(store: &SqlStore) {
    let plan = parse_plan("d", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
}

async fn count(store: &SqlStore, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    store.scalar_unchecked(&sql).await.unwrap_or(0)
}

async fn concurrent_saves_are_each_chained_once_by_the_chainer(store: &SqlStore) {
    load_plan(store).await;
    let before = store.audit_head().await.unwrap().seq;
    let queueing = store.clone().with_audit_chainer();
    let units = ["jw", "wjw", "wenwei", "jxw", "sww", "nw"];
    let mut saves = tokio::task::JoinSet::new();
    for round in 1..=4 {
        for unit in units {
            let s = queueing.clone();
            saves.spawn(async move { s.save_report(save(unit, "1.3", &round.to_string())).await });
        }
    }
    while let Some(done) = saves.join_next().await {
        done.unwrap().unwrap();
    }
    // The chainer runs by itself: wait for it rather than chain from the test.
    let mut waited = 0;
    while count(store, "audit_pending").await > 0 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(
        count(store, "audit_pending").await,
        0,
        "the chainer left entries queued"
    );
    let head = store.audit_head().await.unwrap();
    assert_eq!(
        head.seq - before,
        24,
        "one entry per save, each chained once"
    );
    let v = store.verify_audit(None).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    let chained = "SELECT COUNT(DISTINCT nonce) FROM audit_log WHERE action = 'report.values'";
    assert_eq!(store.scalar_unchecked(chained).await, Some(24));
}

async fn a_crash_before_chaining_loses_nothing_and_the_next_start_chains(store: &SqlStore) {
    load_plan(store).await;
    let before = store.audit_head().await.unwrap().seq;
    let crashed = store.clone().queueing_without_chainer();
    crashed.save_report(save("jw", "1.3", "3")).await.unwrap();
    crashed.save_report(save("jw", "1.3", "4")).await.unwrap();
    crashed.save_report(save("wjw", "1.4", "7")).await.unwrap();
    assert_eq!(count(store, "audit_pending").await, 3);
    // Before chaining, the values are not explained by the chain: the replay says so.
    let v = store.verify_audit(None).await.unwrap();
    assert!(
        v.problems_of(ProblemKind::ReportValue).count() > 0,
        "{:?}",
        v.problems
    );
    assert_eq!(
        v.problems_of(ProblemKind::Queue).count(),
        0,
        "fresh, valid entries"
    );
    // What the next start does.
    assert_eq!(store.chain_queued_audit().await.unwrap(), 3);
    assert_eq!(count(store, "audit_pending").await, 0);
    let v = store.verify_audit(None).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(store.audit_head().await.unwrap().seq, before + 3);
    let last = store.audit_entries(1).await.unwrap();
    assert_eq!(last[0].new_value.as_deref(), Some("7"));
    assert_eq!(
        store.chain_queued_audit().await.unwrap(),
        0,
        "nothing twice"
    );
}

async fn forged_altered_or_copied_queue_rows_are_refused_and_named(store: &SqlStore) {
    load_plan(store).await;
    let queueing = store.clone().queueing_without_chainer();
    queueing.save_report(save("jw", "1.3", "3")).await.unwrap();
    queueing.save_report(save("wjw", "1.4", "7")).await.unwrap();
    // A copy of the queue as someone with write access could keep it.
    store
        .execute_unchecked("CREATE TABLE stash AS SELECT * FROM audit_pending")
        .await;
    // Altered: the second entry now claims another value.
    store
        .execute_unchecked(
            "UPDATE audit_pending SET new_value = '700' WHERE id = (SELECT MAX(id) FROM audit_pending)",
        )
        .await;
    // Forged: an entry written without the key.
    store
        .execute_unchecked(
            "INSERT INTO audit_pending (nonce, occurred_at, actor, address, action, entity, \
             entity_key, old_value, new_value, reason, mac) SELECT 'forged', occurred_at, 'x', \
             '', 'report.value', 'report_value', '2018Q1/jw/1.3', NULL, '9', NULL, 'bad' \
             FROM audit_pending WHERE id = (SELECT MIN(id) FROM audit_pending)",
        )
        .await;
    assert_eq!(
        store.chain_queued_audit().await.unwrap(),
        1,
        "only the true entry"
    );
    // The copy of the chained entry, put back into the queue.
    store
        .execute_unchecked(
            "INSERT INTO audit_pending (nonce, occurred_at, actor, address, action, entity, \
             entity_key, old_value, new_value, reason, mac) SELECT nonce, occurred_at, actor, \
             address, action, entity, entity_key, old_value, new_value, reason, mac FROM stash \
             WHERE id = (SELECT MIN(id) FROM stash)",
        )
        .await;
    assert_eq!(
        store.chain_queued_audit().await.unwrap(),
        0,
        "never chained twice"
    );
    let v = store.verify_audit(None).await.unwrap();
    let queue: Vec<String> = v
        .problems_of(ProblemKind::Queue)
        .map(|p| p.message.clone())
        .collect();
    assert_eq!(queue.len(), 3, "{queue:?}");
    assert_eq!(
        queue.iter().filter(|m| m.contains("校验失败")).count(),
        2,
        "{queue:?}"
    );
    assert_eq!(
        queue.iter().filter(|m| m.contains("重复")).count(),
        1,
        "{queue:?}"
    );
    assert!(
        v.problems_of(ProblemKind::Chain).next().is_none(),
        "{:?}",
        v.problems
    );
    // wjw's 1.4 = 7 is in the database, but its entry was altered and refused: the replay names it.
    assert!(
        v.problems_of(ProblemKind::ReportValue).count() > 0,
        "{:?}",
        v.problems
    );
}
