//! The storage suite: every test runs on SQLite and on PostgreSQL.

use bangfu_domain::plan::{parse_plan, Calendar, Plan};
use bangfu_domain::user::{Login, Role};
use bangfu_domain::Quantity;
use bangfu_store::testing::TestDatabase;
use bangfu_store::{AuditStore, NewUser, PlanStore, SqlStore, StoreError, UserStore};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).expect("built-in plan is valid")
}

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = bangfu_store::testing::TestDatabase::sqlite().await;
                    super::$name(&db.store).await;
                    db.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = bangfu_store::testing::TestDatabase::postgres().await else {
                        return;
                    };
                    super::$name(&db.store).await;
                    db.cleanup().await;
                }
            )*
        }
    };
}

on_both_backends!(
    new_database_has_no_plan_and_migrations_are_idempotent,
    plan_reads_back_exactly_as_loaded,
    second_plan_is_refused_and_changes_nothing,
    failed_load_writes_nothing,
    target_sums_are_exact_decimals,
    users_are_created_once_and_audited,
);

async fn new_database_has_no_plan_and_migrations_are_idempotent(store: &SqlStore) {
    assert!(store.plan().await.unwrap().is_none());
    store
        .migrate()
        .await
        .expect("second migration run is a no-op");
    assert!(store.audit_entries(10).await.unwrap().is_empty());
}

async fn plan_reads_back_exactly_as_loaded(store: &SqlStore) {
    let plan = built_in();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let loaded = store.plan().await.unwrap().expect("plan present");
    assert_eq!(loaded.units, plan.units);
    assert_eq!(loaded.tasks, plan.tasks);
    assert_eq!(loaded.indicators, plan.indicators);
    assert_eq!(loaded, plan);
    let audit = store.audit_entries(10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "plan.load");
    assert_eq!(audit[0].entity_key, "daxing-2017-2020");
}

async fn second_plan_is_refused_and_changes_nothing(store: &SqlStore) {
    let plan = built_in();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let mut other = plan.clone();
    other.info.code = "other".into();
    other.units[0].name = "改过的名字".into();
    let err = store.load_plan(&other, "x", "test").await.unwrap_err();
    assert!(matches!(err, StoreError::PlanAlreadyLoaded(ref c) if c == "daxing-2017-2020"));
    assert!(err.to_string().contains("已载入计划"));
    assert_eq!(store.plan().await.unwrap().unwrap(), plan);
    assert_eq!(store.audit_entries(10).await.unwrap().len(), 1);
}

async fn failed_load_writes_nothing(store: &SqlStore) {
    // A reference the database refuses (validation would catch it; the transaction must too).
    let mut plan = built_in();
    plan.tasks[1].targets[0].indicator = Some("no-such-row".into());
    assert!(store.load_plan(&plan, BUILT_IN, "test").await.is_err());
    assert!(store.plan().await.unwrap().is_none());
    assert!(store.audit_entries(10).await.unwrap().is_empty());
    // And the database is still usable for a correct plan.
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
}

async fn target_sums_are_exact_decimals(store: &SqlStore) {
    let mut plan = built_in();
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; here it must be 0.3 exactly.
    let funds = plan
        .tasks
        .iter_mut()
        .flat_map(|t| t.targets.iter_mut())
        .filter(|t| t.unit == "万元" && t.calendar == Calendar::Year);
    for (target, value) in funds.zip(["0.1", "0.2"]) {
        target.quantity = value.parse().unwrap();
    }
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let totals = store.target_totals().await.unwrap();
    let total = |calendar: Calendar, unit: &str| {
        totals
            .iter()
            .find(|t| t.calendar == calendar && t.unit == unit)
            .unwrap_or_else(|| panic!("no total for {unit}"))
    };
    assert_eq!(
        total(Calendar::Year, "万元").total,
        "0.3".parse::<Quantity>().unwrap()
    );
    assert_eq!(total(Calendar::Year, "万元").targets, 2);
    // 每年至少各结对1家医疗机构: once per area (察右前旗, 和田县).
    assert_eq!(
        total(Calendar::Year, "家").total,
        Quantity::from_scaled(2_0000)
    );
    assert_eq!(total(Calendar::Plan, "万元").total.to_string(), "50");
}

async fn users_are_created_once_and_audited(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    let new_user = |login: &str| NewUser {
        login: Login::parse(login).unwrap(),
        display_name: "张三".into(),
        role: Role::Reporter,
        unit_code: Some("jw".into()),
        phone: "010-12345678".into(),
        password_hash: "$argon2id$fake".into(),
    };
    let id = store
        .create_user(new_user("ZhangSan"), "admin")
        .await
        .unwrap();
    let user = store
        .user_by_login("zhangsan")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(user.id, id);
    assert_eq!(user.role, Role::Reporter);
    assert_eq!(user.unit_code.as_deref(), Some("jw"));
    assert!(user.active);
    let err = store
        .create_user(new_user("zhangsan"), "admin")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::LoginTaken(_)), "{err:?}");
    assert_eq!(store.users().await.unwrap().len(), 1);
    let audit = store.audit_entries(10).await.unwrap();
    assert_eq!(audit[0].action, "user.create");
    assert_eq!(audit[0].actor, "admin");
    assert_eq!(
        audit.len(),
        2,
        "plan load + one user; the refused duplicate left no entry"
    );
    assert!(store.user_by_login("nobody").await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_database_survives_reopening() {
    let db = TestDatabase::sqlite().await;
    db.store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    db.store.close().await;
    let reopened = SqlStore::connect(&db.url).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.plan().await.unwrap().unwrap(), built_in());
    reopened.close().await;
}

#[tokio::test]
async fn unknown_database_urls_are_refused_with_a_clear_message() {
    let err = match SqlStore::connect("mysql://localhost/x").await {
        Err(e) => e,
        Ok(_) => panic!("mysql URL accepted"),
    };
    assert!(err.to_string().contains("无法识别"), "{err}");
}
