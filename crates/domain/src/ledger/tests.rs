use super::oversight::{anomalies, budget_lines, idle_funds, overdue_projects};
use super::reconcile::reconcile;
use super::rules::{check, check_budget_floor, Accepted, Facts, Position};
use super::*;
use crate::plan::parse_plan;
use crate::{PeriodCode, Quantity};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn plan() -> Plan {
    parse_plan("d", include_str!("../../../../plans/daxing-2017-2020.toml")).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn yuan(text: &str) -> Money {
    Money::parse("金额", text).unwrap()
}

fn project(id: i64, area: &str, poverty: bool) -> Project {
    Project {
        id,
        name: format!("项目{id}"),
        area: area.into(),
        sector: Sector::Education,
        unit: "jw".into(),
        poverty_relief: poverty,
        approved: vec![("district".into(), yuan("1000000"))],
        planned_start: Some(date(2018, 3, 1)),
        planned_finish: Some(date(2018, 12, 31)),
        actual_start: None,
        actual_finish: None,
        status: ProjectStatus::Planned,
        beneficiaries: 0,
        tasks: vec![],
        note: String::new(),
    }
}

fn tx(id: i64, kind: TxKind, on: NaiveDate, amount: &str, project: i64) -> Transaction {
    Transaction {
        id,
        kind,
        date: on,
        amount: yuan(amount),
        source: "district".into(),
        project,
        voucher: String::new(),
        note: String::new(),
        reverses: None,
        override_reason: None,
        recorded_by: "cz".into(),
    }
}

fn draft(kind: TxKind, amount: &str) -> TxDraft {
    TxDraft {
        kind,
        date: date(2018, 5, 1),
        amount: yuan(amount),
        source: "district".into(),
        project: 1,
        voucher: "记-001".into(),
        note: String::new(),
        reverses: None,
        override_reason: None,
    }
}

fn facts(position: Position, budget: Option<&str>, allocated: &str) -> Facts {
    Facts {
        first_year: 2017,
        last_year: 2020,
        project_area: Some("cyqq".into()),
        source_known: true,
        position,
        budget: budget.map(yuan),
        allocated_in_budget: yuan(allocated).fen(),
        original: None,
        original_reversed: false,
        may_override: false,
    }
}

#[test]
fn money_is_exact_to_the_fen_and_refuses_the_rest() {
    assert_eq!(yuan("1,200.50").fen(), 120_050);
    assert_eq!(yuan("１２００．５").fen(), 120_050);
    assert_eq!(yuan("6000000").to_string(), "6,000,000.00");
    assert_eq!(yuan("0.01").wan().to_string(), "0.000001");
    let err = Money::parse("拨付金额", "1.005").unwrap_err();
    assert!(
        err.contains("拨付金额") && err.contains("两位小数"),
        "{err}"
    );
    assert!(Money::parse("金额", "-5")
        .unwrap_err()
        .contains("不能为负数"));
    assert!(Money::parse("金额", "abc")
        .unwrap_err()
        .contains("不是数字"));
    // One parser with the report form: "1,5" is not 15, "-0" is a typing mistake.
    let comma = Money::parse("预算金额（元）", "1,5").unwrap_err();
    assert!(
        comma.starts_with("预算金额（元）") && comma.contains("千位分隔符"),
        "{comma}"
    );
    assert!(Money::parse("金额", "12,34,5").is_err());
    assert_eq!(yuan("1,234,567.89").fen(), 123_456_789);
    assert!(Money::parse("金额", "-0")
        .unwrap_err()
        .contains("不能为负数"));
    assert!(Money::parse("金额", "").unwrap_err().contains("请填写金额"));
    assert!(Money::parse("金额", "1e30").is_err());
    assert!(Money::parse("金额", "99999999999999999999")
        .unwrap_err()
        .contains("超出"));
}

#[test]
fn the_built_in_plan_defines_its_sources_and_rows() {
    let plan = plan();
    assert_eq!(plan.ledger.sources.len(), 5);
    assert_eq!(
        plan.ledger.source("district").unwrap().row.as_deref(),
        Some("1.1.2")
    );
    assert_eq!(plan.ledger.funds_row.as_deref(), Some("1.1"));
    assert!(plan.ledger.parse_source("区级单独安排").is_ok());
    assert!(plan
        .ledger
        .parse_source("外援")
        .unwrap_err()
        .contains("资金来源“外援”无效"));
}

#[test]
fn a_plan_naming_a_missing_row_for_a_source_is_refused_with_its_line() {
    let text = include_str!("../../../../plans/daxing-2017-2020.toml").replace(
        "row = \"1.1.2\"\npoverty_row = \"1.1.2.1\"\n[[ledger.sources]]\ncode = \"kfq\"",
        "row = \"9.9\"\npoverty_row = \"1.1.2.1\"\n[[ledger.sources]]\ncode = \"kfq\"",
    );
    let err = parse_plan("d", &text).unwrap_err().to_string();
    assert!(err.contains("“9.9”不是表中可填数的指标"), "{err}");
}

#[test]
fn allocations_stay_within_the_budget_unless_the_coordinator_overrides() {
    let mut d = draft(TxKind::Allocation, "300000");
    d.override_reason = Some("不需要".into());
    let mut within = facts(Position::default(), Some("6000000"), "5700000");
    within.may_override = true;
    // Within the budget no override is recorded, whatever reason the draft carries.
    assert_eq!(check(&d, &within), Ok(Accepted::default()));
    d.override_reason = None;
    let err = check(
        &d,
        &facts(Position::default(), Some("6000000"), "5700000.01"),
    )
    .unwrap_err();
    assert!(
        err[0].contains("超过2018年该受援地、该资金来源的预算 6,000,000.00 元"),
        "{err:?}"
    );
    assert!(err[0].contains("汇总单位"), "{err:?}");
    let no_budget = check(&d, &facts(Position::default(), None, "0")).unwrap_err();
    assert!(no_budget[0].contains("尚无预算"), "{no_budget:?}");

    let mut over = d.clone();
    over.override_reason = Some("区政府常务会议决定追加".into());
    let mut f = facts(Position::default(), Some("6000000"), "6000000");
    // A finance user's reason is not enough.
    assert!(check(&over, &f).is_err());
    f.may_override = true;
    assert_eq!(
        check(&over, &f).unwrap().override_reason.as_deref(),
        Some("区政府常务会议决定追加")
    );
    over.override_reason = Some("  追加  ".into());
    assert_eq!(
        check(&over, &f).unwrap().override_reason.as_deref(),
        Some("追加")
    );
    over.override_reason = Some("   ".into());
    assert!(check(&over, &f).unwrap_err()[0].contains("请填写超预算说明"));
}

#[test]
fn budgets_never_drop_below_what_is_allocated() {
    let budget = |amount: &str| Budget {
        year: 2018,
        area: "cyqq".into(),
        source: "district".into(),
        amount: yuan(amount),
        poverty_amount: Money::ZERO,
        note: String::new(),
    };
    assert!(check_budget_floor(&budget("500000"), yuan("500000")).is_ok());
    assert!(check_budget_floor(&budget("600000"), yuan("500000")).is_ok());
    assert!(check_budget_floor(&budget("0"), Money::ZERO).is_ok());
    let err = check_budget_floor(&budget("499999.99"), yuan("500000")).unwrap_err();
    assert_eq!(
        err,
        "预算金额 499,999.99 元低于该年度已下达的 500,000.00 元，不能调减到已下达金额以下"
    );
}

#[test]
fn reversals_and_other_kinds_record_no_override() {
    let mut f = facts(
        Position::default().with(TxKind::Allocation, 100_000),
        None,
        "0",
    );
    f.may_override = true;
    let mut d = draft(TxKind::Disbursement, "100");
    d.override_reason = Some("说明".into());
    assert_eq!(check(&d, &f), Ok(Accepted::default()));
    let mut rev = draft(TxKind::Allocation, "100");
    rev.reverses = Some(3);
    rev.override_reason = Some("说明".into());
    let mut original = tx(3, TxKind::Allocation, date(2018, 3, 1), "100", 1);
    original.override_reason = Some("说明".into());
    f.original = Some(original);
    assert_eq!(check(&rev, &f), Ok(Accepted::default()));
}

#[test]
fn disbursements_never_exceed_allocations_nor_spending_disbursements() {
    let pos = Position::default().with(TxKind::Allocation, 10_000_000);
    let ok = check(
        &draft(TxKind::Disbursement, "100000"),
        &facts(pos, None, "0"),
    );
    assert!(ok.is_ok());
    let err = check(
        &draft(TxKind::Disbursement, "100000.01"),
        &facts(pos, None, "0"),
    )
    .unwrap_err();
    assert!(err[0].contains("超过已下达的 100,000.00 元"), "{err:?}");
    let paid = pos.with(TxKind::Disbursement, 6_000_000);
    let err = check(
        &draft(TxKind::Expenditure, "60000.01"),
        &facts(paid, None, "0"),
    )
    .unwrap_err();
    assert!(err[0].contains("超过已拨付"), "{err:?}");
    let err = check(&draft(TxKind::Return, "60000.01"), &facts(paid, None, "0")).unwrap_err();
    assert!(!err.is_empty());
    assert!(check(&draft(TxKind::Return, "60000"), &facts(paid, None, "0")).is_ok());
}

#[test]
fn dates_outside_the_plan_and_unknown_things_are_refused_together() {
    let mut d = draft(TxKind::Allocation, "0");
    d.date = date(2021, 1, 1);
    let mut f = facts(Position::default(), Some("100"), "0");
    f.project_area = None;
    f.source_known = false;
    let err = check(&d, &f).unwrap_err();
    assert_eq!(err.len(), 4, "{err:?}");
    assert!(err
        .iter()
        .any(|e| e.contains("不在方案的年度范围（2017—2020年）内")));
    assert!(err.iter().any(|e| e.contains("项目编号 1 不存在")));
    assert!(err.iter().any(|e| e.contains("资金来源“district”没有定义")));
    assert!(err.iter().any(|e| e.contains("金额必须大于零")));
}

#[test]
fn reversals_cancel_one_whole_transaction_once() {
    let original = tx(7, TxKind::Disbursement, date(2018, 4, 1), "500", 1);
    let pos = Position::default()
        .with(TxKind::Allocation, 100_000)
        .with(TxKind::Disbursement, 50_000);
    let mut rev = draft(TxKind::Disbursement, "500");
    rev.reverses = Some(7);
    let mut f = facts(pos, None, "0");
    assert!(check(&rev, &f).unwrap_err()[0].contains("要冲销的交易 7 不存在"));
    f.original = Some(original.clone());
    assert!(check(&rev, &f).is_ok());
    f.original_reversed = true;
    assert!(check(&rev, &f).unwrap_err()[0].contains("已经冲销过"));
    f.original_reversed = false;
    let mut wrong = rev.clone();
    wrong.amount = yuan("400");
    assert!(check(&wrong, &f).unwrap_err()[0].contains("须与交易 7"));
    // Reversing an allocation that was already disbursed would leave money disbursed unallocated.
    let alloc = tx(3, TxKind::Allocation, date(2018, 3, 1), "1000", 1);
    let mut rev_alloc = draft(TxKind::Allocation, "1000");
    rev_alloc.reverses = Some(3);
    f.original = Some(alloc);
    assert!(check(&rev_alloc, &f).unwrap_err()[0].contains("超过已下达"));
}

#[test]
fn projects_are_checked_field_by_field() {
    let plan = plan();
    let mut p = project(0, "cyqq", true);
    assert!(p.check(&plan).is_ok(), "{:?}", p.check(&plan));
    p.name = " ".into();
    p.area = "nmg".into();
    p.unit = "nobody".into();
    p.status = ProjectStatus::Completed;
    p.planned_finish = Some(date(2018, 1, 1));
    p.tasks = vec!["9-9".into()];
    let errors = p.check(&plan).unwrap_err();
    for needle in [
        "请填写项目名称",
        "“内蒙古自治区”不是结对受援地",
        "实施单位“nobody”",
        "计划完工日期（2018-01-01）早于计划开工日期",
        "实际完工日期",
        "关联任务“9-9”不存在",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{needle}: {errors:?}"
        );
    }
}

#[test]
fn budgets_keep_the_poverty_share_within_the_amount() {
    let plan = plan();
    let mut b = Budget {
        year: 2018,
        area: "cyqq".into(),
        source: "district".into(),
        amount: yuan("3000000"),
        poverty_amount: yuan("2500000"),
        note: String::new(),
    };
    assert!(b.check(&plan).is_ok());
    b.poverty_amount = yuan("3000000.01");
    b.year = 2016;
    let errors = b.check(&plan).unwrap_err();
    assert!(errors.iter().any(|e| e.contains("其中用于扶贫")));
    assert!(errors.iter().any(|e| e.contains("预算年度 2016")));
}

/// Reconciliation against figures worked out by hand.
#[test]
fn the_funding_rows_are_computed_from_the_ledger() {
    let plan = plan();
    let mut started = project(1, "cyqq", true);
    started.actual_start = Some(date(2018, 4, 15));
    started.beneficiaries = 1234;
    let other = project(2, "htx", false);
    let projects = vec![started, other];
    let mut city = tx(3, TxKind::Allocation, date(2018, 2, 10), "800000", 2);
    city.source = "city".into();
    let mut reversal = tx(5, TxKind::Allocation, date(2018, 6, 1), "100000", 1);
    reversal.reverses = Some(4);
    let txs = vec![
        tx(1, TxKind::Allocation, date(2018, 1, 5), "1500000.50", 1),
        tx(2, TxKind::Disbursement, date(2018, 2, 1), "1000000", 1),
        city,
        tx(4, TxKind::Allocation, date(2018, 5, 20), "100000", 1),
        reversal,
        // Next year: not in 2018's figures.
        tx(6, TxKind::Allocation, date(2019, 1, 2), "999", 2),
    ];
    let period = plan
        .periods()
        .into_iter()
        .find(|p| p.code == "2018Q2".parse::<PeriodCode>().unwrap())
        .unwrap();
    let mut reported = BTreeMap::new();
    reported.insert(
        "1.1.2".to_string(),
        Quantity::new("150.01".parse().unwrap()),
    );
    reported.insert("1.2".to_string(), Quantity::new(2.into()));
    let rows = reconcile(&plan, &period, &projects, &txs, &reported);
    let row = |code: &str| rows.iter().find(|r| r.code == code).unwrap().clone();
    // 1,500,000.50 元 (allocation 4 reversed by 5) = 150.00005 万元, shown as 150.00.
    assert_eq!(row("1.1.2").ledger_exact.to_string(), "150.00005");
    assert_eq!(row("1.1.2").ledger.to_string(), "150");
    assert_eq!(row("1.1.2").difference.unwrap().to_string(), "0.01");
    assert!(!row("1.1.2").agrees());
    assert_eq!(row("1.1.2.1").ledger.to_string(), "150");
    assert_eq!(row("1.1.1").ledger.to_string(), "80");
    assert_eq!(row("1.1.1.1").ledger.to_string(), "0");
    assert_eq!(row("1.1").ledger.to_string(), "230");
    assert_eq!(row("1.2").ledger.to_string(), "2");
    assert!(row("1.2").agrees());
    assert_eq!(row("1.2.1").ledger.to_string(), "1");
    // 1234 人 = 0.1234 万人.
    assert_eq!(row("1.2.2").ledger.to_string(), "0.1234");
    assert_eq!(row("1.2.2").reported, None);
    // Q1 alone: the project started in April is not yet 已实施.
    let q1 = plan.periods().into_iter().next().unwrap();
    let rows = reconcile(&plan, &q1, &projects, &txs, &reported);
    assert_eq!(
        rows.iter().find(|r| r.code == "1.2.1").unwrap().ledger,
        Decimal::ZERO
    );
}

#[test]
fn oversight_finds_idle_money_late_projects_and_anomalies() {
    let plan = plan();
    let mut late = project(1, "cyqq", true);
    late.status = ProjectStatus::InProgress;
    late.actual_start = Some(date(2018, 3, 1));
    let mut done = project(2, "cyqq", true);
    done.status = ProjectStatus::Accepted;
    done.actual_start = Some(date(2018, 3, 1));
    done.actual_finish = Some(date(2018, 9, 1));
    done.planned_finish = Some(date(2018, 12, 31));
    let projects = vec![late, done];
    let mut over = tx(4, TxKind::Allocation, date(2018, 3, 1), "10", 2);
    over.override_reason = Some("追加".into());
    let txs = vec![
        tx(1, TxKind::Allocation, date(2018, 1, 10), "1000", 1),
        tx(2, TxKind::Allocation, date(2018, 6, 1), "500", 1),
        tx(3, TxKind::Disbursement, date(2018, 2, 1), "600", 1),
        over,
    ];
    let today = date(2019, 2, 1);
    let idle = idle_funds(&projects, &txs, today, 90);
    // FIFO: 600 of the first allocation disbursed; 400 of it and all 500 of the second are idle.
    let first = idle.iter().find(|i| i.project == 1).unwrap();
    assert_eq!(first.amount, yuan("900"));
    assert_eq!(first.since, date(2018, 1, 10));
    let overdue = overdue_projects(&projects, today);
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].0.id, 1);
    assert_eq!(overdue[0].1, 32);

    let budgets = vec![Budget {
        year: 2018,
        area: "cyqq".into(),
        source: "district".into(),
        amount: yuan("1500"),
        poverty_amount: yuan("0"),
        note: String::new(),
    }];
    let findings = vec![Finding {
        id: 9,
        project: 1,
        transaction: None,
        text: "请说明".into(),
        raised_by: "sj".into(),
        raised_on: date(2018, 12, 1),
        status: FindingStatus::Open,
        response: String::new(),
        responded_by: None,
    }];
    let found = anomalies(
        &plan,
        &projects,
        &txs,
        &budgets,
        &BTreeMap::new(),
        &findings,
        today,
    );
    let texts: Vec<&str> = found.iter().map(|a| a.text.as_str()).collect();
    for needle in [
        "超预算下达 10.00 元，说明：追加",
        "2018年 察右前旗 区级单独安排：下达 1,510.00 元，超过预算 1,500.00 元",
        "“项目2”已验收，但没有上传验收材料",
        "“项目2”已验收，结余 10.00 元",
        "审计意见 9 已 62 天未答复",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(needle)),
            "{needle}: {texts:?}"
        );
    }
    let lines = budget_lines(&budgets, &projects, &txs);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].allocated, yuan("1510"));
    assert_eq!(lines[0].disbursed, yuan("600"));
}

#[test]
fn allocations_beyond_approval_and_payments_to_unstarted_projects_are_anomalies() {
    let plan = plan();
    // 项目1 is approved for 1,000,000.00 元 and still 计划 (not started).
    let mut modest = project(1, "cyqq", true);
    modest.approved = vec![("district".into(), yuan("800"))];
    let started = {
        let mut p = project(2, "cyqq", true);
        p.status = ProjectStatus::InProgress;
        p.actual_start = Some(date(2018, 3, 1));
        p
    };
    let txs = vec![
        tx(1, TxKind::Allocation, date(2018, 3, 1), "1000", 1),
        tx(2, TxKind::Disbursement, date(2018, 4, 1), "300", 1),
        // Within approval and started: nothing to say about 项目2.
        tx(3, TxKind::Allocation, date(2018, 3, 1), "500", 2),
        tx(4, TxKind::Disbursement, date(2018, 4, 1), "500", 2),
    ];
    let found = anomalies(
        &plan,
        &[modest, started],
        &txs,
        &[],
        &BTreeMap::new(),
        &[],
        date(2018, 6, 1),
    );
    let texts: Vec<&str> = found.iter().map(|a| a.text.as_str()).collect();
    assert!(
        texts.contains(&"“项目1”区级单独安排下达 1,000.00 元，超过批复金额 800.00 元"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"“项目1”尚未开工（状态：计划），已拨付 300.00 元"),
        "{texts:?}"
    );
    assert!(
        found.iter().all(|a| a.project != Some(2)),
        "项目2 is in order: {texts:?}"
    );
}

proptest! {
    /// Thousands of random amounts: the ledger's sums equal the decimal sums of what was typed.
    #[test]
    fn sums_are_exact_to_the_fen(amounts in prop::collection::vec((0u64..10_000_000_000, 0u32..100), 1..3000)) {
        let typed: Vec<String> = amounts.iter().map(|(y, f)| format!("{y}.{f:02}")).collect();
        let money: Vec<Money> = typed.iter().map(|t| yuan(t)).collect();
        let total: Money = money.iter().copied().sum();
        let decimal: Decimal = typed.iter().map(|t| t.parse::<Decimal>().unwrap()).sum();
        prop_assert_eq!(total.yuan(), decimal);
        // Positions built transaction by transaction agree with the plain sum.
        let txs: Vec<Transaction> = money
            .iter()
            .enumerate()
            .map(|(i, m)| Transaction { amount: *m, ..tx(i as i64, TxKind::Allocation, date(2018, 1, 1), "1", 1) })
            .collect();
        prop_assert_eq!(Position::of(&txs).allocated, total.fen());
    }
}

/// The fields a list of field errors names, in order (`None` for a rule across fields).
fn fields_of(errors: &[input::FieldError]) -> Vec<Option<&str>> {
    errors.iter().map(|e| e.field.as_deref()).collect()
}

#[test]
fn each_parse_error_names_its_form_field_and_the_api_keeps_the_bare_messages() {
    let plan = plan();
    let budget = input::BudgetInput {
        year: "二〇一八".into(),
        area: "cyqq".into(),
        source: "district".into(),
        amount: "三百万".into(),
        ..Default::default()
    };
    let errors = budget.parse_fields(&plan).unwrap_err();
    assert_eq!(fields_of(&errors), [Some("year"), Some("amount")]);
    let words: Vec<String> = errors.into_iter().map(|e| e.message).collect();
    assert_eq!(budget.parse(&plan).unwrap_err(), words);
    assert!(
        words[0].contains("预算年度“二〇一八”应为四位年份"),
        "{words:?}"
    );

    let tx = input::TxInput {
        kind: "allocation".into(),
        date: "2018-13-01".into(),
        amount: "x".into(),
        source: "district".into(),
        project: "#9".into(),
        ..Default::default()
    };
    let errors = tx.parse_fields(&plan).unwrap_err();
    assert_eq!(fields_of(&errors), [Some("date"), Some("amount")]);

    let project = input::ProjectInput {
        name: "小学".into(),
        area: "cyqq".into(),
        sector: "education".into(),
        unit: "jw".into(),
        approved: vec![("district".into(), "一百万".into())],
        planned_start: "2018-02-30".into(),
        ..Default::default()
    };
    let errors = project.parse_fields(&plan, 0).unwrap_err();
    assert_eq!(
        fields_of(&errors),
        [Some("approved.district"), Some("planned_start")]
    );
}

#[test]
fn rules_across_fields_belong_to_no_single_field() {
    let plan = plan();
    let budget = input::BudgetInput {
        year: "2018".into(),
        area: "cyqq".into(),
        source: "district".into(),
        amount: "100".into(),
        poverty_amount: "200".into(),
        ..Default::default()
    };
    let errors = budget.parse_fields(&plan).unwrap_err();
    assert_eq!(fields_of(&errors), [None]);
    assert!(errors[0].message.contains("超过预算金额"), "{errors:?}");
    let project = input::ProjectInput {
        name: "小学".into(),
        area: "cyqq".into(),
        sector: "education".into(),
        unit: "jw".into(),
        planned_start: "2018-10-01".into(),
        planned_finish: "2018-02-01".into(),
        ..Default::default()
    };
    let errors = project.parse_fields(&plan, 0).unwrap_err();
    assert!(errors.iter().all(|e| e.field.is_none()), "{errors:?}");
}
