//! The storage suite: every test runs on SQLite and on PostgreSQL.

#[macro_use]
mod support;

use bangfu_domain::plan::{parse_plan, Calendar, Plan};
use bangfu_domain::report::{Entry, Narrative, ReportStatus, WorkflowAction};
use bangfu_domain::summary::ReportScope;
use bangfu_domain::user::{Login, Role};
use bangfu_domain::Quantity;
use bangfu_store::testing::TestDatabase;
use bangfu_store::{
    AuditStore, NewEvidence, NewUser, PlanStore, ReportStore, SaveReport, SessionStore, SqlStore,
    StoreError, Transition, UserStore,
};
use std::collections::BTreeMap;

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).expect("built-in plan is valid")
}

on_both_backends!(
    new_database_has_no_plan_and_migrations_are_idempotent,
    plan_reads_back_exactly_as_loaded,
    second_plan_is_refused_and_changes_nothing,
    failed_load_writes_nothing,
    target_sums_are_exact_decimals,
    users_are_created_once_and_audited,
    report_values_round_trip_exactly_with_versions,
    stale_saves_are_refused_and_change_nothing,
    workflow_is_enforced_and_recorded,
    district_totals_are_exact_sums,
    sessions_and_tokens_follow_the_account,
    evidence_files_are_kept_intact,
    audit_chain_verifies_and_reveals_tampering,
    audit_search_filters_by_actor_key_and_time,
    pending_imports_are_taken_once_by_their_owner_in_time,
);

async fn pending_imports_are_taken_once_by_their_owner_in_time(store: &SqlStore) {
    use bangfu_store::{PendingImportStore, PendingUpload};
    let now = chrono::Utc::now();
    let long_ago = now - chrono::Duration::hours(2);
    let upload = |owner: &str, at| PendingUpload {
        owner: owner.into(),
        period: "2018Q2".into(),
        unit: "jw".into(),
        file_name: "表.xlsx".into(),
        content: vec![0, 1, 2, 255],
        created_at: at,
    };
    let cutoff = now - chrono::Duration::minutes(30);
    store
        .put_pending_import("a", &upload("jw-clerk", now), cutoff)
        .await
        .unwrap();
    store
        .put_pending_import("old", &upload("jw-clerk", long_ago), long_ago)
        .await
        .unwrap();
    // Another person's try spends the token and gets nothing.
    store
        .put_pending_import("b", &upload("jw-clerk", now), cutoff)
        .await
        .unwrap();
    assert_eq!(
        store
            .take_pending_import("b", "intruder", cutoff)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_pending_import("b", "jw-clerk", cutoff)
            .await
            .unwrap(),
        None
    );
    // The owner takes it once, bytes intact; an expired upload is not given back.
    let taken = store
        .take_pending_import("a", "jw-clerk", cutoff)
        .await
        .unwrap()
        .expect("the owner's upload");
    assert_eq!(taken.content, vec![0, 1, 2, 255]);
    assert_eq!(taken.file_name, "表.xlsx");
    assert_eq!(
        store
            .take_pending_import("a", "jw-clerk", cutoff)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_pending_import("old", "jw-clerk", cutoff)
            .await
            .unwrap(),
        None
    );
}

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
    assert_eq!(loaded.dashboard, plan.dashboard);
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
        email: String::new(),
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

fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, Entry> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                Entry {
                    value: if v.is_empty() {
                        None
                    } else {
                        Some(v.parse().unwrap())
                    },
                    comment: String::new(),
                },
            )
        })
        .collect()
}

fn save(period: &str, unit: &str, pairs: &[(&str, &str)], version: Option<i64>) -> SaveReport {
    SaveReport {
        period: period.into(),
        unit: unit.into(),
        expected_version: version,
        entries: entries(pairs),
        narrative: None,
        actor: format!("reporter-{unit}"),
        address: "127.0.0.1".into(),
        imported_from: None,
        known: None,
    }
}

fn step(period: &str, unit: &str, action: WorkflowAction, reason: &str) -> Transition {
    Transition {
        period: period.into(),
        unit: unit.into(),
        action,
        expected_version: None,
        reason: reason.into(),
        actor: "someone".into(),
        address: "127.0.0.1".into(),
        at: chrono::Utc::now(),
        late: false,
        reporter: Some(("张三".into(), "010-1".into())),
        notify: Vec::new(),
    }
}

async fn report_values_round_trip_exactly_with_versions(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    assert!(store.report("2018Q1", "czj").await.unwrap().is_none());
    let v1 = store
        .save_report(save(
            "2018Q1",
            "czj",
            &[("1.1", "1234567.89"), ("1.1.1", "0.01")],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(v1, 1);
    let mut with_narrative = save("2018Q1", "czj", &[], Some(1));
    with_narrative.narrative = Some(Narrative {
        progress: "进展顺利".into(),
        problems: "资金拨付慢".into(),
        next_steps: String::new(),
    });
    assert_eq!(store.save_report(with_narrative).await.unwrap(), 2);
    // Saving the same values again changes nothing and keeps the version.
    let v3 = store
        .save_report(save("2018Q1", "czj", &[("1.1", "1234567.89")], Some(2)))
        .await
        .unwrap();
    assert_eq!(v3, 2);
    let report = store.report("2018Q1", "czj").await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::Draft);
    assert_eq!(
        report.entries["1.1"].value.unwrap().to_string(),
        "1234567.89"
    );
    assert_eq!(report.entries["1.1.1"].value.unwrap().to_string(), "0.01");
    assert_eq!(report.narrative.problems, "资金拨付慢");
    let audit = store.audit_entries(50).await.unwrap();
    let values: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "report.value")
        .collect();
    assert_eq!(values.len(), 2);
    assert!(values
        .iter()
        .any(|a| a.entity_key == "2018Q1/czj/1.1" && a.old_value.is_none()));
}

async fn stale_saves_are_refused_and_change_nothing(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    store
        .save_report(save("2018Q1", "jw", &[("1.3", "2")], None))
        .await
        .unwrap();
    store
        .save_report(save("2018Q1", "jw", &[("1.3", "3")], Some(1)))
        .await
        .unwrap();
    let err = store
        .save_report(save("2018Q1", "jw", &[("1.3", "9")], Some(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::VersionConflict {
                expected: 1,
                current: 2
            }
        ),
        "{err:?}"
    );
    let report = store.report("2018Q1", "jw").await.unwrap().unwrap();
    assert_eq!(report.entries["1.3"].value.unwrap().to_string(), "3");
    assert_eq!(report.version, 2);
}

async fn workflow_is_enforced_and_recorded(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    store
        .save_report(save("2018Q2", "wjw", &[("1.4", "1")], None))
        .await
        .unwrap();
    let wrong = store
        .transition(step("2018Q2", "wjw", WorkflowAction::Approve, ""))
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("不能审核通过"), "{wrong}");
    store
        .transition(step("2018Q2", "wjw", WorkflowAction::Submit, ""))
        .await
        .unwrap();
    // Submitted reports cannot be edited.
    let locked = store
        .save_report(save("2018Q2", "wjw", &[("1.4", "2")], None))
        .await
        .unwrap_err();
    assert!(matches!(locked, StoreError::NotEditable(_)));
    store
        .transition(step("2018Q2", "wjw", WorkflowAction::Return, "数据有误"))
        .await
        .unwrap();
    store
        .save_report(save("2018Q2", "wjw", &[("1.4", "2")], None))
        .await
        .unwrap();
    store
        .transition(step("2018Q2", "wjw", WorkflowAction::Submit, ""))
        .await
        .unwrap();
    store
        .transition(step("2018Q2", "wjw", WorkflowAction::Approve, ""))
        .await
        .unwrap();
    let report = store.report("2018Q2", "wjw").await.unwrap().unwrap();
    assert_eq!(report.status, ReportStatus::Approved);
    assert_eq!(report.reporter_name, "张三");
    assert!(report.submitted_at.is_some());
    let actions: Vec<&str> = report.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["submit", "return", "submit", "approve"]);
    assert_eq!(report.events[1].reason, "数据有误");
    // A report of another year and one of another quarter: found by their year and period only.
    store
        .save_report(save("2019Q1", "wjw", &[("1.4", "1")], None))
        .await
        .unwrap();
    store
        .save_report(save("2018Q1", "jw", &[("1.3", "1")], None))
        .await
        .unwrap();
    let keys = |states: Vec<bangfu_store::ReportState>| -> Vec<String> {
        states
            .into_iter()
            .map(|s| format!("{}/{}/{}", s.period_code, s.unit_code, s.status))
            .collect()
    };
    let year = keys(store.report_states(Some(2018)).await.unwrap());
    assert_eq!(year, ["2018Q1/jw/draft", "2018Q2/wjw/approved"]);
    let all = keys(store.report_states(None).await.unwrap());
    assert_eq!(
        all,
        ["2018Q1/jw/draft", "2018Q2/wjw/approved", "2019Q1/wjw/draft"]
    );
    let quarter = keys(store.period_states("2018Q2").await.unwrap());
    assert_eq!(quarter, ["2018Q2/wjw/approved"]);
    assert!(store.report_states(Some(2020)).await.unwrap().is_empty());
    assert!(store.period_states("2018Q3").await.unwrap().is_empty());
}

async fn district_totals_are_exact_sums(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    // 5.1 is filled by many units: 0.1 + 0.2 + 0.33 must be exactly 0.63.
    for (unit, value) in [("xcb", "0.1"), ("gzw", "0.2"), ("tqw", "0.33")] {
        store
            .save_report(save("2019Q1", unit, &[("5.1", value)], None))
            .await
            .unwrap();
    }
    store
        .transition(step("2019Q1", "gzw", WorkflowAction::Submit, ""))
        .await
        .unwrap();
    store
        .transition(step("2019Q1", "gzw", WorkflowAction::Approve, ""))
        .await
        .unwrap();
    store
        .transition(step("2019Q1", "tqw", WorkflowAction::Submit, ""))
        .await
        .unwrap();
    // xcb's draft counts only when drafts are asked for; tqw's submitted report by default.
    let all = store
        .district_totals("2019Q1", ReportScope::WithDrafts)
        .await
        .unwrap();
    assert_eq!(all["5.1"].to_string(), "0.63");
    let submitted = store
        .district_totals("2019Q1", ReportScope::Submitted)
        .await
        .unwrap();
    assert_eq!(submitted["5.1"].to_string(), "0.53");
    let approved = store
        .district_totals("2019Q1", ReportScope::Approved)
        .await
        .unwrap();
    assert_eq!(approved["5.1"].to_string(), "0.2");
    let by_unit = store
        .unit_values("2019Q1", ReportScope::WithDrafts)
        .await
        .unwrap();
    assert_eq!(by_unit.len(), 3);
    let by_unit = store
        .unit_values("2019Q1", ReportScope::Submitted)
        .await
        .unwrap();
    assert_eq!(by_unit.len(), 2);
    assert!(store
        .district_totals("2019Q2", ReportScope::WithDrafts)
        .await
        .unwrap()
        .is_empty());
    // One row over several periods in one query: the same sums, absent where nothing counts.
    store
        .save_report(save("2018Q4", "xcb", &[("5.1", "7.25")], None))
        .await
        .unwrap();
    let periods = ["2018Q4", "2019Q1", "2019Q2"].map(String::from);
    let by_period = |scope| store.row_totals("5.1", &periods, scope);
    let all = by_period(ReportScope::WithDrafts).await.unwrap();
    assert_eq!(all["2019Q1"].to_string(), "0.63");
    assert_eq!(all["2018Q4"].to_string(), "7.25");
    assert!(!all.contains_key("2019Q2"));
    let submitted = by_period(ReportScope::Submitted).await.unwrap();
    assert_eq!(submitted["2019Q1"].to_string(), "0.53");
    assert!(!submitted.contains_key("2018Q4"), "a draft");
    let approved = by_period(ReportScope::Approved).await.unwrap();
    assert_eq!(approved["2019Q1"].to_string(), "0.2");
}

async fn sessions_and_tokens_follow_the_account(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    store
        .create_user(
            NewUser {
                login: Login::parse("li").unwrap(),
                display_name: "李四".into(),
                role: Role::Coordinator,
                unit_code: None,
                phone: String::new(),
                email: String::new(),
                password_hash: "h1".into(),
            },
            "admin",
        )
        .await
        .unwrap();
    let user = store.user_by_login("li").await.unwrap().unwrap();
    store
        .create_session(&user, "hash-a", "csrf-a", "10.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    let (session, found) = store.session("hash-a").await.unwrap().unwrap();
    assert_eq!(session.csrf_token, "csrf-a");
    assert_eq!(found.login, "li");
    assert!(store.session("hash-b").await.unwrap().is_none());
    // A password change ends every session of the account.
    assert!(store.set_password("li", "h2", "li").await.unwrap());
    assert!(store.session("hash-a").await.unwrap().is_none());
    assert_eq!(
        store
            .user_by_login("li")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "h2"
    );
    // Disabling ends sessions too; the flag is visible to the login check.
    store
        .create_session(&user, "hash-c", "csrf-c", "10.0.0.1", chrono::Utc::now())
        .await
        .unwrap();
    assert!(store.set_user_active("li", false, "admin").await.unwrap());
    assert!(store.session("hash-c").await.unwrap().is_none());
    assert!(!store.user_by_login("li").await.unwrap().unwrap().active);
    assert!(!store
        .set_user_active("nobody", false, "admin")
        .await
        .unwrap());

    let id = store
        .create_token(
            &user,
            bangfu_store::NewApiToken {
                token_hash: "tok-hash".into(),
                label: "导入脚本".into(),
                created_at: chrono::Utc::now(),
                expires_at: None,
            },
            "admin",
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_token("tok-hash", chrono::Utc::now())
            .await
            .unwrap()
            .unwrap()
            .login,
        "li"
    );
    assert!(store.revoke_token(id, "admin").await.unwrap());
    assert!(!store.revoke_token(id, "admin").await.unwrap());
    assert!(store
        .user_by_token("tok-hash", chrono::Utc::now())
        .await
        .unwrap()
        .is_none());
    let actions: Vec<String> = store
        .audit_entries(50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for expected in [
        "login.success",
        "user.password",
        "user.disable",
        "token.create",
        "token.revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "no {expected} in {actions:?}"
        );
    }
}

async fn evidence_files_are_kept_intact(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    let content: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let id = store
        .add_evidence(
            "2018Q3",
            "jw",
            NewEvidence {
                file_name: "支教协议.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "abc".into(),
                content: content.clone(),
            },
            "reporter",
            "127.0.0.1",
        )
        .await
        .unwrap();
    let file = store.evidence(id).await.unwrap().unwrap();
    assert_eq!(file.content, content);
    assert_eq!(file.meta.file_name, "支教协议.pdf");
    assert_eq!(file.unit, "jw");
    let report = store.report("2018Q3", "jw").await.unwrap().unwrap();
    assert_eq!(report.evidence.len(), 1);
    assert_eq!(report.evidence[0].size_bytes, 100_000);
    assert!(store.evidence(id + 100).await.unwrap().is_none());
}

async fn audit_chain_verifies_and_reveals_tampering(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    for (i, v) in ["1", "2", "3"].iter().enumerate() {
        store
            .save_report(save("2018Q1", "jw", &[("1.3", v)], Some(i as i64)))
            .await
            .unwrap();
    }
    store
        .transition(step("2018Q1", "jw", WorkflowAction::Submit, ""))
        .await
        .unwrap();
    let (count, broken) = store.verify_audit_chain().await.unwrap();
    assert_eq!(count, 5, "plan load, three values, one submit");
    assert_eq!(broken, None);

    // Someone edits an old value by hand (past the trigger): the chain names that entry.
    store.drop_append_only_triggers().await;
    store
        .execute_unchecked("UPDATE audit_log SET new_value = '300' WHERE seq = 3")
        .await;
    let (_, broken) = store.verify_audit_chain().await.unwrap();
    let broken = broken.expect("tampering detected");
    assert!(broken.reason.contains("哈希不符"), "{broken:?}");
    let third: i64 = store
        .audit_entries(10)
        .await
        .unwrap()
        .iter()
        .find(|e| e.new_value.as_deref() == Some("300"))
        .unwrap()
        .id;
    assert_eq!(broken.id, third);
}

async fn audit_search_filters_by_actor_key_and_time(store: &SqlStore) {
    use bangfu_store::AuditFilter;
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    store
        .save_report(save("2018Q1", "jw", &[("1.3", "1")], None))
        .await
        .unwrap();
    store
        .save_report(save("2018Q2", "jw", &[("1.3", "2")], None))
        .await
        .unwrap();
    store
        .save_report(save("2018Q1", "wjw", &[("1.4", "1")], None))
        .await
        .unwrap();
    let find = |f: AuditFilter| async move { store.search_audit(&f).await.unwrap() };
    let all = find(AuditFilter {
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(all.len(), 4);
    let jw = find(AuditFilter {
        actor: "reporter-jw".into(),
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(jw.len(), 2);
    let q1 = find(AuditFilter {
        key_like: "2018Q1/%".into(),
        limit: 100,
        ..Default::default()
    })
    .await;
    assert_eq!(q1.len(), 2);
    let later = find(AuditFilter {
        from: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        limit: 100,
        ..Default::default()
    })
    .await;
    assert!(later.is_empty());
    let earlier = find(AuditFilter {
        until: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        limit: 2,
        ..Default::default()
    })
    .await;
    assert_eq!(earlier.len(), 2, "limit applies, newest first");
    assert!(earlier[0].id > earlier[1].id);
}
