use super::*;

const BUILT_IN: &str = include_str!("../../../../plans/daxing-2017-2020.toml");

fn built_in() -> Plan {
    parse_plan("daxing-2017-2020.toml", BUILT_IN).unwrap_or_else(|e| panic!("{e}"))
}

/// The built-in plan with `from` replaced by `to` once, expected to fail.
fn errors_after_edit(from: &str, to: &str) -> PlanErrors {
    assert!(BUILT_IN.contains(from), "fixture text not found: {from}");
    let edited = BUILT_IN.replacen(from, to, 1);
    parse_plan("bad.toml", &edited).expect_err("edited plan should be rejected")
}

fn line_of(source: &str, needle: &str) -> usize {
    let offset = source.find(needle).expect("needle present");
    source[..offset].matches('\n').count() + 1
}

#[test]
fn built_in_plan_has_every_part_of_the_document() {
    let plan = built_in();
    assert_eq!(plan.info.coordinator, "fgw");
    assert_eq!(plan.units.len(), 38);
    assert_eq!(plan.tasks.len(), 32);
    assert_eq!(plan.indicators.len(), 43);
    assert_eq!(
        plan.indicators.iter().filter(|i| !i.is_heading()).count(),
        38
    );
    assert_eq!(
        plan.indicators.iter().filter(|i| i.takes_value()).count(),
        34
    );
    assert_eq!(
        plan.indicators.iter().filter(|i| !i.district_fills).count(),
        4
    );
    let names: Vec<&str> = plan.units.iter().map(|u| u.name.as_str()).collect();
    for expected in [
        "区发改委",
        "区委办",
        "区政府办",
        "区委组织部",
        "区绩效办",
        "北电投",
        "开发区高层次人才服务中心",
        "西红门镇",
        "黄村镇",
        "区旅游委",
    ] {
        assert!(names.contains(&expected), "missing unit {expected}");
    }
    assert_eq!(plan.unit("dsb").unwrap().aliases, vec!["电商办"]);
}

#[test]
fn targets_carry_quantities_units_and_calendars() {
    let plan = built_in();
    let targets: Vec<&Target> = plan.tasks.iter().flat_map(|t| &t.targets).collect();
    let find = |needle: &str| {
        targets
            .iter()
            .find(|t| t.description.contains(needle))
            .unwrap_or_else(|| panic!("no target {needle}"))
    };
    let funds = find("600万元");
    assert_eq!(funds.quantity.to_string(), "600");
    assert_eq!(funds.unit, "万元");
    assert_eq!(funds.calendar, Calendar::Year);
    assert_eq!(funds.comparison, Comparison::About);
    let batches = find("每学年不少于5批");
    assert_eq!(batches.calendar, Calendar::SchoolYear);
    assert_eq!(find("50万元").calendar, Calendar::Plan);
    assert_eq!(find("每批不少于5对").calendar, Calendar::Batch);
    let hospitals = find("医疗机构");
    assert!(hospitals.per_area);
    assert_eq!(hospitals.areas, vec!["cyqq", "htx"]);
    assert_eq!(hospitals.indicator.as_deref(), Some("1.4"));
    let walnuts = find("核桃");
    assert_eq!(walnuts.unit, "万吨");
    assert_eq!(walnuts.comparison, Comparison::Strive);
    assert_eq!(find("300万元").quantity.to_string(), "300");
    assert_eq!(find("培训班").unit, "期");
}

#[test]
fn tasks_keep_lead_and_cooperating_units_as_assigned() {
    let plan = built_in();
    let task = |code: &str| plan.tasks.iter().find(|t| t.code == code).unwrap();
    let first = task("1.1-1");
    assert_eq!(first.lead, vec!["fgw"]);
    assert!(first.recipient_leads);
    assert_eq!(plan.lead_names(first), vec!["区发改委", "受援地"]);
    assert_eq!(first.cooperating, vec!["qwb", "qzfb", "zzb"]);
    // Areas come from the section when the task names none.
    assert_eq!(first.areas, vec!["cyqq", "htx", "t224"]);
    assert_eq!(task("2.3-1").areas, vec!["mjq"]);
    assert_eq!(task("1.3-1").cooperating.len(), 6);
    assert_eq!(task("1.2-5").lead, vec!["hc", "zhenjie"]);
}

#[test]
fn form_rows_know_their_responsible_units() {
    let plan = built_in();
    let row = |code: &str| plan.indicator(code).unwrap();
    let funds = plan.responsible_units(row("1.1.1.1"));
    assert_eq!(
        funds.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        vec!["区财政局", "开发区投促局"]
    );
    assert_eq!(row("1.1.1.1").label(), "其中：用于扶贫资金");
    assert_eq!(plan.depth(row("1.1.1.1")), 3);
    // A group is expanded to its members.
    let townships: Vec<&str> = plan
        .responsible_units(row("1.6"))
        .iter()
        .map(|u| u.code.as_str())
        .collect();
    assert_eq!(townships, vec!["xhm", "hc"]);
    assert!(plan.responsible_units(row("4.3")).is_empty());
    assert_eq!(plan.precision("万元"), 2);
    assert_eq!(plan.precision("亿元"), 4);
    assert_eq!(plan.precision("人次"), 0);
    let mine: Vec<&str> = plan
        .indicators_for_unit("jw")
        .iter()
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(mine, vec!["1.3", "1.7", "4.2", "4.2.1", "4.2.2"]);
}

#[test]
fn schedule_gives_twelve_quarters_due_on_the_twentieth() {
    let plan = built_in();
    let periods = plan.periods();
    assert_eq!(periods.len(), 12);
    assert_eq!(periods[0].code.to_string(), "2018Q1");
    assert_eq!(periods[0].deadline.to_string(), "2018-03-20");
    assert_eq!(periods[11].deadline.to_string(), "2020-12-20");
}

#[test]
fn unknown_unit_in_a_task_names_its_line() {
    let from = "lead = [\"wenwei\"]";
    let errors = errors_after_edit(from, "lead = [\"wenhua\"]");
    assert_eq!(errors.errors.len(), 1, "{errors}");
    let e = &errors.errors[0];
    assert_eq!(e.line, line_of(BUILT_IN, from));
    assert!(e.message.contains("wenhua"), "{}", e.message);
    assert!(errors.to_string().starts_with("bad.toml:"));
}

#[test]
fn duplicate_code_is_reported_at_the_second_definition() {
    let errors = errors_after_edit("code = \"qwb\"", "code = \"fgw\"");
    let message = errors.to_string();
    assert!(message.contains("代码“fgw”重复"), "{message}");
    assert!(message.contains(&format!(
        "第 {} 行已定义",
        line_of(BUILT_IN, "code = \"fgw\"")
    )));
}

#[test]
fn missing_parent_and_cycles_are_errors() {
    let missing = errors_after_edit("parent = \"wlcb\"", "parent = \"nowhere\"");
    assert!(
        missing.to_string().contains("上级“nowhere”没有定义"),
        "{missing}"
    );

    let cycle = errors_after_edit(
        "code = \"nmg\"\nname = \"内蒙古自治区\"",
        "code = \"nmg\"\nparent = \"cyqq\"\nname = \"内蒙古自治区\"",
    );
    assert!(cycle.to_string().contains("形成循环"), "{cycle}");

    let later = errors_after_edit(
        "code = \"1\"\nnumber = \"一、\"\nname = \"政府援助\"",
        "code = \"1\"\nnumber = \"一、\"\nname = \"政府援助\"\nparent = \"1.1\"",
    );
    assert!(later.to_string().contains("形成循环"), "{later}");
}

#[test]
fn rule_naming_a_missing_row_is_an_error() {
    let errors = errors_after_edit("right = [\"6.1\", \"6.2\"]", "right = [\"6.1\", \"6.9\"]");
    assert!(errors.to_string().contains("指标“6.9”没有定义"), "{errors}");
}

#[test]
fn dashboard_rows_must_be_rows_that_take_a_value() {
    let errors = errors_after_edit("funds_row = \"1.1\"", "funds_row = \"1\"");
    assert!(
        errors
            .to_string()
            .contains("驾驶舱的资金行“1”不是表中可填数的指标"),
        "{errors}"
    );
    let errors = errors_after_edit("key_rows = [\"1.1\",", "key_rows = [\"9.9\",");
    assert!(errors.to_string().contains("主要指标“9.9”"), "{errors}");
    let plan = built_in();
    assert_eq!(plan.dashboard.funds_row.as_deref(), Some("1.1"));
    assert_eq!(plan.dashboard_key_rows().len(), 9);
}

#[test]
fn rule_between_different_units_is_an_error() {
    let errors = errors_after_edit("left = \"1.2.1\"", "left = \"1.2.2\"");
    assert!(errors.to_string().contains("计量单位不同"), "{errors}");
}

#[test]
fn bad_dates_and_periods_are_errors() {
    let date = errors_after_edit("issued_on = \"2017-12-20\"", "issued_on = \"2017-02-30\"");
    assert!(date.to_string().contains("日期“2017-02-30”无效"), "{date}");
    let day = errors_after_edit("deadline_day = 20", "deadline_day = 31");
    assert!(day.to_string().contains("截止日 31 日"), "{day}");
    let period = errors_after_edit("first_period = \"2018Q1\"", "first_period = \"2018Q5\"");
    assert!(period.to_string().contains("2018Q5"), "{period}");
}

#[test]
fn syntax_errors_and_unknown_fields_name_their_line() {
    let syntax = parse_plan("x.toml", "[plan]\ncode = \"a\"\ntitle = \n").unwrap_err();
    assert_eq!(syntax.errors[0].line, 3, "{syntax}");
    assert!(syntax.to_string().contains("文件格式错误"));

    let from = "sort = 20\n";
    let unknown = errors_after_edit(from, "sort = 20\nsortt = 1\n");
    assert_eq!(
        unknown.errors[0].line,
        line_of(BUILT_IN, from) + 1,
        "{unknown}"
    );
}

#[test]
fn floats_in_quantities_are_refused() {
    let errors = errors_after_edit("quantity = 600", "quantity = 600.5");
    assert!(errors.to_string().contains("带引号的字符串"), "{errors}");
    let ok = BUILT_IN.replacen("quantity = 600", "quantity = \"600.5\"", 1);
    assert!(parse_plan("ok.toml", &ok).is_ok());
}

#[test]
fn split_responsibility_cells_are_errors() {
    // Row 1.3 placed in the funds cell after the projects cell has begun splits the funds cell.
    let errors = errors_after_edit(
        "parent = \"1\"\ncell = \"c-schools\"",
        "parent = \"1\"\ncell = \"c-funds\"",
    );
    assert!(errors.to_string().contains("不相连"), "{errors}");
}

#[test]
fn json_view_lists_what_clients_need() {
    let plan = built_in();
    let view = view::PlanView::new(&plan);
    let json = serde_json::to_string(&view).unwrap();
    assert!(json.contains("\"lead_units\""));
    assert!(json.contains("\"cooperating_units\""));
    assert!(json.contains("\"responsible_units\""));
    assert!(json.contains("\"deadline\":\"2018-03-20\""));
    assert!(json.contains("\"quantity\":\"600\""));
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any text: an error list or a plan, never a panic.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
            let _ = parse_plan("fuzz.toml", &text);
        }

        /// The built-in plan with a slice cut out and some text put in its place.
        #[test]
        fn mutated_plan_never_panics(start in 0usize..BUILT_IN.len(), len in 0usize..200, insert in "\\PC{0,20}") {
            let mut bytes = BUILT_IN.as_bytes().to_vec();
            let end = (start + len).min(bytes.len());
            bytes.splice(start..end, insert.bytes());
            if let Ok(text) = String::from_utf8(bytes) {
                if let Err(e) = parse_plan("fuzz.toml", &text) {
                    prop_assert!(e.errors.iter().all(|x| x.line >= 1));
                }
            }
        }
    }
}

#[test]
fn categories_cover_rows_and_tasks_once() {
    let plan = built_in();
    assert_eq!(plan.categories.len(), 6);
    let names: Vec<&str> = plan.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "组织领导",
            "人才支援",
            "资金支持",
            "产业合作",
            "劳务协作",
            "携手奔小康"
        ]
    );
    let twice = errors_after_edit("tasks = [\"1.4-1\"]", "tasks = [\"1.4-1\", \"1.1-1\"]");
    assert!(
        twice
            .to_string()
            .contains("任务“1.1-1”已属于另一个考核类别"),
        "{twice}"
    );
    let missing = errors_after_edit("indicators = [\"3.1\",", "indicators = [\"3.9\",");
    assert!(
        missing.to_string().contains("引用的指标“3.9”没有定义"),
        "{missing}"
    );
}
