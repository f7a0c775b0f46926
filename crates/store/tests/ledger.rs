//! The funds ledger on both backends: rules enforced with nothing written, append-only
//! transactions, exact sums over thousands of entries.

#[macro_use]
mod support;

use bangfu_domain::ledger::{
    Budget, DocumentKind, FindingStatus, Money, Project, ProjectStatus, Sector, TxDraft, TxKind,
};
use bangfu_domain::plan::parse_plan;
use bangfu_store::{
    AuditStore, LedgerActor, LedgerStore, NewEvidence, PlanStore, SqlStore, StoreError,
};
use chrono::NaiveDate;

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(
    ledger_config_round_trips_with_the_plan,
    rules_refuse_and_write_nothing,
    batches_are_all_or_nothing,
    transactions_are_append_only_and_reversed_once,
    budgets_cannot_drop_below_allocations,
    projects_documents_and_findings_are_audited,
    sums_are_exact_over_thousands_of_transactions,
    amounts_changed_behind_the_trigger_are_named_by_the_audit_replay,
    projects_and_transactions_are_found_by_id,
    override_reasons_are_kept_only_beyond_the_budget,
);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn yuan(text: &str) -> Money {
    Money::parse("金额", text).unwrap()
}

fn finance() -> LedgerActor {
    LedgerActor {
        login: "cz".into(),
        may_override: false,
        first_year: 2017,
        last_year: 2020,
    }
}

fn sources() -> Vec<String> {
    ["city", "city_team", "district", "kfq", "donation"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn draft(kind: TxKind, on: NaiveDate, amount: &str, project: i64) -> TxDraft {
    TxDraft {
        kind,
        date: on,
        amount: yuan(amount),
        source: "district".into(),
        project,
        voucher: "记-1".into(),
        note: String::new(),
        reverses: None,
        override_reason: None,
    }
}

/// The plan, a 2018 budget of 6,000,000 元 for 察右前旗 and one project there.
async fn setup(store: &SqlStore) -> i64 {
    let plan = parse_plan("d", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let budget = Budget {
        year: 2018,
        area: "cyqq".into(),
        source: "district".into(),
        amount: yuan("6000000"),
        poverty_amount: yuan("5000000"),
        note: String::new(),
    };
    store.set_budget(&budget, "cz").await.unwrap();
    let project = Project {
        id: 0,
        name: "察右前旗中心小学改扩建".into(),
        area: "cyqq".into(),
        sector: Sector::Education,
        unit: "jw".into(),
        poverty_relief: true,
        approved: vec![("district".into(), yuan("2000000"))],
        planned_start: Some(date(2018, 4, 1)),
        planned_finish: Some(date(2018, 10, 31)),
        actual_start: None,
        actual_finish: None,
        status: ProjectStatus::Planned,
        beneficiaries: 300,
        tasks: vec!["1.2-1".into()],
        note: String::new(),
    };
    store.save_projects(&[project], "cz").await.unwrap()[0]
}

fn rejected(result: Result<Vec<i64>, StoreError>) -> Vec<String> {
    match result {
        Err(StoreError::Rejected(messages)) => messages,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn projects_and_transactions_are_found_by_id(store: &SqlStore) {
    let p = setup(store).await;
    assert_eq!(store.project(p + 1).await.unwrap(), None);
    assert_eq!(store.transaction(1).await.unwrap(), None);
    // A second project, with amounts from two sources, saved out of code order.
    let mut second = store.project(p).await.unwrap().unwrap();
    second.id = 0;
    second.name = "察右前旗卫生院".into();
    second.approved = vec![
        ("kfq".into(), yuan("300")),
        ("district".into(), yuan("200")),
    ];
    let q = store.save_projects(&[second], "cz").await.unwrap()[0];
    let all = store.projects().await.unwrap();
    assert_eq!(all.len(), 2);
    for project in &all {
        assert_eq!(
            store.project(project.id).await.unwrap().as_ref(),
            Some(project)
        );
    }
    let found = store.project(q).await.unwrap().unwrap();
    assert_eq!(found.name, "察右前旗卫生院");
    assert_eq!(found.approved.len(), 2);

    let ids = store
        .record_transactions(
            &[
                draft(TxKind::Allocation, date(2018, 5, 1), "1000", p),
                draft(TxKind::Allocation, date(2018, 5, 2), "100", q),
            ],
            &finance(),
            &sources(),
        )
        .await
        .unwrap();
    let mut reversal = draft(TxKind::Allocation, date(2018, 5, 3), "100", q);
    reversal.reverses = Some(ids[1]);
    let rev = store
        .record_transactions(&[reversal], &finance(), &sources())
        .await
        .unwrap()[0];
    let all = store.transactions().await.unwrap();
    assert_eq!(all.len(), 3);
    for tx in &all {
        assert_eq!(store.transaction(tx.id).await.unwrap().as_ref(), Some(tx));
    }
    let found = store.transaction(rev).await.unwrap().unwrap();
    assert_eq!((found.project, found.reverses), (q, Some(ids[1])));
    assert_eq!(store.transaction(rev + 1).await.unwrap(), None);
}

async fn override_reasons_are_kept_only_beyond_the_budget(store: &SqlStore) {
    let p = setup(store).await;
    let coordinator = LedgerActor {
        login: "fgw".into(),
        may_override: true,
        ..finance()
    };
    let mut within = draft(TxKind::Allocation, date(2018, 5, 1), "6000000", p);
    within.override_reason = Some("无需说明".into());
    let mut beyond = draft(TxKind::Allocation, date(2018, 5, 2), "0.01", p);
    beyond.override_reason = Some("  追加  ".into());
    let mut disburse = draft(TxKind::Disbursement, date(2018, 5, 3), "1", p);
    disburse.override_reason = Some("无需说明".into());
    let ids = store
        .record_transactions(&[within, beyond, disburse], &coordinator, &sources())
        .await
        .unwrap();
    let mut reasons = Vec::new();
    for id in ids {
        reasons.push(
            store
                .transaction(id)
                .await
                .unwrap()
                .unwrap()
                .override_reason,
        );
    }
    assert_eq!(reasons, vec![None, Some("追加".to_string()), None]);
    let entries = store.audit_entries(3).await.unwrap();
    let audited: Vec<Option<&str>> = entries.iter().map(|e| e.reason.as_deref()).collect();
    assert_eq!(audited, vec![None, Some("追加"), None]);
}

async fn ledger_config_round_trips_with_the_plan(store: &SqlStore) {
    let plan = parse_plan("d", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    let loaded = store.plan().await.unwrap().unwrap();
    assert_eq!(loaded.ledger, plan.ledger);
    assert_eq!(loaded.ledger.sources.len(), 5);
}

async fn rules_refuse_and_write_nothing(store: &SqlStore) {
    let p = setup(store).await;
    let audit_before = store.audit_entries(1000).await.unwrap().len();
    let over = draft(TxKind::Allocation, date(2018, 5, 1), "6000000.01", p);
    let msg = rejected(
        store
            .record_transactions(std::slice::from_ref(&over), &finance(), &sources())
            .await,
    );
    assert!(
        msg[0].contains("超过2018年该受援地、该资金来源的预算"),
        "{msg:?}"
    );
    let disburse = draft(TxKind::Disbursement, date(2018, 5, 1), "1", p);
    let msg = rejected(
        store
            .record_transactions(&[disburse], &finance(), &sources())
            .await,
    );
    assert!(msg[0].contains("超过已下达的 0.00 元"), "{msg:?}");
    let late = draft(TxKind::Allocation, date(2021, 1, 1), "1", p);
    let msg = rejected(
        store
            .record_transactions(&[late], &finance(), &sources())
            .await,
    );
    assert!(msg[0].contains("不在方案的年度范围"), "{msg:?}");
    let mut unknown = draft(TxKind::Allocation, date(2018, 5, 1), "1", p + 100);
    unknown.source = "lottery".into();
    let msg = rejected(
        store
            .record_transactions(&[unknown], &finance(), &sources())
            .await,
    );
    assert_eq!(msg.len(), 2, "{msg:?}");
    assert!(store.transactions().await.unwrap().is_empty());
    assert_eq!(store.audit_entries(1000).await.unwrap().len(), audit_before);

    // The coordinator may go beyond the budget with a reason, which is kept and audited.
    let coordinator = LedgerActor {
        login: "fgw".into(),
        may_override: true,
        ..finance()
    };
    let mut with_reason = over;
    with_reason.override_reason = Some("区政府常务会议追加".into());
    let ids = store
        .record_transactions(&[with_reason], &coordinator, &sources())
        .await
        .unwrap();
    let tx = &store.transactions().await.unwrap()[0];
    assert_eq!(tx.id, ids[0]);
    assert_eq!(tx.override_reason.as_deref(), Some("区政府常务会议追加"));
    let entry = &store.audit_entries(1).await.unwrap()[0];
    assert_eq!(entry.action, "ledger.transaction");
    assert_eq!(entry.reason.as_deref(), Some("区政府常务会议追加"));
}

async fn batches_are_all_or_nothing(store: &SqlStore) {
    let p = setup(store).await;
    let batch = [
        draft(TxKind::Allocation, date(2018, 5, 1), "1000000", p),
        draft(TxKind::Disbursement, date(2018, 5, 2), "600000", p),
        // Exceeds what the first line allocated: the whole batch is refused.
        draft(TxKind::Disbursement, date(2018, 5, 3), "400000.01", p),
    ];
    let msg = rejected(
        store
            .record_transactions(&batch, &finance(), &sources())
            .await,
    );
    assert_eq!(msg.len(), 1, "{msg:?}");
    assert!(msg[0].starts_with("第 3 笔："), "{msg:?}");
    assert!(store.transactions().await.unwrap().is_empty());
    // A check runs every rule and leaves nothing behind.
    store
        .check_transactions(&batch[..2], &finance(), &sources())
        .await
        .unwrap();
    assert!(matches!(
        store
            .check_transactions(&batch, &finance(), &sources())
            .await,
        Err(StoreError::Rejected(_))
    ));
    assert!(store.transactions().await.unwrap().is_empty());
    // Within the batch each line sees the ones before it.
    let ids = store
        .record_transactions(&batch[..2], &finance(), &sources())
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
}

async fn transactions_are_append_only_and_reversed_once(store: &SqlStore) {
    let p = setup(store).await;
    let ids = store
        .record_transactions(
            &[
                draft(TxKind::Allocation, date(2018, 5, 1), "1000", p),
                draft(TxKind::Disbursement, date(2018, 5, 2), "400", p),
            ],
            &finance(),
            &sources(),
        )
        .await
        .unwrap();
    for sql in [
        "UPDATE ledger_transactions SET amount_fen = 1",
        "DELETE FROM ledger_transactions",
    ] {
        let refused = store.try_execute_unchecked(sql).await.unwrap_err();
        assert!(refused.contains("append-only"), "{refused}");
    }
    let mut reversal = draft(TxKind::Disbursement, date(2018, 5, 3), "400", p);
    reversal.reverses = Some(ids[1]);
    store
        .record_transactions(&[reversal.clone()], &finance(), &sources())
        .await
        .unwrap();
    let msg = rejected(
        store
            .record_transactions(&[reversal], &finance(), &sources())
            .await,
    );
    assert!(msg[0].contains("已经冲销过"), "{msg:?}");
    // With the disbursement reversed, the whole allocation can be disbursed again.
    store
        .record_transactions(
            &[draft(TxKind::Disbursement, date(2018, 5, 4), "1000", p)],
            &finance(),
            &sources(),
        )
        .await
        .unwrap();
    assert_eq!(store.transactions().await.unwrap().len(), 4);
}

async fn budgets_cannot_drop_below_allocations(store: &SqlStore) {
    let p = setup(store).await;
    store
        .record_transactions(
            &[draft(TxKind::Allocation, date(2018, 5, 1), "2500000", p)],
            &finance(),
            &sources(),
        )
        .await
        .unwrap();
    let mut lower = store.budgets().await.unwrap()[0].clone();
    lower.amount = yuan("2499999.99");
    lower.poverty_amount = Money::ZERO;
    match store.set_budget(&lower, "cz").await {
        Err(StoreError::Rejected(m)) => {
            assert!(m[0].contains("低于该年度已下达的 2,500,000.00 元"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.budgets().await.unwrap()[0].amount, yuan("6000000"));
    lower.amount = yuan("2500000");
    store.set_budget(&lower, "cz").await.unwrap();
    let entry = &store.audit_entries(1).await.unwrap()[0];
    assert_eq!(entry.action, "ledger.budget");
    assert!(entry.old_value.as_deref().unwrap().contains("6,000,000.00"));
    assert!(entry.new_value.as_deref().unwrap().contains("2,500,000.00"));
}

async fn projects_documents_and_findings_are_audited(store: &SqlStore) {
    let p = setup(store).await;
    let mut project = store.projects().await.unwrap()[0].clone();
    assert_eq!(project.id, p);
    assert_eq!(project.tasks, vec!["1.2-1".to_string()]);
    assert_eq!(
        project.approved,
        vec![("district".to_string(), yuan("2000000"))]
    );
    project.status = ProjectStatus::InProgress;
    project.actual_start = Some(date(2018, 4, 10));
    project.approved.push(("kfq".into(), yuan("0.01")));
    store.save_projects(&[project.clone()], "cz").await.unwrap();
    assert_eq!(store.projects().await.unwrap()[0], project);
    let entry = &store.audit_entries(1).await.unwrap()[0];
    assert_eq!(entry.action, "ledger.project.update");
    assert!(entry.old_value.as_deref().unwrap().contains("计划"));
    assert!(entry.new_value.as_deref().unwrap().contains("实施中"));

    let doc = store
        .add_project_document(
            p,
            DocumentKind::Acceptance,
            NewEvidence {
                file_name: "验收报告.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: "abc".into(),
                content: b"%PDF-1.4".to_vec(),
            },
            "cz",
        )
        .await
        .unwrap();
    let (meta, bytes) = store.project_document(doc).await.unwrap().unwrap();
    assert_eq!(
        (meta.kind(), bytes.as_slice()),
        (DocumentKind::Acceptance, &b"%PDF-1.4"[..])
    );
    assert_eq!(
        store.document_kinds().await.unwrap().get(&p),
        Some(&vec![DocumentKind::Acceptance])
    );

    let f = store
        .raise_finding(p, None, "请补充验收材料", date(2018, 11, 1), "sj", &[])
        .await
        .unwrap();
    assert!(store
        .update_finding(f, FindingStatus::Answered, Some("已补充"), "jw-user", &[])
        .await
        .unwrap());
    assert!(!store
        .update_finding(f + 99, FindingStatus::Closed, None, "sj", &[])
        .await
        .unwrap());
    let finding = &store.findings().await.unwrap()[0];
    assert_eq!(finding.status, FindingStatus::Answered);
    assert_eq!(finding.response, "已补充");
    assert_eq!(finding.responded_by.as_deref(), Some("jw-user"));
    let (count, broken) = store.verify_audit_chain().await.unwrap();
    assert!(count > 5 && broken.is_none());
}

/// A deterministic stream of pseudo-random numbers (xorshift), so failures reproduce.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

async fn sums_are_exact_over_thousands_of_transactions(store: &SqlStore) {
    let p = setup(store).await;
    let mut seed = 0x2018_0620_u64;
    let mut drafts = Vec::new();
    let mut expected_fen: i64 = 0;
    for i in 0..2000 {
        let fen = (next(&mut seed) % 250_000) as i64 + 1;
        expected_fen += fen;
        let text = format!("{}.{:02}", fen / 100, fen % 100);
        let day = date(2018, 1 + (i % 12) as u32, 1 + (i % 28) as u32);
        drafts.push(draft(TxKind::Allocation, day, &text, p));
    }
    store
        .record_transactions(&drafts, &finance(), &sources())
        .await
        .unwrap();
    let sql_sum = store
        .scalar_unchecked("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM ledger_transactions")
        .await
        .unwrap();
    assert_eq!(sql_sum, expected_fen);
    let rust_sum: Money = store
        .transactions()
        .await
        .unwrap()
        .iter()
        .map(|t| t.amount)
        .sum();
    assert_eq!(rust_sum.fen(), expected_fen);
    // The budget check saw the database's exact running sum: one fen more is refused.
    let left = 600_000_000 - expected_fen;
    let text = format!("{}.{:02}", (left + 1) / 100, (left + 1) % 100);
    let msg = rejected(
        store
            .record_transactions(
                &[draft(TxKind::Allocation, date(2018, 12, 31), &text, p)],
                &finance(),
                &sources(),
            )
            .await,
    );
    assert!(msg[0].contains("超过"), "{msg:?}");
}

async fn amounts_changed_behind_the_trigger_are_named_by_the_audit_replay(store: &SqlStore) {
    let p = setup(store).await;
    let ids = store
        .record_transactions(
            &[
                draft(TxKind::Allocation, date(2018, 3, 1), "1000", p),
                draft(TxKind::Allocation, date(2018, 3, 2), "2000", p),
            ],
            &finance(),
            &sources(),
        )
        .await
        .unwrap();
    assert!(store.verify_audit(None).await.unwrap().is_intact());
    let raise = format!(
        "UPDATE ledger_transactions SET amount_fen = 10000000 WHERE id = {}",
        ids[1]
    );
    assert!(
        store.try_execute_unchecked(&raise).await.is_err(),
        "the trigger refuses"
    );
    store.drop_append_only_triggers().await;
    store.execute_unchecked(&raise).await;
    let v = store.verify_audit(None).await.unwrap();
    let ledger: Vec<&str> = v
        .problems_of(bangfu_store::ProblemKind::Ledger)
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(ledger.len(), 1, "{:?}", v.problems);
    assert!(
        ledger[0].starts_with(&format!("资金流水 #{}：审计日志记载为“2018-03-02 ", ids[1])),
        "{}",
        ledger[0]
    );
    assert!(ledger[0].contains("2,000.00 元"), "{}", ledger[0]);
    assert!(
        ledger[0].contains("数据库中为“2018-03-02 "),
        "{}",
        ledger[0]
    );
    assert!(ledger[0].contains("100,000.00 元"), "{}", ledger[0]);
    assert_eq!(v.problems.len(), 1, "the chain itself is intact");
}
