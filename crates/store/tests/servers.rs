//! Several servers on one database (issue 18): what servers starting together do at once must
//! leave the database as one server would, and refuse the rest with the store's own errors.

#[macro_use]
mod support;

use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_store::{AuditStore, PlanStore, SqlStore, StoreError};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).expect("built-in plan is valid")
}

on_both_backends!(
    plans_loaded_at_once_are_loaded_once,
    registers_adopted_at_once_are_adopted_once,
);

async fn audited(store: &SqlStore, action: &str) -> usize {
    let entries = store.audit_entries(100).await.unwrap();
    entries.iter().filter(|e| e.action == action).count()
}

async fn plans_loaded_at_once_are_loaded_once(store: &SqlStore) {
    let plan = built_in();
    let load = || store.load_plan(&plan, BUILT_IN, "system");
    let (a, b, c, d) = tokio::join!(load(), load(), load(), load());
    let mut loaded = 0;
    for result in [a, b, c, d] {
        match result {
            Ok(()) => loaded += 1,
            Err(StoreError::PlanAlreadyLoaded(code)) => assert_eq!(code, plan.info.code),
            Err(e) => panic!("a load at the same time fails only as already loaded: {e}"),
        }
    }
    assert_eq!(loaded, 1);
    assert_eq!(store.plan().await.unwrap(), Some(plan));
    assert_eq!(audited(store, "plan.load").await, 1);
}

async fn registers_adopted_at_once_are_adopted_once(store: &SqlStore) {
    let plan = built_in();
    store.load_plan(&plan, BUILT_IN, "system").await.unwrap();
    // As loaded before registers were plan data.
    store
        .execute_unchecked(
            "UPDATE plan_info SET registries_config = NULL, registry_facts_basis = NULL",
        )
        .await;
    store
        .execute_unchecked("UPDATE targets SET registry_measure = NULL")
        .await;
    assert!(store.plan().await.unwrap().unwrap().registries.is_empty());
    let adopt = || store.adopt_registries(&plan, "system");
    let (a, b, c) = tokio::join!(adopt(), adopt(), adopt());
    let adopted: Vec<bool> = [a, b, c]
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("an adoption at the same time does not fail: {e}")))
        .collect();
    assert_eq!(adopted.iter().filter(|a| **a).count(), 1, "{adopted:?}");
    assert_eq!(store.plan().await.unwrap(), Some(plan));
    assert_eq!(audited(store, "plan.registries").await, 1);
}
