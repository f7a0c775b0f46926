use super::*;
use crate::plan::parse_plan;

const BUILT_IN: &str = include_str!("../../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).unwrap_or_else(|e| panic!("{e}"))
}

/// Where the registers begin in the built-in plan: edits below apply from there.
fn registries_start() -> usize {
    BUILT_IN
        .find("[[registries]]")
        .expect("the plan declares registers")
}

/// The built-in plan with `from` replaced by `to` once among the registers, expected to fail.
fn errors_after_edit(from: &str, to: &str) -> String {
    let (head, tail) = BUILT_IN.split_at(registries_start());
    assert!(tail.contains(from), "fixture text not found: {from}");
    let edited = format!("{head}{}", tail.replacen(from, to, 1));
    match parse_plan("bad.toml", &edited) {
        Ok(_) => panic!("the plan was accepted after replacing {from} by {to}"),
        Err(e) => e.to_string(),
    }
}

fn line_of(needle: &str) -> usize {
    let offset = registries_start() + BUILT_IN[registries_start()..].find(needle).unwrap();
    BUILT_IN[..offset].matches('\n').count() + 1
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn built_in_plan_declares_the_registers_behind_the_form() {
    let plan = built_in();
    let codes: Vec<&str> = plan.registries.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "pairings",
            "industry",
            "labour",
            "talent",
            "donations",
            "visits"
        ]
    );
    let fed: Vec<&str> = plan
        .registries
        .iter()
        .flat_map(|r| r.feeds.iter().map(|f| f.indicator.as_str()))
        .collect();
    for row in [
        "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.4", "3.1", "3.3.1", "4.1", "4.1.1", "4.1.2",
        "4.2", "4.2.1", "4.2.2", "5.1", "6", "6.1", "6.5",
    ] {
        assert!(fed.contains(&row), "row {row} is not fed");
    }
    // The ledger keeps its rows.
    assert!(!fed
        .iter()
        .any(|r| r.starts_with("1.1") || r.starts_with("1.2")));
    let (registry, feed) = plan.feed_of("1.3").unwrap();
    assert_eq!(registry.name, "结对关系");
    assert_eq!(feed.measure, Measure::ActiveAtEnd);
    assert_eq!(feed.filter["kind"], ["学校结对"]);
    let talent = plan.registry("talent").unwrap();
    assert_eq!(talent.field("kind").unwrap().kind, FieldKind::Choice);
    let industry = plan.registry("industry").unwrap();
    assert_eq!(industry.field("investment").unwrap().precision, 4);
}

#[test]
fn json_view_lists_registries_with_fields_and_feeds() {
    let plan = built_in();
    let json = serde_json::to_value(crate::plan::view::PlanView::new(&plan)).unwrap();
    let first = &json["registries"][0];
    assert_eq!(first["code"], "pairings");
    assert_eq!(first["fields"][0]["type"], "choice");
    assert_eq!(first["fields"][0]["required"], true);
    assert_eq!(first["fields"][0]["choices"][0], "学校结对");
    assert_eq!(first["feeds"][0]["indicator"], "1.3");
    assert_eq!(first["feeds"][0]["measure"], "active_at_end");
    assert_eq!(first["feeds"][0]["date_field"], "signed_on");
    assert_eq!(first["feeds"][0]["filter"]["kind"][0], "学校结对");
}

#[test]
fn a_bad_register_declaration_names_its_line_and_column() {
    let feed = "indicator = \"1.3\"\nmeasure = \"active_at_end\"";
    let errors = errors_after_edit(feed, "indicator = \"1.3\"\nmeasure = \"stock\"");
    let line = line_of(feed) + 1;
    assert!(
        errors.contains(&format!(
            "bad.toml:{line}:11: 台账“结对关系”的计算方式“stock”无效"
        )),
        "{errors}"
    );
    let errors = errors_after_edit("indicator = \"1.3\"", "indicator = \"1.2\"");
    assert!(errors.contains("已由资金台账或另一台账填报"), "{errors}");
    let errors = errors_after_edit("indicator = \"1.4\"", "indicator = \"1.3\"");
    assert!(errors.contains("已由资金台账或另一台账填报"), "{errors}");
    let errors = errors_after_edit("indicator = \"1.3\"", "indicator = \"4.3\"");
    assert!(errors.contains("不是表中可填数的指标"), "{errors}");
    let errors = errors_after_edit("type = \"date\"\nrequired = true", "type = \"day\"");
    assert!(errors.contains("的类型“day”无效"), "{errors}");
    let errors = errors_after_edit(
        "filter = { kind = [\"学校结对\"] }",
        "filter = { kind = [\"学校\"] }",
    );
    assert!(
        errors.contains("筛选选项“学校”不是字段“kind”的选项"),
        "{errors}"
    );
    let errors = errors_after_edit("date_field = \"signed_on\"", "date_field = \"kind\"");
    assert!(
        errors.contains("日期字段（date_field）“kind”类型不对"),
        "{errors}"
    );
    let errors = errors_after_edit("unit = \"亿元\"", "unit = \"亿\"");
    assert!(errors.contains("计量单位“亿”没有定义"), "{errors}");
    let errors = errors_after_edit("field = \"investment\"", "field = \"lifted\"");
    assert!(
        errors.contains("计量单位“万人”与指标“2.3”的“亿元”不同"),
        "{errors}"
    );
    let errors = errors_after_edit("code = \"donor_side\"", "code = \"kind\"");
    assert!(
        errors.contains("台账“结对关系”的字段代码“kind”重复"),
        "{errors}"
    );
}

#[test]
fn an_entry_is_read_as_typed_and_every_problem_names_its_field() {
    let plan = built_in();
    let pairings = plan.registry("pairings").unwrap();
    let ok = check_entry(
        &plan,
        pairings,
        &values(&[
            ("kind", "学校结对"),
            ("donor_side", "大兴一中"),
            ("recipient_side", "察右前旗一中"),
            ("area", "察右前旗"),
            ("signed_on", "2018年2月10日"),
        ]),
    )
    .unwrap();
    let area = ok.iter().find(|v| v.field == "area").unwrap();
    assert_eq!(area.text, "cyqq");
    let signed = ok.iter().find(|v| v.field == "signed_on").unwrap();
    assert_eq!(signed.text, "2018-02-10");
    assert_eq!(signed.date, NaiveDate::from_ymd_opt(2018, 2, 10));
    assert!(ok.iter().all(|v| v.field != "ended_on"));

    let errors = check_entry(
        &plan,
        pairings,
        &values(&[
            ("kind", "幼儿园结对"),
            ("area", "火星"),
            ("signed_on", "2018-03-01"),
            ("ended_on", "2018-02-01"),
            ("colour", "red"),
        ]),
    )
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "colour",
            "kind",
            "donor_side",
            "recipient_side",
            "area",
            "ended_on"
        ]
    );
    assert!(errors[1].message.contains("应为 学校结对、医院结对"));
    assert_eq!(errors[2].message, "“大兴方”必须填写");
    assert_eq!(errors[2].label, "大兴方");
    assert!(errors[5].message.contains("不能早于“签约日期”"));
}

#[test]
fn numbers_keep_their_precision_and_never_go_negative() {
    let plan = built_in();
    let industry = plan.registry("industry").unwrap();
    let base = [
        ("kind", "引进企业"),
        ("name", "某公司"),
        ("area", "cyqq"),
        ("date", "2018-02-01"),
    ];
    let with = |extra: (&'static str, &'static str)| {
        let mut v = values(&base);
        v.insert(extra.0.into(), extra.1.into());
        check_entry(&plan, industry, &v)
    };
    let ok = with(("investment", "0.1250")).unwrap();
    let inv = ok.iter().find(|v| v.field == "investment").unwrap();
    assert_eq!(inv.number, Some("0.125".parse().unwrap()));
    assert!(with(("investment", "0.12345")).is_err());
    assert!(with(("investment", "-1")).is_err());
    assert!(with(("investment", "一亿")).is_err());
}

#[test]
fn stocks_look_at_the_period_end_and_flows_follow_the_basis() {
    let plan = built_in();
    let (_, school) = plan.feed_of("1.3").unwrap();
    let (_, teachers) = plan.feed_of("4.2").unwrap();
    let q2: PeriodCode = "2018Q2".parse().unwrap();
    let day = |m, d| NaiveDate::from_ymd_opt(2018, m, d).unwrap();
    assert_eq!(
        school.window(q2, ValueBasis::Ytd),
        Window {
            from: None,
            to: day(6, 30)
        }
    );
    assert_eq!(
        teachers.window(q2, ValueBasis::Ytd),
        Window {
            from: Some(day(1, 1)),
            to: day(6, 30)
        }
    );
    assert_eq!(
        teachers.window(q2, ValueBasis::Quarter).from,
        Some(day(4, 1))
    );
}

#[test]
fn an_entry_gives_each_fed_row_a_fact_and_a_window_counts_it() {
    let plan = built_in();
    let pairings = plan.registry("pairings").unwrap();
    let school = |signed: &str, ended: Option<&str>| {
        let mut v = values(&[
            ("kind", "学校结对"),
            ("donor_side", "大兴一中"),
            ("recipient_side", "察右前旗一中"),
            ("area", "cyqq"),
            ("signed_on", signed),
        ]);
        if let Some(ended) = ended {
            v.insert("ended_on".into(), ended.into());
        }
        check_entry(&plan, pairings, &v).unwrap()
    };
    let facts = pairings.facts(&school("2018-02-10", Some("2018-06-29")));
    let indicators: Vec<&str> = facts.iter().map(|f| f.indicator.as_str()).collect();
    assert_eq!(indicators, ["1.3"], "a school pairing fills 一、3 only");
    let day = |m, d| NaiveDate::from_ymd_opt(2018, m, d).unwrap();
    assert_eq!(facts[0].placed_on, day(2, 10));
    assert_eq!(facts[0].ends_on, Some(day(6, 29)));
    assert_eq!(facts[0].amount, None);
    let (_, feed) = plan.feed_of("1.3").unwrap();
    let at = |code: &str| feed.window(code.parse().unwrap(), ValueBasis::Ytd);
    assert!(at("2018Q1").counts(&facts[0]));
    assert!(!at("2018Q2").counts(&facts[0]), "ended the day before 6-30");
    let on_the_day = pairings.facts(&school("2018-02-10", Some("2018-06-30")));
    assert!(
        at("2018Q2").counts(&on_the_day[0]),
        "still active on its last day"
    );
    assert!(!at("2017Q4").counts(&facts[0]), "not yet signed");

    // A sum takes the number, and an entry without it gives no fact.
    let industry = plan.registry("industry").unwrap();
    let (_, investment) = plan.feed_of("2.3").unwrap();
    let mut v = values(&[
        ("kind", "引进企业"),
        ("name", "某公司"),
        ("area", "cyqq"),
        ("date", "2018-02-01"),
    ]);
    assert_eq!(
        investment.fact(&check_entry(&plan, industry, &v).unwrap()),
        None
    );
    v.insert("investment".into(), "0.125".into());
    let fact = investment
        .fact(&check_entry(&plan, industry, &v).unwrap())
        .unwrap();
    assert_eq!(fact.amount, Some("0.125".parse().unwrap()));
    let q = investment.window("2018Q2".parse().unwrap(), ValueBasis::Quarter);
    assert!(
        !q.counts(&fact),
        "a flow of the quarter: February is not in Q2"
    );
}

#[test]
fn a_void_needs_a_reason() {
    assert!(check_void_reason("  ").is_err());
    assert_eq!(check_void_reason(" 重复录入 ").unwrap(), "重复录入");
}

#[test]
fn a_figure_other_than_the_register_needs_a_note_where_the_unit_keeps_it() {
    use crate::report::{CheckMode, Entry, Severity};
    let plan = built_in();
    let computed = |kept| Computed {
        indicator: "1.3".into(),
        value: "1".parse().unwrap(),
        entries: 1,
        registry: "pairings".into(),
        kept,
    };
    let typed = |value: &str, comment: &str| {
        BTreeMap::from([(
            "1.3".to_string(),
            Entry {
                value: Some(value.parse().unwrap()),
                comment: comment.into(),
            },
        )])
    };
    let submit =
        check_against_registers(&plan, &typed("2", ""), &[computed(true)], CheckMode::Submit);
    assert_eq!(submit.len(), 1);
    assert_eq!(submit[0].severity, Severity::Error);
    assert_eq!(
        submit[0].message,
        "一、3 与扶贫协作地区学校结对数：填报数 2 与台账计算数 1 不同，请在说明中写明原因"
    );
    let save = check_against_registers(&plan, &typed("2", ""), &[computed(true)], CheckMode::Save);
    assert_eq!(save[0].severity, Severity::Warning);
    for fine in [
        check_against_registers(&plan, &typed("1", ""), &[computed(true)], CheckMode::Submit),
        check_against_registers(
            &plan,
            &typed("2", "另有1所学校协议待签"),
            &[computed(true)],
            CheckMode::Submit,
        ),
        check_against_registers(
            &plan,
            &typed("2", ""),
            &[computed(false)],
            CheckMode::Submit,
        ),
    ] {
        assert!(fine.is_empty(), "{fine:?}");
    }
}

#[test]
fn targets_measured_by_registers_are_declared_and_checked() {
    let plan = built_in();
    let walnuts = plan
        .tasks
        .iter()
        .find(|t| t.code == "1.3-3")
        .map(|t| &t.targets[0])
        .unwrap();
    let m = walnuts.registry.as_ref().unwrap();
    assert_eq!((m.registry.as_str(), m.measure), ("industry", Measure::Sum));
    assert_eq!(m.as_feed().filter["kind"], ["消费扶贫"]);
    let donations = plan.tasks.iter().find(|t| t.code == "1.2-6").unwrap();
    assert!(donations.targets[1].registry.is_some());
    let batches = donations.targets[0].registry.as_ref().unwrap();
    assert_eq!(
        (batches.registry.as_str(), batches.per.as_deref()),
        ("talent", Some("batch")),
        "每学年不少于5批: the teachers' batches"
    );
    let pairs = donations.targets[2].registry.as_ref().unwrap();
    assert_eq!(
        (pairs.registry.as_str(), pairs.per.as_deref()),
        ("pairings", Some("batch")),
        "每批不少于5对: each batch of school pairings"
    );
    assert_eq!(donations.targets[2].indicator, None);

    let edit = |from: &str, to: &str| {
        assert!(BUILT_IN.contains(from), "{from}");
        match parse_plan("bad.toml", &BUILT_IN.replacen(from, to, 1)) {
            Ok(_) => panic!("accepted: {to}"),
            Err(e) => e.to_string(),
        }
    };
    let walnut_line = r#"registry = { code = "industry", measure = "sum", field = "quantity", date_field = "date", filter = { kind = ["消费扶贫"] } }"#;
    let e = edit(
        walnut_line,
        &walnut_line.replace("\"quantity\"", "\"amount\""),
    );
    assert!(
        e.contains("应为台账“产业合作”中计量单位为“万吨”的数量字段"),
        "{e}"
    );
    let e = edit(
        walnut_line,
        &walnut_line.replace("\"industry\"", "\"shops\""),
    );
    assert!(e.contains("引用的台账“shops”没有定义"), "{e}");
    let e = edit(
        walnut_line,
        &walnut_line.replace("\"sum\"", "\"active_at_end\""),
    );
    assert!(e.contains("应为 count（条数）或 sum（数量合计）"), "{e}");
    let e = edit(walnut_line, &walnut_line.replace("消费扶贫", "网购"));
    assert!(e.contains("筛选选项“网购”不是字段“kind”的选项"), "{e}");
    let pairs_line = r#"registry = { code = "pairings", measure = "count", per = "batch", date_field = "signed_on", filter = { kind = ["学校结对"] } }"#;
    let e = edit(pairs_line, &pairs_line.replace(", per = \"batch\"", ""));
    assert!(
        e.contains("按每批计，须用 per 指明台账中记录批次的字段"),
        "{e}"
    );
    let e = edit(
        pairs_line,
        &pairs_line.replace("\"batch\"", "\"signed_on\""),
    );
    assert!(
        e.contains("的批次字段“signed_on”应为台账“结对关系”中的文字或选项字段"),
        "{e}"
    );
    let batches_line = r#"registry = { code = "talent", measure = "count", per = "batch","#;
    let e = edit(batches_line, &batches_line.replace("count", "sum"));
    assert!(e.contains("计的是批数，计算方式应为 count"), "{e}");
    let e = edit(pairs_line, &format!("{pairs_line}\nindicator = \"1.3\""));
    assert!(e.contains("已由表中指标衡量"), "{e}");
}
