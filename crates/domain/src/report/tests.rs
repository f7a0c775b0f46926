use super::*;
use crate::plan::parse_plan;

fn plan() -> Plan {
    parse_plan(
        "daxing",
        include_str!("../../../../plans/daxing-2017-2020.toml"),
    )
    .unwrap()
}

fn raw(indicator: &str, value: &str) -> RawEntry {
    RawEntry {
        indicator: indicator.into(),
        value: Some(value.into()),
        comment: None,
    }
}

fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, Entry> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                Entry {
                    value: Some(v.parse().unwrap()),
                    comment: String::new(),
                },
            )
        })
        .collect()
}

#[test]
fn rows_are_named_as_printed() {
    let p = plan();
    let r = |c: &str| p.row_ref(p.indicator(c).unwrap());
    assert_eq!(r("1.2"), "一、2 实施援建项目");
    assert_eq!(r("1.2.1"), "一、2 其中：已实施援建项目");
    assert_eq!(
        r("1.1.1"),
        "一、1.1 市财政安排的大盘子规划内援助资金（前指、挂职干部团队）"
    );
    assert_eq!(r("1.1.1.1"), "一、1.1 其中：用于扶贫资金");
    assert_eq!(r("6"), "六、结对区县领导考察互访");
    assert_eq!(r("5.1"), "五、各区动员社会各界捐助款物折合资金数");
    assert_eq!(r("3.3.1"), "三、3 帮助贫困户实现就业");
}

/// Only the findings of the rules between rows (on submit, empty rows are findings too).
fn between_rows(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| f.rule != "required")
        .collect()
}

#[test]
fn of_which_row_never_exceeds_its_parent() {
    let p = plan();
    let findings = check_report(
        &p,
        "fgw",
        &entries(&[("1.2", "3"), ("1.2.1", "5")]),
        &BTreeMap::new(),
        CheckMode::Submit,
    );
    let findings = between_rows(findings);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "at_most");
    assert_eq!(
        findings[0].message,
        "一、2 其中：已实施援建项目 (5) 不能大于 实施援建项目 (3)"
    );
    assert!(has_errors(&findings));
}

#[test]
fn parent_must_equal_the_sum_of_its_parts() {
    let p = plan();
    let bad = check_report(
        &p,
        "czj",
        &entries(&[("1.1", "100"), ("1.1.1", "60.5"), ("1.1.2", "39.4")]),
        &BTreeMap::new(),
        CheckMode::Submit,
    );
    let bad = between_rows(bad);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].rule, "sum");
    assert!(
        bad[0].message.contains("(100) 应等于"),
        "{}",
        bad[0].message
    );
    assert!(bad[0].message.contains("之和 (99.9)"), "{}", bad[0].message);
    let good = check_report(
        &p,
        "czj",
        &entries(&[("1.1", "100"), ("1.1.1", "60.5"), ("1.1.2", "39.5")]),
        &BTreeMap::new(),
        CheckMode::Save,
    );
    assert!(good.is_empty(), "{good:?}");
}

#[test]
fn a_draft_breaking_a_rule_between_rows_saves_with_a_warning() {
    let p = plan();
    let broken = entries(&[("1.1", "100"), ("1.1.1", "60.5"), ("1.1.2", "39.4")]);
    let on_save = check_report(&p, "czj", &broken, &BTreeMap::new(), CheckMode::Save);
    assert_eq!(on_save.len(), 1, "{on_save:?}");
    assert_eq!(on_save[0].severity, Severity::Warning);
    assert!(!has_errors(&on_save));
    assert!(
        on_save[0].message.ends_with("（草稿已保存，报送前须改正）"),
        "{}",
        on_save[0].message
    );
    let over = entries(&[("1.2", "3"), ("1.2.1", "5")]);
    let on_save = check_report(&p, "fgw", &over, &BTreeMap::new(), CheckMode::Save);
    assert_eq!(on_save[0].rule, "at_most");
    assert!(!has_errors(&on_save));
}

#[test]
fn rules_wait_until_all_their_rows_are_filled() {
    let p = plan();
    let f = check_report(
        &p,
        "czj",
        &entries(&[("1.1", "100")]),
        &BTreeMap::new(),
        CheckMode::Save,
    );
    assert!(f.is_empty());
}

#[test]
fn parsing_checks_numbers_sign_precision_and_ownership() {
    let p = plan();
    let err = parse_entries(
        &p,
        "jw",
        &[
            raw("1.3", "abc"),
            raw("4.2", "-1"),
            raw("4.2.1", "1.5"),
            raw("1.4", "2"),
            raw("9.9", "1"),
        ],
    )
    .unwrap_err();
    let rules: Vec<&str> = err.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec![
            "number",
            "non_negative",
            "precision",
            "not_owned",
            "not_owned"
        ]
    );
    assert_eq!(
        err[0].message,
        "一、3 与扶贫协作地区学校结对数：“abc”不是数字"
    );
    assert!(err[3].message.contains("不由本单位填报"));
    let ok = parse_entries(&p, "czj", &[raw("1.1", "１２．５０"), raw("1.1.1", "")]).unwrap();
    assert_eq!(ok["1.1"].value.unwrap().to_string(), "12.5");
    assert_eq!(ok["1.1.1"].value, None);
    let too_fine = parse_entries(&p, "czj", &[raw("1.1", "1.234")]).unwrap_err();
    assert_eq!(too_fine[0].rule, "precision");
}

#[test]
fn misplaced_commas_and_minus_zero_are_refused_with_the_row_named() {
    let p = plan();
    let err = parse_entries(&p, "jw", &[raw("1.3", "1,5"), raw("1.4", "12,34,5")]).unwrap_err();
    assert_eq!(err.len(), 2, "{err:?}");
    assert_eq!(err[0].rule, "number");
    assert!(
        err[0]
            .message
            .starts_with("一、3 与扶贫协作地区学校结对数：")
            && err[0].message.contains("“1,5”"),
        "{}",
        err[0].message
    );
    let minus_zero = parse_entries(&p, "jw", &[raw("1.3", "-0")]).unwrap_err();
    assert_eq!(minus_zero[0].rule, "non_negative");
    let grouped = parse_entries(&p, "czj", &[raw("1.1", "1,200.50")]).unwrap();
    assert_eq!(grouped["1.1"].value.unwrap().to_string(), "1200.5");
}

#[test]
fn group_members_fill_their_groups_rows() {
    let p = plan();
    assert!(parse_entries(&p, "hc", &[raw("1.5", "2")]).is_ok());
    assert!(parse_entries(&p, "jw", &[raw("1.5", "2")]).is_err());
}

#[test]
fn ytd_decrease_warns_and_needs_a_comment_to_submit() {
    let p = plan();
    let previous: BTreeMap<String, Quantity> = [("1.3".to_string(), "5".parse().unwrap())].into();
    let mut e = entries(&[("1.3", "3")]);
    let on_save = check_report(&p, "jw", &e, &previous, CheckMode::Save);
    let warning = on_save.iter().find(|f| f.rule == "ytd_decrease").unwrap();
    assert_eq!(warning.severity, Severity::Warning);
    assert!(!has_errors(&on_save));
    let on_submit = check_report(&p, "jw", &e, &previous, CheckMode::Submit);
    assert!(on_submit
        .iter()
        .any(|f| f.rule == "ytd_decrease" && f.severity == Severity::Error));
    e.get_mut("1.3").unwrap().comment = "上季度重复统计，已更正".into();
    let explained = check_report(&p, "jw", &e, &previous, CheckMode::Submit);
    assert!(explained
        .iter()
        .all(|f| f.rule != "ytd_decrease" || f.severity == Severity::Warning));
}

#[test]
fn submit_requires_every_row_of_the_unit() {
    let p = plan();
    let f = check_report(
        &p,
        "jw",
        &entries(&[("1.3", "2")]),
        &BTreeMap::new(),
        CheckMode::Submit,
    );
    let missing: Vec<&str> = f
        .iter()
        .filter(|f| f.rule == "required")
        .map(|f| f.indicator.as_str())
        .collect();
    assert_eq!(missing, vec!["1.7", "4.2", "4.2.1", "4.2.2"]);
    assert!(f[0].message.contains("未填写"));
}

#[test]
fn workflow_follows_the_document() {
    use ReportStatus::*;
    use WorkflowAction::*;
    assert_eq!(Submit.apply(Draft), Ok(Submitted));
    assert_eq!(Return.apply(Submitted), Ok(Returned));
    assert_eq!(Submit.apply(Returned), Ok(Submitted));
    assert_eq!(Approve.apply(Submitted), Ok(Approved));
    assert_eq!(Reopen.apply(Approved), Ok(Returned));
    assert_eq!(
        Approve.apply(Draft).unwrap_err(),
        "报表当前状态为“草稿”，不能审核通过"
    );
    assert!(Submit.apply(Approved).is_err());
    assert!(Return.apply(Approved).is_err());
    assert!(Return.needs_reason() && Reopen.needs_reason() && !Approve.needs_reason());
    assert!(
        Draft.editable() && Returned.editable() && !Submitted.editable() && !Approved.editable()
    );
}

#[test]
fn text_must_be_printable_and_bounded() {
    let p = plan();
    let entry = |comment: &str| RawEntry {
        indicator: "1.3".into(),
        value: Some("1".into()),
        comment: Some(comment.into()),
    };
    let long = "说".repeat(MAX_COMMENT_CHARS + 1);
    let f = parse_entries(&p, "jw", &[entry(&long)]).unwrap_err();
    assert!(f[0].message.contains("的说明过长"), "{}", f[0].message);
    let f = parse_entries(&p, "jw", &[entry("正常\u{202E}文本")]).unwrap_err();
    assert!(f[0].message.contains("U+202E"), "{}", f[0].message);
    let f = parse_entries(&p, "jw", &[entry("a\u{0007}b")]).unwrap_err();
    assert_eq!(f[0].rule, "text");
    assert!(parse_entries(&p, "jw", &[entry("第一行\n第二行")]).is_ok());
    let huge = RawEntry {
        indicator: "1.3".into(),
        value: Some("99999999999999999".into()),
        comment: None,
    };
    assert_eq!(
        parse_entries(&p, "jw", &[huge]).unwrap_err()[0].rule,
        "range"
    );
    let n = Narrative {
        progress: "<script>alert(1)</script>".into(),
        problems: "x".repeat(MAX_NARRATIVE_CHARS + 1),
        next_steps: String::new(),
    };
    let f = check_narrative(&n);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.starts_with("存在问题过长"));
}

/// What XML 1.0 cannot hold is refused in every text, the narrative's included, with the field's
/// name: U+FFFE and U+FFFF, and the C0 controls other than tab, line feed and carriage return.
#[test]
fn characters_xml_forbids_are_refused_naming_the_field() {
    for (bad, code) in [
        ("\u{FFFE}", "U+FFFE"),
        ("\u{FFFF}", "U+FFFF"),
        ("\u{0}", "U+0000"),
        ("\u{B}", "U+000B"),
        ("\u{1B}", "U+001B"),
    ] {
        let n = Narrative {
            progress: format!("选派教师{bad}10名"),
            problems: String::new(),
            next_steps: String::new(),
        };
        let f = check_narrative(&n);
        assert_eq!(f.len(), 1, "{code}");
        assert!(f[0].message.starts_with("进展情况含有"), "{}", f[0].message);
        assert!(f[0].message.contains(code), "{}", f[0].message);
        assert!(check_text("问题描述", &format!("a{bad}"), 10)
            .unwrap_err()
            .starts_with("问题描述含有"));
    }
    assert!(check_text("进展情况", "第一行\r\n第二行\t完", 100).is_ok());
}

#[test]
fn narratives_read_as_text_and_old_debug_forms_are_understood() {
    let n = Narrative {
        progress: "完成 \"结对\" 3 所\n第二行\\完".into(),
        problems: "资金到位慢，\u{1f}".into(),
        next_steps: String::new(),
    };
    assert_eq!(
        n.readable(),
        format!(
            "进展情况：{}；存在问题：{}；下步打算：",
            n.progress, n.problems
        )
    );
    assert_eq!(Narrative::from_debug_text(&format!("{n:?}")), Some(n));
    assert_eq!(Narrative::from_debug_text("进展情况：x"), None);
    assert_eq!(
        Narrative::from_debug_text("Narrative { progress: \"x\" }"),
        None
    );
}

/// 四、1 其中 rows (挂职交流 both ways) are parts of 干部交流, not a split of it: each is at most the
/// whole, and together they may exceed it (a cadre counted once each way).
#[test]
fn cadre_exchanges_of_which_rows_are_each_at_most_the_whole() {
    let p = plan();
    let check = |pairs: &[(&str, &str)]| {
        between_rows(check_report(
            &p,
            "zzb",
            &entries(pairs),
            &BTreeMap::new(),
            CheckMode::Save,
        ))
    };
    assert!(check(&[("4.1", "5"), ("4.1.1", "3"), ("4.1.2", "0")]).is_empty());
    assert!(check(&[("4.1", "5"), ("4.1.1", "3"), ("4.1.2", "3")]).is_empty());
    let over = check(&[("4.1", "5"), ("4.1.1", "6"), ("4.1.2", "0")]);
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(over[0].rule, "at_most");
    assert!(
        over[0].message.contains("(6) 不能大于"),
        "{}",
        over[0].message
    );
}
