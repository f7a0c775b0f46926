//! Notifications on both backends: contacts, the outbox written once per (event, recipient,
//! channel), leases that keep two senders from delivering one message, retries, notices.

#[macro_use]
mod support;

use bangfu_domain::notify::{Channel, Channels, RobotFlavor};
use bangfu_domain::plan::parse_plan;
use bangfu_domain::report::{Entry, WorkflowAction};
use bangfu_domain::user::{Login, Role};
use bangfu_store::{
    AuditStore, DeliveryOutcome, NewMessage, NewUser, NotifyStore, PlanStore, ReportStore,
    SaveReport, SqlStore, Transition, UserStore, Webhook, ATTEMPT_UNFINISHED,
};
use chrono::Utc;
use std::collections::BTreeMap;

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(
    contacts_and_channels_are_kept_and_audited,
    messages_are_recorded_once_per_event_recipient_and_channel,
    a_lease_keeps_a_second_sender_off_until_it_runs_out,
    failures_are_retried_then_given_up_and_can_be_resent,
    concurrent_senders_never_claim_one_message_twice,
    a_transition_records_its_messages_in_its_own_transaction,
    webhooks_are_set_per_scope,
    reminder_days_survive_the_database,
);

fn msg(event: &str, recipient: &str, channel: Channel) -> NewMessage {
    NewMessage {
        event_key: event.into(),
        kind: "deadline".into(),
        recipient: recipient.into(),
        channel,
        address: format!("{recipient}@example.cn"),
        subject: "【报送提醒】".into(),
        body: "正文".into(),
        link: "/reports/2018Q1/jw".into(),
    }
}

async fn contacts_and_channels_are_kept_and_audited(store: &SqlStore) {
    store
        .create_user(
            NewUser {
                login: Login::parse("li").unwrap(),
                display_name: "李四".into(),
                role: Role::Viewer,
                unit_code: None,
                phone: String::new(),
                email: String::new(),
                password_hash: "h".into(),
            },
            "admin",
        )
        .await
        .unwrap();
    let fresh = store.user_by_login("li").await.unwrap().unwrap();
    assert_eq!(fresh.email, "");
    assert_eq!(fresh.channels, Channels::parse("app,email"));
    let channels = Channels::parse("app,webhook");
    assert!(store
        .set_contact("li", "li@example.cn", "010-6", &channels, "admin")
        .await
        .unwrap());
    assert!(!store
        .set_contact("nobody", "", "", &channels, "admin")
        .await
        .unwrap());
    let user = store.user_by_login("li").await.unwrap().unwrap();
    assert_eq!(
        (user.email.as_str(), user.phone.as_str()),
        ("li@example.cn", "010-6")
    );
    assert_eq!(user.channels, channels);
    let entries = store.audit_entries(10).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "user.contact"));
    assert!(store.verify_audit_chain().await.unwrap().1.is_none());
}

async fn messages_are_recorded_once_per_event_recipient_and_channel(store: &SqlStore) {
    let batch = [
        msg("deadline:2018Q1:before7:jw", "jw-clerk", Channel::Email),
        msg("deadline:2018Q1:before7:jw", "jw-clerk", Channel::App),
        msg("deadline:2018Q1:before7:wjw", "wjw-clerk", Channel::Email),
    ];
    assert_eq!(store.enqueue(&batch, "schedule").await.unwrap().len(), 3);
    // Run again (a restart, a second server): nothing new.
    assert!(store.enqueue(&batch, "schedule").await.unwrap().is_empty());
    let more = [
        msg("deadline:2018Q1:before2:jw", "jw-clerk", Channel::Email),
        batch[0].clone(),
    ];
    let added = store.enqueue(&more, "schedule").await.unwrap();
    assert_eq!(added, [more[0].clone()]);
    let pending = store.deliveries(Some("pending"), 100).await.unwrap();
    assert_eq!(pending.len(), 3);
    assert_eq!(store.unread_notices("jw-clerk").await.unwrap(), 1);
    let notices = store.notices("jw-clerk", 10).await.unwrap();
    assert_eq!(notices[0].subject, "【报送提醒】");
    store
        .mark_notices_read("jw-clerk", Utc::now())
        .await
        .unwrap();
    assert_eq!(store.unread_notices("jw-clerk").await.unwrap(), 0);
    assert!(store.verify_audit_chain().await.unwrap().1.is_none());
}

async fn a_lease_keeps_a_second_sender_off_until_it_runs_out(store: &SqlStore) {
    store
        .enqueue(&[msg("e1", "a", Channel::Email)], "schedule")
        .await
        .unwrap();
    let now = 1_000_000;
    let first = store.claim_due("w1", now, 60_000, 0, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(store
        .claim_due("w2", now + 1, 60_000, 0, 10)
        .await
        .unwrap()
        .is_empty());
    // w1 died: once its lease has run out, w2 takes the message over.
    let taken = store
        .claim_due("w2", now + 60_001, 60_000, 0, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let done = |worker: &str| DeliveryOutcome {
        id: first[0].id,
        worker: worker.into(),
        at: Utc::now(),
        error: None,
        retry_at_ms: None,
    };
    assert!(!store.record_delivery(&done("w1")).await.unwrap());
    assert!(store.record_delivery(&done("w2")).await.unwrap());
    let sent = store.deliveries(Some("sent"), 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].sent_at.is_some());
    assert!(store
        .claim_due("w3", now + 999_999, 60_000, 0, 10)
        .await
        .unwrap()
        .is_empty());
    // Both claims are on the record: w1's without an outcome, w2's delivered.
    let attempts = store.delivery_attempts(first[0].id).await.unwrap();
    let outcomes: Vec<(bool, &str)> = attempts
        .iter()
        .map(|(_, ok, e)| (*ok, e.as_str()))
        .collect();
    assert_eq!(outcomes, [(false, ATTEMPT_UNFINISHED), (true, "")]);
}

async fn failures_are_retried_then_given_up_and_can_be_resent(store: &SqlStore) {
    store
        .enqueue(&[msg("e1", "a", Channel::Email)], "schedule")
        .await
        .unwrap();
    let m = store
        .claim_due("w", 0, 1000, 0, 10)
        .await
        .unwrap()
        .remove(0);
    let fail = |retry_at_ms| DeliveryOutcome {
        id: m.id,
        worker: "w".into(),
        at: Utc::now(),
        error: Some("连接被拒绝".into()),
        retry_at_ms,
    };
    assert!(store.record_delivery(&fail(Some(5000))).await.unwrap());
    let pending = store.deliveries(Some("pending"), 10).await.unwrap();
    assert_eq!(pending[0].last_error, "连接被拒绝");
    assert!(store
        .claim_due("w", 4999, 1000, 0, 10)
        .await
        .unwrap()
        .is_empty());
    let again = store.claim_due("w", 5000, 1000, 0, 10).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    assert!(store.record_delivery(&fail(None)).await.unwrap());
    let failed = store.deliveries(Some("failed"), 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    let attempts = store.delivery_attempts(m.id).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|(_, ok, e)| !ok && e == "连接被拒绝"));
    assert!(store.resend(m.id, "coordinator").await.unwrap());
    assert!(!store.resend(999_999, "coordinator").await.unwrap());
    assert_eq!(
        store.claim_due("w", 6000, 1000, 0, 10).await.unwrap().len(),
        1
    );
    assert!(store.verify_audit_chain().await.unwrap().1.is_none());
}

async fn concurrent_senders_never_claim_one_message_twice(store: &SqlStore) {
    let batch: Vec<NewMessage> = (0..40)
        .map(|i| msg(&format!("e{i}"), "a", Channel::Email))
        .collect();
    store.enqueue(&batch, "schedule").await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_due(&format!("w{w}"), 10, 60_000, 0, 3)
                    .await
                    .unwrap();
                if got.is_empty() {
                    break mine;
                }
                mine.extend(got.into_iter().map(|m| m.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!((before, all.len()), (40, 40));
}

fn one_entry() -> BTreeMap<String, Entry> {
    [(
        "1.4".to_string(),
        Entry {
            value: Some("1".parse().unwrap()),
            comment: String::new(),
        },
    )]
    .into()
}

async fn a_transition_records_its_messages_in_its_own_transaction(store: &SqlStore) {
    let plan = parse_plan("daxing.toml", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    store
        .save_report(SaveReport {
            period: "2018Q2".into(),
            unit: "wjw".into(),
            expected_version: None,
            entries: one_entry(),
            narrative: None,
            actor: "r".into(),
            address: "127.0.0.1".into(),
            imported_from: None,
            known: None,
        })
        .await
        .unwrap();
    let step = |action, version, notify| Transition {
        period: "2018Q2".into(),
        unit: "wjw".into(),
        action,
        expected_version: version,
        reason: String::new(),
        actor: "r".into(),
        address: "127.0.0.1".into(),
        at: Utc::now(),
        late: false,
        reporter: None,
        notify,
    };
    let approve = vec![msg(
        "report.approve:2018Q2/wjw:1",
        "wjw-clerk",
        Channel::Email,
    )];
    // Refused (a draft cannot be approved): no message either.
    assert!(store
        .transition(step(WorkflowAction::Approve, None, approve.clone()))
        .await
        .is_err());
    assert!(store.deliveries(None, 10).await.unwrap().is_empty());
    store
        .transition(step(WorkflowAction::Submit, None, vec![]))
        .await
        .unwrap();
    store
        .transition(step(WorkflowAction::Approve, None, approve))
        .await
        .unwrap();
    let rows = store.deliveries(None, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].event_key, "report.approve:2018Q2/wjw:1");
}

async fn webhooks_are_set_per_scope(store: &SqlStore) {
    let hook = Webhook {
        scope: "*".into(),
        flavor: RobotFlavor::DingTalk,
        url: "http://127.0.0.1:9/robot".into(),
        secret: "SECabc".into(),
    };
    store.set_webhook("*", Some(&hook), "admin").await.unwrap();
    let mut jw = hook.clone();
    jw.scope = "jw".into();
    jw.flavor = RobotFlavor::WeCom;
    jw.secret = String::new();
    store.set_webhook("jw", Some(&jw), "admin").await.unwrap();
    let all = store.webhooks().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].secret, "SECabc", "the 钉钉 加签 secret is kept");
    assert_eq!(all[1].flavor, RobotFlavor::WeCom);
    assert_eq!(all[1].secret, "");
    store.set_webhook("jw", None, "admin").await.unwrap();
    assert_eq!(store.webhooks().await.unwrap().len(), 1);
}

async fn reminder_days_survive_the_database(store: &SqlStore) {
    let text = BUILT_IN.replace("reminder_days = [7, 2]", "reminder_days = [10, 3, 1]");
    let plan = parse_plan("p.toml", &text).unwrap();
    assert_eq!(plan.schedule.reminder_days, [10, 3, 1]);
    store.load_plan(&plan, &text, "test").await.unwrap();
    let back = store.plan().await.unwrap().unwrap();
    assert_eq!(back.schedule.reminder_days, [10, 3, 1]);
}
