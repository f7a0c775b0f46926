//! The oversight records on both backends: problems raised, updated and audited; recipient areas’
//! yearly figures upserted, audited, and refused for unknown areas.

#[macro_use]
mod support;

use bangfu_domain::area_stats::AreaYearStats;
use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_store::{AreaStatsStore, AuditStore, PlanStore, SqlStore};

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).expect("built-in plan is valid")
}

on_both_backends!(
    problems_are_raised_updated_and_audited,
    area_stats_are_upserted_per_year_and_audited,
    area_stats_for_unknown_areas_are_refused_and_change_nothing,
);

async fn problems_are_raised_updated_and_audited(store: &SqlStore) {
    use bangfu_domain::problem::{ProblemDraft, ProblemStatus};
    use bangfu_store::{ProblemStore, ProblemUpdate};
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2018, 6, d).unwrap();
    let id = store
        .raise_problem(
            ProblemDraft {
                description: "资金拨付进度慢".into(),
                unit: "czj".into(),
                task: Some("1.2-1".into()),
                area: None,
                owner: "李四".into(),
                due: Some(day(30)),
                source: "2018Q2/czj 存在问题".into(),
            },
            day(1),
            "coordinator",
            &[bangfu_store::NewMessage {
                event_key: "problem.assign:{id}".into(),
                kind: "problem.assign".into(),
                recipient: "czj-clerk".into(),
                channel: bangfu_domain::notify::Channel::App,
                address: "czj-clerk".into(),
                subject: "【问题交办】资金拨付进度慢".into(),
                body: "请处理".into(),
                link: "/problems/{id}".into(),
            }],
        )
        .await
        .unwrap();
    // The assignment's notice is written with the problem, under its number.
    let notices = bangfu_store::NotifyStore::notices(store, "czj-clerk", 10)
        .await
        .unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].link, format!("/problems/{id}"));
    assert_eq!(notices[0].event_key, format!("problem.assign:{id}"));
    let p = store.problem(id).await.unwrap().unwrap();
    assert_eq!(p.status, ProblemStatus::Open);
    assert_eq!(p.due, Some(day(30)));
    assert_eq!(p.raised_on, day(1));
    let done = store
        .update_problem(
            id,
            ProblemUpdate {
                status: ProblemStatus::Resolved,
                resolution: "已协调拨付".into(),
                owner_and_due: None,
            },
            "czj-clerk",
        )
        .await
        .unwrap();
    assert!(done);
    let p = store.problems().await.unwrap().remove(0);
    assert_eq!(p.status, ProblemStatus::Resolved);
    assert_eq!(p.owner, "李四", "kept");
    assert!(!store
        .update_problem(
            id + 9,
            ProblemUpdate {
                status: ProblemStatus::Open,
                resolution: String::new(),
                owner_and_due: None
            },
            "x"
        )
        .await
        .unwrap());
    let actions: Vec<String> = store
        .audit_entries(10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(&actions[..2], ["problem.update", "problem.raise"]);
    assert_eq!(store.verify_audit_chain().await.unwrap().1, None);
}

fn figures(area: &str, year: i32, people: i64, incidence: &str) -> AreaYearStats {
    AreaYearStats {
        area: area.into(),
        year,
        poor_households: people / 3,
        poor_people: people,
        lifted_out: 500,
        incidence: incidence.parse().unwrap(),
        poor_villages: 40,
        delisted: false,
        delisted_year: None,
    }
}

async fn area_stats_are_upserted_per_year_and_audited(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    assert!(store.area_stats("cyqq").await.unwrap().is_empty());
    assert!(store.latest_area_stats().await.unwrap().is_empty());
    // Entered out of order; read back by year.
    for s in [
        figures("cyqq", 2018, 9000, "6.25"),
        figures("cyqq", 2017, 12000, "8.33"),
        figures("htx", 2017, 60000, "20.5"),
    ] {
        store.record_area_stats(&s, "coordinator").await.unwrap();
    }
    let cyqq = store.area_stats("cyqq").await.unwrap();
    assert_eq!(
        cyqq.iter().map(|s| s.stats.year).collect::<Vec<_>>(),
        [2017, 2018]
    );
    assert_eq!(cyqq[0].stats, figures("cyqq", 2017, 12000, "8.33"));
    assert_eq!(cyqq[1].recorded_by, "coordinator");
    // A correction replaces the year's figures.
    let mut fixed = figures("cyqq", 2018, 8800, "6.1");
    fixed.delisted = true;
    fixed.delisted_year = Some(2018);
    store
        .record_area_stats(&fixed, "coordinator2")
        .await
        .unwrap();
    let cyqq = store.area_stats("cyqq").await.unwrap();
    assert_eq!(cyqq.len(), 2);
    assert_eq!(cyqq[1].stats, fixed);
    assert_eq!(cyqq[1].stats.incidence.to_string(), "6.1");
    assert_eq!(cyqq[1].recorded_by, "coordinator2");
    let latest = store.latest_area_stats().await.unwrap();
    assert_eq!(
        latest
            .iter()
            .map(|s| (s.stats.area.as_str(), s.stats.year))
            .collect::<Vec<_>>(),
        [("cyqq", 2018), ("htx", 2017)]
    );
    let entries = store.audit_entries(10).await.unwrap();
    let last = &entries[0];
    assert_eq!(
        (last.action.as_str(), last.entity_key.as_str()),
        ("area.stats", "cyqq/2018")
    );
    assert!(last
        .old_value
        .as_deref()
        .unwrap()
        .contains("贫困人口 9000 人"));
    assert!(last
        .new_value
        .as_deref()
        .unwrap()
        .contains("已摘帽（2018年）"));
    assert_eq!(entries[1].old_value, None, "a first entry has no old value");
    assert_eq!(store.verify_audit_chain().await.unwrap().1, None);
}

async fn area_stats_for_unknown_areas_are_refused_and_change_nothing(store: &SqlStore) {
    store
        .load_plan(&built_in(), BUILT_IN, "test")
        .await
        .unwrap();
    let before = store.audit_entries(100).await.unwrap().len();
    assert!(store
        .record_area_stats(&figures("nowhere", 2018, 10, "1"), "coordinator")
        .await
        .is_err());
    assert!(store.area_stats("nowhere").await.unwrap().is_empty());
    assert_eq!(store.audit_entries(100).await.unwrap().len(), before);
}
