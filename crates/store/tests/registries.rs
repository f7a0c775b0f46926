//! Registers (台账) on both backends: entries added, edited and voided with audit entries, and the
//! figures of the rows they feed counted live by SQL for a period: stocks at the period's end,
//! flows year to date, voided entries never.

#[macro_use]
mod support;

use bangfu_domain::plan::{parse_plan, Plan};
use bangfu_domain::registry::check_entry;
use bangfu_domain::{PeriodCode, Quantity};
use bangfu_store::{AuditStore, EntryFilter, NewEvidence, PlanStore, RegistryStore, SqlStore};
use std::collections::BTreeMap;

const BUILT_IN: &str = include_str!("../../../plans/daxing-2017-2020.toml");

on_both_backends!(
    registries_survive_the_database,
    a_school_pairing_counts_at_each_period_end_until_it_ends,
    teachers_count_in_their_quarter_and_year_to_date,
    a_voided_entry_stops_counting_and_is_kept,
    sums_are_exact_and_edits_are_audited,
    entries_are_listed_by_unit_value_and_feed,
    entries_are_added_all_or_none,
    totals_for_targets_by_units_and_area,
    feed_facts_count_what_the_values_say_and_are_derived_for_older_entries,
    a_plan_loaded_before_registers_adopts_them_once,
    evidence_files_stay_with_their_entry,
);

async fn loaded(store: &SqlStore) -> Plan {
    let plan = parse_plan("daxing.toml", BUILT_IN).unwrap();
    store.load_plan(&plan, BUILT_IN, "test").await.unwrap();
    plan
}

async fn add(
    store: &SqlStore,
    plan: &Plan,
    registry: &str,
    unit: &str,
    pairs: &[(&str, &str)],
) -> i64 {
    let values: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let checked = check_entry(plan, plan.registry(registry).unwrap(), &values).unwrap();
    store
        .add_entry(registry, unit, &checked, "clerk")
        .await
        .unwrap()
}

/// The figure of a fed row for a unit and period: (value, entries), zero when none count.
async fn figure(
    store: &SqlStore,
    plan: &Plan,
    row: &str,
    unit: &str,
    period: &str,
) -> (String, i64) {
    let (registry, feed) = plan.feed_of(row).unwrap();
    let period: PeriodCode = period.parse().unwrap();
    let window = feed.window(period, plan.schedule.basis);
    let figures = store
        .registry_figures(&registry.code, feed, window, Some(unit))
        .await
        .unwrap();
    figures
        .first()
        .map_or(("0".into(), 0), |f| (f.value.to_string(), f.entries))
}

fn school(signed: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "学校结对"),
        ("donor_side", "大兴区第一中学"),
        ("recipient_side", "察右前旗第一中学"),
        ("area", "察右前旗"),
        ("signed_on", signed),
    ]
}

fn teacher(name: &'static str, starts: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("person", name),
        ("direction", "东部到西部"),
        ("kind", "教师"),
        ("level", "区级"),
        ("area", "cyqq"),
        ("starts_on", starts),
    ]
}

async fn registries_survive_the_database(store: &SqlStore) {
    let plan = loaded(store).await;
    let back = store.plan().await.unwrap().unwrap();
    assert_eq!(back.registries, plan.registries);
    assert_eq!(back, plan);
}

async fn a_school_pairing_counts_at_each_period_end_until_it_ends(store: &SqlStore) {
    let plan = loaded(store).await;
    let id = add(store, &plan, "pairings", "jw", &school("2018-02-10")).await;
    assert_eq!(
        figure(store, &plan, "1.3", "jw", "2018Q1").await,
        ("1".into(), 1)
    );
    assert_eq!(
        figure(store, &plan, "1.3", "jw", "2018Q2").await,
        ("1".into(), 1)
    );
    assert_eq!(
        figure(store, &plan, "1.3", "jw", "2019Q4").await,
        ("1".into(), 1)
    );
    // Another unit, another row, an earlier period: nothing.
    assert_eq!(figure(store, &plan, "1.3", "wjw", "2018Q1").await.1, 0);
    assert_eq!(figure(store, &plan, "1.4", "jw", "2018Q1").await.1, 0);
    assert_eq!(figure(store, &plan, "1.3", "jw", "2017Q4").await.1, 0);
    // It ends in May 2019: still active at 2019Q1's end, no longer at 2019Q2's.
    let mut ended = school("2018-02-10");
    ended.push(("ended_on", "2019-05-15"));
    let values: BTreeMap<String, String> = ended
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let checked = check_entry(&plan, plan.registry("pairings").unwrap(), &values).unwrap();
    store.update_entry(id, &checked, "clerk").await.unwrap();
    assert_eq!(figure(store, &plan, "1.3", "jw", "2019Q1").await.1, 1);
    assert_eq!(figure(store, &plan, "1.3", "jw", "2019Q2").await.1, 0);
    // Ending on the period's last day: still active that day.
    add(store, &plan, "pairings", "jw", &{
        let mut v = school("2018-03-01");
        v.push(("ended_on", "2018-06-30"));
        v
    })
    .await;
    assert_eq!(
        figure(store, &plan, "1.3", "jw", "2018Q2").await,
        ("2".into(), 2)
    );
    assert_eq!(figure(store, &plan, "1.3", "jw", "2018Q3").await.1, 1);
}

async fn teachers_count_in_their_quarter_and_year_to_date(store: &SqlStore) {
    let plan = loaded(store).await;
    add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("张老师", "2018-01-15"),
    )
    .await;
    add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("王老师", "2018-03-31"),
    )
    .await;
    // A cadre and a city-level teacher count elsewhere or not at all.
    let mut cadre = teacher("李干部", "2018-02-01");
    cadre[2] = ("kind", "党政干部挂职");
    add(store, &plan, "talent", "jw", &cadre).await;
    let mut city = teacher("赵老师", "2018-02-01");
    city[3] = ("level", "市级");
    add(store, &plan, "talent", "jw", &city).await;
    for period in ["2018Q1", "2018Q2"] {
        assert_eq!(
            figure(store, &plan, "4.2", "jw", period).await,
            ("2".into(), 2),
            "{period}"
        );
        assert_eq!(
            figure(store, &plan, "4.2.1", "jw", period).await.1,
            2,
            "{period}"
        );
        assert_eq!(
            figure(store, &plan, "4.2.2", "jw", period).await.1,
            0,
            "{period}"
        );
        assert_eq!(
            figure(store, &plan, "4.1", "jw", period).await.1,
            1,
            "{period}"
        );
    }
    // A new year starts from zero.
    assert_eq!(figure(store, &plan, "4.2", "jw", "2019Q1").await.1, 0);
}

async fn a_voided_entry_stops_counting_and_is_kept(store: &SqlStore) {
    let plan = loaded(store).await;
    let id = add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("张老师", "2018-01-15"),
    )
    .await;
    add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("王老师", "2018-02-15"),
    )
    .await;
    assert_eq!(figure(store, &plan, "4.2", "jw", "2018Q1").await.1, 2);
    store.void_entry(id, "重复录入", "clerk").await.unwrap();
    assert_eq!(figure(store, &plan, "4.2", "jw", "2018Q1").await.1, 1);
    let counts = store.registry_entry_counts("talent", None).await.unwrap();
    assert_eq!(counts.get("jw"), Some(&1));
    let counts = store
        .registry_entry_counts("talent", Some("wjw"))
        .await
        .unwrap();
    assert!(counts.is_empty());
    let kept = store.registry_entry(id).await.unwrap().unwrap();
    let voided = kept.voided.unwrap();
    assert_eq!(voided.reason, "重复录入");
    assert_eq!(voided.by, "clerk");
    // A voided entry can be neither voided again nor edited.
    assert!(store.void_entry(id, "再次", "clerk").await.is_err());
    assert!(store.update_entry(id, &[], "clerk").await.is_err());
    let audit = store.audit_entries(10).await.unwrap();
    let void = audit.iter().find(|a| a.action == "registry.void").unwrap();
    assert_eq!(void.entity_key, format!("talent#{id}"));
    assert_eq!(void.reason.as_deref(), Some("重复录入"));
    let (_, problem) = store.verify_audit_chain().await.unwrap();
    assert!(problem.is_none(), "{problem:?}");
}

async fn sums_are_exact_and_edits_are_audited(store: &SqlStore) {
    let plan = loaded(store).await;
    let base = [
        ("kind", "引进企业"),
        ("name", "某公司"),
        ("area", "cyqq"),
        ("date", "2018-02-01"),
    ];
    for amount in ["0.1", "0.2", "0.0001"] {
        let mut v = base.to_vec();
        v.push(("investment", amount));
        add(store, &plan, "industry", "sww", &v).await;
    }
    // An entry without the summed field counts for 2.1 but not in 2.3's sum.
    let id = add(store, &plan, "industry", "sww", &base).await;
    assert_eq!(
        figure(store, &plan, "2.3", "sww", "2018Q1").await,
        ("0.3001".into(), 3)
    );
    assert_eq!(
        figure(store, &plan, "2.1", "sww", "2018Q1").await,
        ("4".into(), 4)
    );
    let mut v: BTreeMap<String, String> = base
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.insert("investment".into(), "1.5".into());
    let checked = check_entry(&plan, plan.registry("industry").unwrap(), &v).unwrap();
    store.update_entry(id, &checked, "clerk").await.unwrap();
    let (value, _) = figure(store, &plan, "2.3", "sww", "2018Q2").await;
    assert_eq!(
        value.parse::<Quantity>().unwrap(),
        "1.8001".parse().unwrap()
    );
    let edited = store.registry_entry(id).await.unwrap().unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(edited.values["investment"], "1.5");
    let audit = store.audit_entries(10).await.unwrap();
    let edit = audit.iter().find(|a| a.action == "registry.edit").unwrap();
    assert!(edit
        .new_value
        .as_deref()
        .unwrap()
        .contains("\"investment\":\"1.5\""));
    assert!(!edit.old_value.as_deref().unwrap().contains("investment"));
}

async fn entries_are_listed_by_unit_value_and_feed(store: &SqlStore) {
    let plan = loaded(store).await;
    let a = add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("张老师", "2018-01-15"),
    )
    .await;
    let b = add(store, &plan, "talent", "wjw", &{
        let mut v = teacher("李医生", "2018-05-01");
        v[2] = ("kind", "医生");
        v
    })
    .await;
    let c = add(
        store,
        &plan,
        "talent",
        "jw",
        &teacher("王老师", "2019-01-15"),
    )
    .await;
    store.void_entry(c, "录错", "clerk").await.unwrap();
    let ids = |entries: Vec<bangfu_store::RegistryEntry>| {
        entries.iter().map(|e| e.id).collect::<Vec<_>>()
    };
    let all = EntryFilter {
        registry: "talent".into(),
        include_voided: true,
        ..Default::default()
    };
    assert_eq!(ids(store.registry_entries(&all).await.unwrap()), [c, b, a]);
    let live = EntryFilter {
        include_voided: false,
        ..all.clone()
    };
    assert_eq!(ids(store.registry_entries(&live).await.unwrap()), [b, a]);
    let jw = EntryFilter {
        unit: Some("jw".into()),
        ..all.clone()
    };
    assert_eq!(ids(store.registry_entries(&jw).await.unwrap()), [c, a]);
    let doctors = EntryFilter {
        equals: vec![("kind".into(), "医生".into())],
        ..all.clone()
    };
    assert_eq!(ids(store.registry_entries(&doctors).await.unwrap()), [b]);
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let in_2018 = EntryFilter {
        dated: Some(("starts_on".into(), day(2018, 1, 1), day(2018, 12, 31))),
        ..all.clone()
    };
    assert_eq!(ids(store.registry_entries(&in_2018).await.unwrap()), [b, a]);
    let (_, feed) = plan.feed_of("4.2").unwrap();
    let counted = EntryFilter {
        unit: Some("jw".into()),
        counted_by: Some((
            feed.clone(),
            feed.window("2019Q1".parse().unwrap(), plan.schedule.basis),
        )),
        ..all.clone()
    };
    assert!(store.registry_entries(&counted).await.unwrap().is_empty());
    let entry = store.registry_entry(a).await.unwrap().unwrap();
    assert_eq!(entry.values["person"], "张老师");
    assert_eq!(entry.values["area"], "cyqq");
    assert_eq!(entry.unit, "jw");
    assert_eq!(entry.created_by, "clerk");
}

async fn entries_are_added_all_or_none(store: &SqlStore) {
    let plan = loaded(store).await;
    let talent = plan.registry("talent").unwrap();
    let checked = |name: &str| {
        let values: BTreeMap<String, String> = teacher("x", "2018-01-15")
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    if k == "person" { name } else { v }.to_string(),
                )
            })
            .collect();
        check_entry(&plan, talent, &values).unwrap()
    };
    let ids = store
        .add_entries(
            "talent",
            &[("jw".into(), checked("甲")), ("wjw".into(), checked("乙"))],
            "clerk",
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(figure(store, &plan, "4.2", "wjw", "2018Q1").await.1, 1);
    // An unknown unit fails the whole batch: nothing of it is written.
    let refused = store
        .add_entries(
            "talent",
            &[
                ("jw".into(), checked("丙")),
                ("nobody".into(), checked("丁")),
            ],
            "clerk",
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(figure(store, &plan, "4.2", "jw", "2018Q1").await.1, 1);
    let (_, problem) = store.verify_audit_chain().await.unwrap();
    assert!(problem.is_none(), "{problem:?}");
}

async fn totals_for_targets_by_units_and_area(store: &SqlStore) {
    let plan = loaded(store).await;
    let purchase = |area: &'static str, tons: &'static str, day: &'static str| {
        vec![
            ("kind", "消费扶贫"),
            ("name", "核桃"),
            ("area", area),
            ("date", day),
            ("quantity", tons),
        ]
    };
    add(
        store,
        &plan,
        "industry",
        "sww",
        &purchase("htx", "0.25", "2018-02-01"),
    )
    .await;
    add(
        store,
        &plan,
        "industry",
        "dsb",
        &purchase("htx", "0.5", "2018-05-01"),
    )
    .await;
    add(
        store,
        &plan,
        "industry",
        "dsb",
        &purchase("cyqq", "0.125", "2018-05-02"),
    )
    .await;
    add(
        store,
        &plan,
        "industry",
        "jw",
        &purchase("htx", "9", "2018-05-03"),
    )
    .await;
    let walnuts = plan.tasks.iter().find(|t| t.code == "1.3-3").unwrap();
    let feed = walnuts.targets[0].registry.as_ref().unwrap().as_feed();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2018, m, d).unwrap();
    let year = bangfu_domain::registry::Window {
        from: Some(day(1, 1)),
        to: day(12, 31),
    };
    let units = vec!["sww".to_string(), "dsb".to_string(), "bdt".to_string()];
    let total = store
        .registry_totals("industry", &feed, year, &units, None)
        .await
        .unwrap();
    assert_eq!(
        total[""],
        "0.875".parse().unwrap(),
        "jw's entry is not the task's"
    );
    let by_area = store
        .registry_totals("industry", &feed, year, &units, Some("area"))
        .await
        .unwrap();
    assert_eq!(by_area["htx"], "0.75".parse().unwrap());
    assert_eq!(by_area["cyqq"], "0.125".parse().unwrap());
    let q1 = bangfu_domain::registry::Window {
        from: Some(day(1, 1)),
        to: day(3, 31),
    };
    let first = store
        .registry_totals("industry", &feed, q1, &units, None)
        .await
        .unwrap();
    assert_eq!(first[""], "0.25".parse().unwrap());
    assert!(store
        .registry_totals("industry", &feed, q1, &[], None)
        .await
        .unwrap()
        .is_empty());
}

/// Every fed row's figure from the facts written with the entries equals the figure counted from
/// the entries' own values (the same feed without its row takes that path), for every period and
/// unit, after adds, edits and voids; and entries kept before the facts existed get theirs when
/// the store next opens.
async fn feed_facts_count_what_the_values_say_and_are_derived_for_older_entries(store: &SqlStore) {
    let plan = loaded(store).await;
    let kinds = [
        "学校结对",
        "医院结对",
        "乡镇（街道）结对",
        "社区（村）结对",
        "其他单位结对",
    ];
    let units = ["jw", "wjw", "czj"];
    let mut ids = Vec::new();
    for n in 0..40u32 {
        let signed = format!("{}-{:02}-{:02}", 2017 + n % 4, 1 + n % 12, 1 + n % 28);
        let ended = format!("{}-{:02}-28", 2018 + n % 4, 1 + (n * 5) % 12);
        let mut pairs: Vec<(&str, &str)> = vec![
            ("kind", kinds[n as usize % kinds.len()]),
            ("donor_side", "大兴方"),
            ("recipient_side", "受援方"),
            ("area", "cyqq"),
            ("signed_on", &signed),
        ];
        if n % 3 == 0 {
            pairs.push(("ended_on", &ended));
        }
        let unit = units[n as usize % units.len()];
        ids.push(add(store, &plan, "pairings", unit, &pairs).await);
        let date = format!("{}-{:02}-15", 2017 + n % 4, 1 + (n * 7) % 12);
        let investment = format!("0.{:03}", n * 37 % 1000);
        let mut industry: Vec<(&str, &str)> = vec![
            ("kind", ["引进企业", "扶贫项目", "消费扶贫"][n as usize % 3]),
            ("name", "某企业"),
            ("area", "htx"),
            ("date", &date),
        ];
        if n % 4 != 0 {
            industry.push(("investment", &investment));
        }
        ids.push(add(store, &plan, "industry", unit, &industry).await);
    }
    // An edit moves an entry, a void removes one.
    let moved = check_entry(
        &plan,
        plan.registry("pairings").unwrap(),
        &school("2020-11-30")
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
    .unwrap();
    store.update_entry(ids[0], &moved, "clerk").await.unwrap();
    store.void_entry(ids[3], "重复登记", "clerk").await.unwrap();

    let plan = &plan;
    let agree = |label: &'static str| async move {
        let mut counted = 0;
        for registry in &plan.registries {
            for feed in &registry.feeds {
                let mut raw = feed.clone();
                raw.indicator.clear();
                for period in plan.periods() {
                    let window = feed.window(period.code, plan.schedule.basis);
                    let facts = store
                        .registry_figures(&registry.code, feed, window, None)
                        .await
                        .unwrap();
                    let values = store
                        .registry_figures(&registry.code, &raw, window, None)
                        .await
                        .unwrap();
                    assert_eq!(
                        facts, values,
                        "{label}: {} in {}",
                        feed.indicator, period.code
                    );
                    counted += facts.iter().map(|f| f.entries).sum::<i64>();
                }
            }
        }
        assert!(
            counted > 100,
            "{label}: the comparison saw entries ({counted})"
        );
    };
    agree("written with the entries").await;
    let facts = "SELECT COUNT(*) FROM registry_feed_facts";
    let written = store.scalar_unchecked(facts).await.unwrap();

    // A database that kept these entries before the facts existed.
    store
        .execute_unchecked("DELETE FROM registry_feed_facts")
        .await;
    store
        .execute_unchecked("UPDATE plan_info SET registry_facts_basis = NULL")
        .await;
    assert!(store.derive_feed_facts().await.unwrap(), "derived");
    assert_eq!(store.scalar_unchecked(facts).await.unwrap(), written);
    agree("derived again").await;
    assert!(
        !store.derive_feed_facts().await.unwrap(),
        "nothing left to derive"
    );
}

/// A database whose plan was loaded before registers were plan data (no register declarations,
/// no register measures on targets) gets both from the same plan, once, with an audit entry.
async fn a_plan_loaded_before_registers_adopts_them_once(store: &SqlStore) {
    let plan = loaded(store).await;
    store
        .execute_unchecked(
            "UPDATE plan_info SET registries_config = NULL, registry_facts_basis = NULL",
        )
        .await;
    store
        .execute_unchecked("UPDATE targets SET registry_measure = NULL")
        .await;
    let before = store.plan().await.unwrap().unwrap();
    assert!(before.registries.is_empty());
    assert!(before
        .tasks
        .iter()
        .flat_map(|t| &t.targets)
        .all(|g| g.registry.is_none()));
    assert!(store.adopt_registries(&plan, "system").await.unwrap());
    assert_eq!(store.plan().await.unwrap().unwrap(), plan);
    assert!(!store.adopt_registries(&plan, "system").await.unwrap());
    let audit = store.audit_entries(50).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "plan.registries")
            .count(),
        1
    );
    // Entries kept from now on count.
    add(store, &plan, "pairings", "jw", &school("2018-02-10")).await;
    assert_eq!(
        figure(store, &plan, "1.3", "jw", "2018Q1").await,
        ("1".into(), 1)
    );
}

/// 佐证材料 on an entry: stored whole with an audit entry, listed without content in upload
/// order, kept when the entry is voided, refused for a voided or unknown entry.
async fn evidence_files_stay_with_their_entry(store: &SqlStore) {
    let plan = loaded(store).await;
    let id = add(store, &plan, "pairings", "jw", &school("2018-02-10")).await;
    let file = |name: &str, content: &[u8]| NewEvidence {
        file_name: name.into(),
        content_type: "application/pdf".into(),
        sha256: format!("sha-{name}"),
        content: content.to_vec(),
    };
    let first = store
        .add_entry_evidence(id, file("协议.pdf", b"%PDF-1 agreement"), "clerk")
        .await
        .unwrap();
    let second = store
        .add_entry_evidence(id, file("名单.pdf", b"%PDF-1 names"), "clerk")
        .await
        .unwrap();
    let listed = store.entry_evidence(id).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.file_name.as_str()).collect();
    assert_eq!(names, ["协议.pdf", "名单.pdf"]);
    assert_eq!(listed[0].id, first);
    assert_eq!(listed[1].size_bytes, 12);
    let (meta, content) = store.entry_evidence_file(second).await.unwrap().unwrap();
    assert_eq!(
        (meta.entry_id, content.as_slice()),
        (id, &b"%PDF-1 names"[..])
    );
    assert!(store
        .entry_evidence_file(second + 100)
        .await
        .unwrap()
        .is_none());
    let audit = store.audit_entries(5).await.unwrap();
    assert_eq!(audit[0].action, "registry.evidence");
    assert_eq!(audit[0].entity_key, format!("pairings#{id}"));

    store.void_entry(id, "重复登记", "clerk").await.unwrap();
    let refused = store
        .add_entry_evidence(id, file("补充.pdf", b"%PDF-1"), "clerk")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("已作废"), "{refused}");
    assert_eq!(store.entry_evidence(id).await.unwrap().len(), 2);
    assert!(store
        .add_entry_evidence(id + 100, file("x.pdf", b"%PDF-1"), "clerk")
        .await
        .is_err());
}
