//! Tamper evidence of the audit log on both backends: the database refuses edits, the keyed chain
//! names every altered entry, receipts prove nothing up to them changed, and a replay names every
//! report value that differs from what the log says.

#[macro_use]
mod support;

use bangfu_domain::plan::parse_plan;
use bangfu_domain::report::{Entry, Narrative};
use bangfu_domain::Quantity;
use bangfu_store::{
    AuditKey, AuditReceipt, AuditStore, AuditVerification, PlanStore, ProblemKind, ReportStore,
    SaveReport, SqlStore, Store, StoreError,
};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(
    the_database_refuses_to_edit_the_log_or_move_its_end_back,
    an_edited_entry_is_named_by_its_sequence_number,
    deleting_the_last_entry_and_moving_the_end_is_detected,
    rechaining_with_plain_sha256_or_a_wrong_key_is_detected,
    receipts_prove_nothing_up_to_them_changed,
    values_changed_behind_the_system_are_named,
    entries_before_the_key_verify_plainly_and_stay_protected,
    narratives_are_logged_as_readable_text,
    a_save_logs_the_values_it_replaced_even_when_read_at_an_older_version,
);

fn save(unit: &str, pairs: &[(&str, &str)]) -> SaveReport {
    SaveReport {
        period: "2018Q1".into(),
        unit: unit.into(),
        expected_version: None,
        entries: pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Entry {
                        value: Some(v.parse::<Quantity>().unwrap()),
                        comment: String::new(),
                    },
                )
            })
            .collect(),
        narrative: None,
        actor: format!("reporter-{unit}"),
        address: "127.0.0.1".into(),
        imported_from: None,
        known: None,
    }
}

/// The plan and three saves of 2018Q1/jw row 1.3 (3, then 4) and 2018Q1/wjw row 1.4: 4 entries.
async fn with_history(store: &SqlStore) {
    let plan = parse_plan("d", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    store
        .save_report(save("jw", &[("1.3", "3")]))
        .await
        .unwrap();
    store
        .save_report(save("jw", &[("1.3", "4")]))
        .await
        .unwrap();
    store
        .save_report(save("wjw", &[("1.4", "7")]))
        .await
        .unwrap();
}

async fn verify(store: &SqlStore) -> AuditVerification {
    store.verify_audit(None).await.unwrap()
}

fn chain_seqs(v: &AuditVerification) -> Vec<Option<i64>> {
    v.problems_of(ProblemKind::Chain).map(|p| p.seq).collect()
}

async fn the_database_refuses_to_edit_the_log_or_move_its_end_back(store: &SqlStore) {
    with_history(store).await;
    for sql in [
        "UPDATE audit_log SET new_value = '300' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 4",
        "DELETE FROM audit_log",
        "UPDATE audit_head SET seq = 3 WHERE id = 1",
        "UPDATE audit_head SET keyed_from = 99 WHERE id = 1",
        "DELETE FROM audit_head",
    ] {
        let refused = store.try_execute_unchecked(sql).await;
        assert!(refused.is_err(), "{sql} was allowed: {refused:?}");
    }
    if store.backend() == bangfu_store::Backend::Postgres {
        assert!(store
            .try_execute_unchecked("TRUNCATE audit_log")
            .await
            .is_err());
    }
    let v = verify(store).await;
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(v.entries, 4);
    assert_eq!(
        v.keyed_from,
        Some(1),
        "a new database is keyed from its first entry"
    );
}

async fn an_edited_entry_is_named_by_its_sequence_number(store: &SqlStore) {
    with_history(store).await;
    store.drop_append_only_triggers().await;
    store
        .execute_unchecked("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
        .await;
    let v = verify(store).await;
    assert_eq!(chain_seqs(&v), [Some(2)], "{:?}", v.problems);
    assert!(v.problems[0].message.contains("第 2 条"));
    assert!(v.problems[0].message.contains("内容与哈希不符"));
}

async fn deleting_the_last_entry_and_moving_the_end_is_detected(store: &SqlStore) {
    with_history(store).await;
    let receipt = store.audit_head().await.unwrap();
    assert_eq!(receipt.seq, 4);
    store.drop_append_only_triggers().await;
    store
        .execute_unchecked("DELETE FROM audit_log WHERE seq = 4")
        .await;
    store
        .execute_unchecked(
            "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3) \
             WHERE id = 1",
        )
        .await;
    let v = verify(store).await;
    let ends: Vec<_> = v.problems_of(ProblemKind::Chain).collect();
    assert_eq!(ends.len(), 1, "{:?}", v.problems);
    assert_eq!(ends[0].seq, Some(3));
    assert!(
        ends[0].message.contains("第 3 条之后的记录可能被删除"),
        "{ends:?}"
    );
    // The deleted entry recorded wjw's value: the replay names it too.
    assert!(v
        .problems_of(ProblemKind::ReportValue)
        .any(|p| p.message.contains("报表 2018Q1/wjw 指标 1.4")));
    // A receipt taken before names the missing entry.
    let v = store.verify_audit(Some(&receipt)).await.unwrap();
    let missing: Vec<_> = v.problems_of(ProblemKind::Receipt).collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].seq, Some(4));
    assert!(missing[0].message.contains("现在共 3 条"), "{missing:?}");
    // Nothing is chained to an end that does not verify: the next change is refused.
    let err = store
        .save_report(save("jw", &[("1.3", "5")]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Audit(_)), "{err}");
    assert!(err.to_string().contains("已拒绝写入"), "{err}");
    assert_eq!(
        store.report("2018Q1", "jw").await.unwrap().unwrap().entries["1.3"]
            .value
            .unwrap()
            .to_string(),
        "4",
        "the refused change wrote nothing"
    );
}

async fn rechaining_with_plain_sha256_or_a_wrong_key_is_detected(store: &SqlStore) {
    with_history(store).await;
    let receipt = store.audit_head().await.unwrap();
    store.drop_append_only_triggers().await;
    // The second save of jw's row 1.3 now claims 40, and the chain is recomputed to match.
    store
        .execute_unchecked("UPDATE audit_log SET new_value = '40' WHERE seq = 3")
        .await;
    store
        .execute_unchecked(
            "UPDATE report_values SET value_scaled = 400000 WHERE indicator_code = '1.3'",
        )
        .await;
    for forger in [None, Some(AuditKey::generate())] {
        store.rechain_audit_unchecked(forger.as_ref()).await;
        let v = verify(store).await;
        let seqs = chain_seqs(&v);
        for seq in 1..=4 {
            assert!(
                seqs.contains(&Some(seq)),
                "{forger:?}: seq {seq} not named: {seqs:?}"
            );
        }
        assert!(!v.is_intact());
        let v = store.verify_audit(Some(&receipt)).await.unwrap();
        let differs: Vec<_> = v.problems_of(ProblemKind::Receipt).collect();
        assert_eq!(differs.len(), 1, "{forger:?}");
        assert!(differs[0].message.contains("第 4 条的哈希与回执不符"));
    }
}

async fn receipts_prove_nothing_up_to_them_changed(store: &SqlStore) {
    with_history(store).await;
    let receipt = store.audit_head().await.unwrap();
    let text = receipt.to_string();
    assert_eq!(text.parse::<AuditReceipt>().unwrap(), receipt);
    assert!(text.starts_with("4:"));
    store
        .save_report(save("jw", &[("1.3", "5")]))
        .await
        .unwrap();
    let v = store.verify_audit(Some(&receipt)).await.unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(v.head.seq, 5);
    let wrong = AuditReceipt {
        seq: 2,
        hash: "ab".repeat(32),
    };
    let v = store.verify_audit(Some(&wrong)).await.unwrap();
    assert_eq!(
        v.problems_of(ProblemKind::Receipt).next().unwrap().seq,
        Some(2)
    );
    let beyond = AuditReceipt {
        seq: 9,
        hash: receipt.hash.clone(),
    };
    let v = store.verify_audit(Some(&beyond)).await.unwrap();
    assert!(v.problems[0].message.contains("没有回执所记的第 9 条"));
    assert!("4".parse::<AuditReceipt>().is_err());
    assert!("4:xyz".parse::<AuditReceipt>().is_err());
}

async fn values_changed_behind_the_system_are_named(store: &SqlStore) {
    with_history(store).await;
    store
        .execute_unchecked(
            "UPDATE report_values SET value_scaled = 4000000 WHERE indicator_code = '1.3'",
        )
        .await;
    store
        .execute_unchecked("DELETE FROM report_values WHERE indicator_code = '1.4'")
        .await;
    let v = verify(store).await;
    assert_eq!(chain_seqs(&v), [], "the log itself is intact");
    let values: Vec<&str> = v
        .problems_of(ProblemKind::ReportValue)
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(values.len(), 2, "{values:?}");
    assert!(
        values.contains(&"报表 2018Q1/jw 指标 1.3：审计日志记载为“4”（第 3 条），数据库中为“400”")
    );
    assert!(values
        .contains(&"报表 2018Q1/wjw 指标 1.4：审计日志记载为“7”（第 4 条），数据库中没有这项数据"));
}

async fn entries_before_the_key_verify_plainly_and_stay_protected(store: &SqlStore) {
    with_history(store).await;
    // What a database written before the key existed looks like: plain sha256, no seal.
    store.drop_append_only_triggers().await;
    store
        .execute_unchecked("UPDATE audit_head SET keyed_from = NULL, key_id = NULL, mac = NULL")
        .await;
    store.rechain_audit_unchecked(None).await;
    let err = store.save_report(save("jw", &[("1.3", "5")])).await;
    assert!(err.unwrap_err().to_string().contains("尚未用密钥封存"));
    let v = verify(store).await;
    assert!(v.problems[0].message.contains("没有密钥起点标记"), "{v:?}");
    // Sealing keys the chain from the next entry; the old entries verify with sha256.
    assert!(store.seal_audit_chain().await.unwrap());
    assert!(!store.seal_audit_chain().await.unwrap(), "sealed once");
    store
        .save_report(save("jw", &[("1.3", "5")]))
        .await
        .unwrap();
    let v = verify(store).await;
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(v.keyed_from, Some(5));
    // Rewriting an old entry and re-chaining with sha256 breaks the first keyed entry.
    store
        .execute_unchecked("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
        .await;
    store.rechain_audit_unchecked(None).await;
    let v = verify(store).await;
    // The first keyed entry and the end's MAC: both cover the rewritten plain hashes.
    assert_eq!(chain_seqs(&v), [Some(5), Some(5)], "{:?}", v.problems);
}

async fn narratives_are_logged_as_readable_text(store: &SqlStore) {
    with_history(store).await;
    let mut s = save("jw", &[]);
    s.narrative = Some(Narrative {
        progress: "结对学校 4 所".into(),
        problems: "无".into(),
        next_steps: "继续".into(),
    });
    store.save_report(s).await.unwrap();
    let entry = &store.audit_entries(1).await.unwrap()[0];
    assert_eq!(entry.action, "report.narrative");
    assert_eq!(
        entry.new_value.as_deref(),
        Some("进展情况：结对学校 4 所；存在问题：无；下步打算：继续")
    );
    assert_eq!(
        entry.old_value.as_deref(),
        Some("进展情况：；存在问题：；下步打算：")
    );
}

#[tokio::test]
async fn the_key_file_is_created_once_private_and_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bangfu.db").display());
    let key_path = dir.path().join("audit.key");
    let open = || async {
        let store = SqlStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        store
    };
    let store = open().await.open_audit_key(&key_path).await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key = store.audit_key().unwrap().clone();
    with_history(&store).await;
    store.close().await;
    // Reopened: the same key.
    let store = open().await.open_audit_key(&key_path).await.unwrap();
    assert_eq!(store.audit_key(), Some(&key));
    assert!(verify(&store).await.is_intact());
    store.close().await;
    // Another installation's key, or none, is refused rather than replaced.
    let other = dir.path().join("other.key");
    std::fs::write(&other, format!("{}\n", "11".repeat(32))).unwrap();
    let err = open().await.open_audit_key(&other).await.err().unwrap();
    assert!(err.to_string().contains("不是本数据库的密钥"), "{err}");
    std::fs::remove_file(&key_path).unwrap();
    let err = open().await.open_audit_key(&key_path).await.err().unwrap();
    assert!(err.to_string().contains("找不到审计密钥文件"), "{err}");
    assert!(!key_path.exists());
    // A store without a key writes nothing to the log.
    let keyless = open().await;
    let err = keyless
        .save_report(save("jw", &[("1.3", "9")]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("没有配置审计密钥"), "{err}");
    keyless.close().await;
}

/// A save carries the values its rules were checked against; when the report moved on since, the
/// entry's old values are read again, so the log never records a value that was not there.
async fn a_save_logs_the_values_it_replaced_even_when_read_at_an_older_version(store: &SqlStore) {
    with_history(store).await;
    let stored = store.report("2018Q1", "jw").await.unwrap().unwrap();
    assert_eq!(stored.version, 2, "3, then 4");
    let three = save("jw", &[("1.3", "3")]).entries;
    let stale = SaveReport {
        known: Some((1, three)),
        ..save("jw", &[("1.3", "5"), ("1.4", "1")])
    };
    assert_eq!(store.save_report(stale).await.unwrap(), 3);
    let current = SaveReport {
        known: Some((
            3,
            store.report("2018Q1", "jw").await.unwrap().unwrap().entries,
        )),
        ..save("jw", &[("1.3", "6")])
    };
    assert_eq!(store.save_report(current).await.unwrap(), 4);
    let lines: Vec<(String, Option<String>, Option<String>)> = store
        .audit_entries(3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.entity_key, e.old_value, e.new_value))
        .collect();
    let line = |key: &str, old: Option<&str>, new: &str| {
        (
            key.to_string(),
            old.map(String::from),
            Some(new.to_string()),
        )
    };
    assert_eq!(
        lines[..3],
        [
            line("2018Q1/jw/1.3", Some("5"), "6"),
            line("2018Q1/jw/1.3", Some("4"), "5"),
            line("2018Q1/jw/1.4", None, "1"),
        ],
        "newest first, a save's values in row order"
    );
    assert!(verify(store).await.is_intact());
}
