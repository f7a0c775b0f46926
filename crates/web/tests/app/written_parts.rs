//! The quarter's written report part by part, against what it is drawn from: every figure equal
//! to `/api/v1/summary`, each unit's words once under its section, drafts marked sentence by
//! sentence, the problems log as it stood at the quarter's end, the reporting status, the 附件,
//! and 同比 across two years. The document is read back paragraph by paragraph, in order.

use crate::helpers::{spawn_app, spawn_app_on_postgres, Client, TestApp};
use crate::reporting::values;
use crate::sheets::{get_bytes, soffice_on_path};
use crate::written::opens_in_libreoffice;
use axum::http::{Method, StatusCode};
use bangfu_docx::testing::{paragraphs, tables, Para};
use bangfu_domain::user::Role;
use bangfu_web::Clock;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

fn at(app: &mut TestApp, when: &str) {
    app.state.clock = Clock::Fixed(when.parse().unwrap());
}

fn words(progress: &str) -> Value {
    json!({"progress": progress, "problems": "", "next_steps": ""})
}

/// Saves `unit`'s rows and words for `period` through the API (a draft until submitted).
async fn put_values(
    app: &TestApp,
    who: &Client,
    (period, unit): (&str, &str),
    rows: &[(&str, &str)],
    n: Value,
) -> crate::helpers::TestResponse {
    let mut body = values(rows);
    body["narrative"] = n;
    let path = format!("/api/v1/reports/{period}/{unit}/values");
    app.json(Method::PUT, &path, Some(who), body).await
}

/// [`put_values`], which must be accepted.
async fn file(app: &TestApp, who: &Client, whose: (&str, &str), rows: &[(&str, &str)], n: Value) {
    let r = put_values(app, who, whose, rows, n).await;
    assert_eq!(r.status, StatusCode::OK, "{whose:?}: {}", r.body);
}

/// A workflow step (submit, approve) on `unit`'s report of `period`.
async fn act(app: &TestApp, who: &Client, period: &str, unit: &str, action: &str) {
    let path = format!("/api/v1/reports/{period}/{unit}/{action}");
    let r = app.json(Method::POST, &path, Some(who), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
}

/// Raises a problem of 区教委 in the log, as of the clock's day.
async fn raise(app: &TestApp, fgw: &Client, description: &str) -> i64 {
    let fields = [
        ("description", description),
        ("unit", "jw"),
        ("owner", "张三"),
        ("due", "2018年7月31日"),
    ];
    let r = app.form("/problems", Some(fgw), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = app.state.store.problems().await.unwrap();
    all.iter()
        .find(|p| p.description == description)
        .expect("raised")
        .id
}

/// A document as a reader sees it: its paragraphs in order (headings are the 黑体 ones) and its
/// tables.
struct Doc {
    paras: Vec<Para>,
    tables: Vec<Vec<Vec<String>>>,
}

fn is_heading(p: &Para) -> bool {
    p.east_asia.iter().any(|f| f == "黑体")
}

impl Doc {
    async fn get(app: &TestApp, who: &Client, path: &str) -> Doc {
        let (status, _, bytes) = get_bytes(app, who, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        Doc {
            paras: paragraphs(&bytes),
            tables: tables(&bytes),
        }
    }

    /// The paragraphs with text between the heading `heading` and the next heading (the page
    /// break before the 附件 is an empty paragraph).
    fn under(&self, heading: &str) -> Vec<&str> {
        let start = self
            .paras
            .iter()
            .position(|p| p.text == heading && is_heading(p))
            .unwrap_or_else(|| panic!("no heading “{heading}”"));
        self.paras[start + 1..]
            .iter()
            .take_while(|p| !is_heading(p))
            .filter(|p| !p.text.is_empty())
            .map(|p| p.text.as_str())
            .collect()
    }

    /// How many paragraphs say exactly `text`.
    fn count(&self, text: &str) -> usize {
        self.paras.iter().filter(|p| p.text == text).count()
    }

    fn has(&self, piece: &str) -> bool {
        self.paras.iter().any(|p| p.text.contains(piece))
    }
}

/// The number written right after `prefix` in `text`, as a decimal.
fn number_after(text: &str, prefix: &str) -> Decimal {
    let rest = &text[text
        .find(prefix)
        .unwrap_or_else(|| panic!("“{prefix}” in “{text}”"))
        + prefix.len()..];
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    Decimal::from_str(&digits).unwrap_or_else(|_| panic!("a number after “{prefix}” in “{text}”"))
}

/// The non-null totals of a `/api/v1/summary` answer, by row code, as decimals.
fn totals(summary: &Value) -> BTreeMap<String, Decimal> {
    summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let total = r["total"].as_str()?;
            Some((
                r["indicator"].as_str().unwrap().to_string(),
                Decimal::from_str(total).unwrap(),
            ))
        })
        .collect()
}

/// The heading of the part of the document for the plan's section `top` ("二、政府援助"…).
fn section_heading(plan: &bangfu_domain::Plan, top: &str) -> String {
    let numbers = ["二", "三", "四", "五", "六", "七", "八"];
    let (n, section) = plan
        .indicators
        .iter()
        .filter(|i| i.parent.is_none())
        .enumerate()
        .find(|(_, i)| i.code == top)
        .unwrap();
    format!("{}、{}", numbers[n], section.name)
}

fn top_of<'a>(plan: &'a bangfu_domain::Plan, code: &'a str) -> &'a str {
    let mut row = plan.indicator(code).unwrap();
    while let Some(parent) = row.parent.as_deref() {
        row = plan.indicator(parent).unwrap();
    }
    &row.code
}

const JW_Q2: &str = "（区教委）选派骨干教师12名赴察右前旗支教。";

/// Sets the clock to `when` and signs `logins` in again (a session does not outlive months).
async fn at_signed_in<const N: usize>(
    app: &mut TestApp,
    when: &str,
    logins: [&str; N],
) -> [Client; N] {
    at(app, when);
    let mut out = Vec::new();
    for login in logins {
        out.push(app.login(login).await);
    }
    out.try_into().unwrap()
}

/// 2018: 区教委 in Q1; in Q2 区教委, 区商务委 and 区委宣传部 on time, 区卫计委 late and approved,
/// 区人保局 a draft; problems raised in the quarter (one resolved) and one in July. Every unit also
/// fills 1.7 (其他单位结对数, 0), as the plan asks of 相关单位.
async fn a_second_quarter(app: &mut TestApp) -> Client {
    at(app, "2018-03-10T02:00:00Z");
    app.add_user("coordinator", Role::Coordinator, None).await;
    for unit in ["jw", "sww", "xcb", "rbj", "wjw"] {
        let login = format!("{unit}-clerk");
        app.add_user(&login, Role::Reporter, Some(unit)).await;
    }
    let jw = app.login("jw-clerk").await;
    crate::reporting::submit_jw_complete(app, &jw).await;
    let [fgw, jw, sww, xcb, rbj] = at_signed_in(
        app,
        "2018-06-10T02:00:00Z",
        [
            "coordinator",
            "jw-clerk",
            "sww-clerk",
            "xcb-clerk",
            "rbj-clerk",
        ],
    )
    .await;
    let jw_rows = [
        ("1.3", "4"),
        ("1.7", "0"),
        ("4.2", "15"),
        ("4.2.1", "12"),
        ("4.2.2", "3"),
    ];
    let jw_words = json!({
        "progress": "选派骨干教师12名赴察右前旗支教。\n组织两地校长交流。",
        "problems": "部分教师轮换衔接不畅。",
        "next_steps": "下季度再选派教师5名。"
    });
    file(app, &jw, ("2018Q2", "jw"), &jw_rows, jw_words).await;
    act(app, &jw, "2018Q2", "jw", "submit").await;
    let sww_rows = [
        ("1.7", "0"),
        ("2.1", "2"),
        ("2.2", "3"),
        ("2.3", "1.2345"),
        ("2.4", "0.015"),
    ];
    let sww_words = words("引导3家企业赴和田县投资。");
    file(app, &sww, ("2018Q2", "sww"), &sww_rows, sww_words).await;
    act(app, &sww, "2018Q2", "sww", "submit").await;
    let xcb_rows = [("1.7", "0"), ("5.1", "250.5")];
    let xcb_words = words("动员社会各界捐款250.5万元。");
    file(app, &xcb, ("2018Q2", "xcb"), &xcb_rows, xcb_words).await;
    act(app, &xcb, "2018Q2", "xcb", "submit").await;
    let rbj_rows = [
        ("1.7", "0"),
        ("3.1", "1"),
        ("3.2", "50"),
        ("3.3", "10"),
        ("3.3.1", "5"),
    ];
    file(
        app,
        &rbj,
        ("2018Q2", "rbj"),
        &rbj_rows,
        words("举办劳务培训班1期。"),
    )
    .await;
    raise(app, &fgw, "教师周转房不足").await;
    let done = raise(app, &fgw, "已经解决的问题").await;
    let fields = [("status", "resolved"), ("resolution", "已协调解决")];
    let r = app
        .form(&format!("/problems/{done}"), Some(&fgw), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let [fgw, wjw] = at_signed_in(app, "2018-06-25T02:00:00Z", ["coordinator", "wjw-clerk"]).await;
    let wjw_rows = [
        ("1.4", "2"),
        ("1.7", "0"),
        ("4.2", "4"),
        ("4.2.1", "3"),
        ("4.2.2", "1"),
    ];
    file(
        app,
        &wjw,
        ("2018Q2", "wjw"),
        &wjw_rows,
        words("派出医生4名。"),
    )
    .await;
    act(app, &wjw, "2018Q2", "wjw", "submit").await;
    act(app, &fgw, "2018Q2", "wjw", "approve").await;
    let [fgw] = at_signed_in(app, "2018-07-05T02:00:00Z", ["coordinator"]).await;
    raise(app, &fgw, "七月新发现的问题").await;
    fgw
}

/// Every non-null row of `/api/v1/summary/2018Q2` in the 附件 and in its section's figures, and
/// the key rows with the quarter's increment of `?basis=quarter` in 一、总体情况; all as decimals.
fn figures_equal_the_summary(plan: &bangfu_domain::Plan, doc: &Doc, ytd: &Value, q: &Value) {
    let ytd = totals(ytd);
    let quarter = totals(q);
    assert!(ytd.len() >= 11, "the reports fill many rows: {ytd:?}");
    let table = &doc.tables[0];
    assert_eq!(
        table.len(),
        plan.indicators.len() + 1,
        "a header and each row"
    );
    assert_eq!(table[0], bangfu_xlsx::FORM_COLUMNS);
    for (cells, row) in table[1..].iter().zip(&plan.indicators) {
        assert!(cells[0].ends_with(&row.label()), "{cells:?}");
        match ytd.get(&row.code) {
            Some(total) => assert_eq!(Decimal::from_str(&cells[2]).unwrap(), *total, "{cells:?}"),
            None => assert!(matches!(cells[2].as_str(), "—" | ""), "{cells:?}"),
        }
    }
    for (code, total) in &ytd {
        let row = plan.indicator(code).unwrap();
        let figures = doc.under(&section_heading(plan, top_of(plan, code)))[0];
        let unit = row.unit.as_deref().unwrap();
        let shown = format!("{} {}", row.name, total.round_dp(plan.precision(unit)));
        assert!(
            figures
                .match_indices(&format!("{} ", row.name))
                .any(|(i, m)| number_after(&figures[i..], m) == *total),
            "{shown} {unit} in “{figures}”"
        );
    }
    let overview = doc.under("一、总体情况")[0];
    let mut key_rows = 0;
    for row in plan.dashboard_key_rows() {
        let Some(total) = ytd.get(&row.code) else {
            assert!(!overview.contains(&row.name), "{}", row.name);
            continue;
        };
        key_rows += 1;
        let clause = overview
            .split('；')
            .find(|c| c.contains(&format!("{} ", row.name)))
            .unwrap_or_else(|| panic!("{} in “{overview}”", row.name));
        assert_eq!(number_after(clause, &format!("{} ", row.name)), *total);
        assert_eq!(number_after(clause, "本季度新增 "), quarter[&row.code]);
        assert!(clause.contains(row.unit.as_deref().unwrap()), "{clause}");
        assert!(
            clause.contains("，去年同期无数据"),
            "2017 is before the plan: {clause}"
        );
    }
    assert!(key_rows >= 4, "{overview}");
}

async fn the_quarter_report_holds_the_summary_and_each_part(mut app: TestApp) {
    let fgw = a_second_quarter(&mut app).await;
    let plan = app.state.plan.clone();
    let doc = Doc::get(&app, &fgw, "/reports/2018Q2/district.docx").await;
    let ytd = app.get_as(&fgw, "/api/v1/summary/2018Q2").await.json();
    let q = app
        .get_as(&fgw, "/api/v1/summary/2018Q2?basis=quarter")
        .await
        .json();
    figures_equal_the_summary(&plan, &doc, &ytd, &q);

    // Each unit's words once, under the section of the first row it fills; each line its own
    // paragraph; the draft's words absent; the first quarter's words absent.
    for (heading, sentence) in [
        ("二、政府援助", JW_Q2),
        ("二、政府援助", "（区卫计委）派出医生4名。"),
        (
            "三、产业合作（各区、市级部门）",
            "（区商务委）引导3家企业赴和田县投资。",
        ),
        ("六、社会帮扶", "（区委宣传部）动员社会各界捐款250.5万元。"),
    ] {
        assert_eq!(doc.count(sentence), 1, "{sentence}");
        let part = doc.under(heading);
        assert!(
            part.contains(&sentence),
            "{sentence} under {heading}: {part:?}"
        );
    }
    let part = doc.under("二、政府援助");
    let first = part.iter().position(|p| *p == JW_Q2).unwrap();
    assert_eq!(
        part[first + 1],
        "组织两地校长交流。",
        "the second line follows"
    );
    assert!(
        !doc.has("举办劳务培训班"),
        "a draft is not counted by default"
    );
    assert!(!doc.has("（区教委）选派教师"), "the first quarter's words");

    // Problems: the reports' and the log's open ones raised by 30 June; next steps with the
    // log's owner and due date.
    let problems = doc.under("八、存在问题");
    assert!(problems.contains(&"（区教委）部分教师轮换衔接不畅。"));
    assert!(problems.contains(&"（问题台账，区教委）教师周转房不足"));
    assert!(!doc.has("已经解决的问题"), "a resolved problem");
    assert!(!doc.has("七月新发现的问题"), "raised after the quarter");
    let next = doc.under("九、下步打算");
    assert!(next.contains(&"（区教委）下季度再选派教师5名。"));
    assert!(next.contains(
        &"（问题台账，区教委）推动解决“教师周转房不足”，责任人张三，2018年7月31日前办结。"
    ));

    // Targets behind name their lead units, as the plan has them.
    let lagging = doc.under("十、进度滞后的目标");
    assert!(!lagging.is_empty() && lagging[0] != "没有进度滞后的目标。");
    for line in &lagging {
        let code = line.split('：').next().unwrap();
        let task = plan.tasks.iter().find(|t| t.code == code).expect(line);
        let leads = plan.lead_names(task).join("、");
        assert!(line.ends_with(&format!("牵头单位 {leads}")), "{line}");
        assert!(
            line.contains("，完成 ") || line.contains("，暂无完成数据，"),
            "{line}"
        );
    }

    // The reporting status, in its fixed order: late stays late once approved.
    let status = doc.under("十一、报送情况");
    assert_eq!(status.len(), 3, "{status:?}");
    assert!(status[0].starts_with("按时报送（3 个）："), "{status:?}");
    for unit in ["区教委", "区商务委", "区委宣传部"] {
        assert!(status[0].contains(unit), "{unit}");
    }
    assert_eq!(status[1], "迟报（1 个）：区卫计委（已审核）");
    let missing = bangfu_domain::summary::reporting_units(&plan).len() - 4;
    assert!(status[2].starts_with(&format!("缺报（{missing} 个）：")));
    assert!(status[2].contains("区人保局"));

    // LibreOffice converts the whole document without a complaint.
    let (_, _, bytes) = get_bytes(&app, &fgw, "/reports/2018Q2/district.docx").await;
    let dir = tempfile::tempdir().unwrap();
    opens_in_libreoffice(&soffice_on_path(), dir.path(), "q2.docx", &bytes, "pdf").await;
}

#[tokio::test]
async fn the_quarter_report_holds_the_summary_and_each_part_on_sqlite() {
    the_quarter_report_holds_the_summary_and_each_part(spawn_app().await).await;
}

#[tokio::test]
async fn the_quarter_report_holds_the_summary_and_each_part_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        the_quarter_report_holds_the_summary_and_each_part(app).await;
    }
}

/// The switches of 全区汇总 reach the document: drafts counted and marked at each sentence;
/// approved reports only.
#[tokio::test]
async fn drafts_are_marked_at_each_sentence_and_approved_only_is_carried() {
    let mut app = spawn_app().await;
    let fgw = a_second_quarter(&mut app).await;
    let doc = Doc::get(
        &app,
        &fgw,
        "/reports/2018Q2/district.docx?include_drafts=true",
    )
    .await;
    let draft = "（区人保局，草稿）举办劳务培训班1期。";
    assert_eq!(doc.count(draft), 1);
    assert!(doc.under("四、劳务协作（各区、市级部门）").contains(&draft));
    assert_eq!(
        doc.count(JW_Q2),
        1,
        "a submitted report's words are not marked"
    );
    assert!(doc.has("尚未报送的草稿"), "the note at the top");

    let page = app.get_as(&fgw, "/summary/2018Q2?approved_only=true").await;
    let link = "/reports/2018Q2/district.docx?approved_only=true&amp;include_drafts=false";
    assert!(page.body.contains(link), "the button carries the switch");
    for path in [
        link.replace("&amp;", "&"),
        "/api/v1/reports/2018Q2/district.docx?approved_only=true".into(),
    ] {
        let doc = Doc::get(&app, &fgw, &path).await;
        assert_eq!(doc.count("（区卫计委）派出医生4名。"), 1, "{path}");
        assert!(!doc.has("选派骨干教师"), "{path}: only approved reports");
        let rows = &doc.tables[0];
        let value = |label: &str| {
            rows.iter()
                .find(|r| r[0].trim_start_matches('　').starts_with(label))
                .unwrap()[2]
                .clone()
        };
        assert_eq!(value("3.与扶贫协作地区学校结对数"), "—", "{path}");
        assert_eq!(value("4.与扶贫协作地区医院结对数"), "2", "{path}");
    }
}

/// 同比: the year-to-date figures against the same quarter of the year before, in the same scope,
/// exact, the percent to one decimal place.
#[tokio::test]
async fn the_overview_compares_with_the_same_quarter_a_year_before() {
    let mut app = spawn_app().await;
    at(&mut app, "2018-06-10T02:00:00Z");
    app.add_user("coordinator", Role::Coordinator, None).await;
    for unit in ["jw", "sww", "xcb"] {
        let login = format!("{unit}-clerk");
        app.add_user(&login, Role::Reporter, Some(unit)).await;
    }
    let jw_rows = |schools: &'static str| {
        [
            ("1.3", schools),
            ("1.7", "0"),
            ("4.2", "2"),
            ("4.2.1", "1"),
            ("4.2.2", "1"),
        ]
    };
    let mut fgw = None;
    let mut sww = None;
    for (period, schools, donations) in [("2018Q2", "4", "250.5"), ("2019Q2", "6", "100")] {
        let when = format!("{}-06-10T02:00:00Z", &period[..4]);
        let logins = ["coordinator", "jw-clerk", "xcb-clerk", "sww-clerk"];
        let [coordinator, jw, xcb, s] = at_signed_in(&mut app, &when, logins).await;
        file(&app, &jw, (period, "jw"), &jw_rows(schools), words("")).await;
        act(&app, &jw, period, "jw", "submit").await;
        let xcb_rows = [("1.7", "0"), ("5.1", donations)];
        file(&app, &xcb, (period, "xcb"), &xcb_rows, words("")).await;
        act(&app, &xcb, period, "xcb", "submit").await;
        (fgw, sww) = (Some(coordinator), Some(s));
    }
    let (fgw, sww) = (fgw.unwrap(), sww.unwrap());
    let sww_rows = [
        ("1.7", "0"),
        ("2.1", "1"),
        ("2.2", "1"),
        ("2.3", "0.5"),
        ("2.4", "0.01"),
    ];
    file(&app, &sww, ("2019Q2", "sww"), &sww_rows, words("")).await;
    act(&app, &sww, "2019Q2", "sww", "submit").await;

    let doc = Doc::get(&app, &fgw, "/reports/2019Q2/district.docx").await;
    let overview = doc.under("一、总体情况")[0];
    for clause in [
        "与扶贫协作地区学校结对数 6 所（本季度新增 6 所），同比增加 2 所（50.0%）",
        // 150.5 of 250.5 is 60.0798…%.
        "各区动员社会各界捐助款物折合资金数 100.00 万元（本季度新增 100.00 万元），同比减少 150.50 万元（60.1%）",
        "引导企业实际投资额 0.5000 亿元（本季度新增 0.5000 亿元），去年同期无数据",
    ] {
        assert!(overview.contains(clause), "{clause} in “{overview}”");
    }
    let earlier = Doc::get(&app, &fgw, "/reports/2018Q2/district.docx").await;
    assert!(earlier.under("一、总体情况")[0]
        .contains("学校结对数 4 所（本季度新增 4 所），去年同期无数据"));

    // The same scope on both sides: approved only, 2018's report was never approved.
    act(&app, &fgw, "2019Q2", "jw", "approve").await;
    let approved = Doc::get(
        &app,
        &fgw,
        "/reports/2019Q2/district.docx?approved_only=true",
    )
    .await;
    let overview = approved.under("一、总体情况")[0];
    assert!(
        overview.contains("学校结对数 6 所（本季度新增 6 所），去年同期无数据"),
        "{overview}"
    );
    act(&app, &fgw, "2018Q2", "jw", "approve").await;
    let both = Doc::get(
        &app,
        &fgw,
        "/reports/2019Q2/district.docx?approved_only=true",
    )
    .await;
    assert!(both.under("一、总体情况")[0].contains("同比增加 2 所（50.0%）"));
}

/// Text XML forbids is refused at the door, naming the field; and text stored before that check
/// still makes a document every reader opens.
#[tokio::test]
async fn characters_xml_forbids_never_break_the_document() {
    let mut app = spawn_app().await;
    at(&mut app, "2018-03-10T02:00:00Z");
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let hostile = words("选派教师\u{FFFF}10名");
    let r = put_values(&app, &jw, ("2018Q1", "jw"), &[("1.3", "3")], hostile).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    assert!(
        r.body.contains("进展情况含有") && r.body.contains("U+FFFF"),
        "{}",
        r.body
    );
    let fields = [("description", "问题\u{FFFE}"), ("unit", "jw")];
    let r = app.form("/problems", Some(&fgw), &fields).await;
    assert!(r.status.is_client_error(), "{}", r.body);
    assert!(r.body.contains("问题描述含有"), "{}", r.body);

    let narrative = bangfu_domain::report::Narrative {
        progress: "选派\u{FFFE}教师\u{0}10名\u{FFFF}".into(),
        problems: "\u{1B}[31m".into(),
        next_steps: String::new(),
    };
    app.state
        .store
        .save_report(bangfu_store::SaveReport {
            period: "2018Q1".into(),
            unit: "jw".into(),
            expected_version: None,
            entries: BTreeMap::new(),
            narrative: Some(narrative),
            actor: "test".into(),
            address: "127.0.0.1".into(),
            imported_from: None,
            known: None,
        })
        .await
        .unwrap();
    let path = "/reports/2018Q1/district.docx?include_drafts=true";
    let (status, _, bytes) = get_bytes(&app, &fgw, path).await;
    assert_eq!(status, StatusCode::OK);
    // `paragraphs` parses document.xml strictly: a forbidden character would fail here.
    let paras = paragraphs(&bytes);
    assert!(paras
        .iter()
        .any(|p| p.text == "（区教委，草稿）选派教师10名"));
    assert!(docx_rs::read_docx(&bytes).is_ok());
}
