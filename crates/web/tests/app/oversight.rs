//! Supervision and the leaders' page, over HTTP, with a year of reports entered.

use crate::helpers::{spawn_app, TestApp};
use crate::sheets::{first_sheet, row_of};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use bangfu_web::Clock;
use serde_json::json;

/// Every SVG in a page parses as XML.
pub fn svgs_are_well_formed(html: &str) -> usize {
    let mut count = 0;
    for part in html.split("<svg").skip(1) {
        let svg = format!("<svg{}", part.split("</svg>").next().unwrap()) + "</svg>";
        let mut reader = quick_xml::Reader::from_str(&svg);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("SVG not well-formed: {e}\n{svg}"),
            }
        }
        count += 1;
    }
    count
}

pub async fn a_year_of_reports() -> TestApp {
    let mut app = spawn_app().await;
    // Mid-2018: two reporting deadlines have passed.
    app.state.clock = Clock::Fixed("2018-07-02T02:00:00Z".parse().unwrap());
    let czj = app.user("czj-clerk", Role::Reporter, Some("czj")).await;
    let wjw = app.user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    for (client, unit, values) in [
        (
            &czj,
            "czj",
            json!([{"indicator": "1.1", "value": "250.50"}, {"indicator": "1.1.1", "value": "150.50"}, {"indicator": "1.1.2", "value": "100"}]),
        ),
        (&wjw, "wjw", json!([{"indicator": "1.4", "value": "2"}])),
    ] {
        let r = app
            .json(
                Method::PUT,
                &format!("/api/v1/reports/2018Q3/{unit}/values"),
                Some(client),
                json!({"values": values}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    app
}

#[tokio::test]
async fn tasks_show_each_targets_standing_and_the_behind_list_exports() {
    let app = a_year_of_reports().await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let page = app.get_as(&fgw, "/tasks?year=2018").await;
    assert_eq!(page.status, StatusCode::OK);
    // 600 万元 a year, 100 reported by mid-year: behind the half-year share.
    assert!(
        page.body.contains("100 / 600 万元（17%）"),
        "funds target figures"
    );
    assert!(page.body.contains("status-behind"));
    // Two hospital pairings for two counties: done.
    assert!(page.body.contains("2 / 2 家（100%）"));
    let behind = app.get_as(&fgw, "/tasks?year=2018&status=behind").await;
    assert!(behind.body.contains("data-task=\"1.2-1\""));
    assert!(!behind.body.contains("data-task=\"1.2-7\""));
    let filtered = app.get_as(&fgw, "/tasks?lead=wjw").await;
    assert!(
        filtered.body.contains("data-task=\"1.2-7\"")
            && !filtered.body.contains("data-task=\"1.2-1\"")
    );
    let bad = app.get_as(&fgw, "/tasks?year=2031").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let (status, _, bytes) =
        crate::sheets::get_bytes(&app, &fgw, "/supervision.xlsx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    let (name, rows) = first_sheet(&bytes);
    assert_eq!(name, "2018年督办清单");
    assert_eq!(
        rows.len(),
        4,
        "title, headers and the two tasks behind: {rows:?}"
    );
    assert_eq!(
        row_of(&rows, "1.2-1")[3..],
        ["区财政局", "100 / 600 万元（17%）", "300 万元", "33%"]
    );
    assert_eq!(row_of(&rows, "1.1-2")[4], "0 / 2 个（0%）");

    // A reporter sees its own tasks, without the district's figures.
    let clerk = app.login("wjw-clerk").await;
    let mine = app.get_as(&clerk, "/tasks?mine=1").await;
    assert!(mine.body.contains("本单位牵头"));
    assert!(!mine.body.contains("status-behind"));
    assert!(!mine.body.contains("data-task=\"1.2-1\""));
}

#[tokio::test]
async fn the_dashboard_draws_the_entered_figures() {
    let app = a_year_of_reports().await;
    let leader = app.user("leader", Role::Viewer, None).await;
    // The figures are drafts: counted when asked for.
    let page = app
        .get_as(&leader, "/dashboard?year=2018&include_drafts=true")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(svgs_are_well_formed(&page.body), 4);
    assert!(page.body.contains("各受援地资金（2018年，万元，资金台账）"));
    assert!(
        page.body.contains("250.50 万元"),
        "funds of 2018 in the chart"
    );
    assert!(page.body.contains("17%（滞后）"));
    // Funds (17% of 600) and the annual plans with both counties (0 of 2) are behind.
    assert!(page.body.contains("2 个目标滞后"));
    assert!(page.body.contains("role=\"img\""));
    assert!(page.body.contains("href=\"/completeness?year=2018\""));
    assert!(
        page.body.contains("role=\"group\""),
        "the heat map's cells are links"
    );
    assert!(page
        .body
        .contains("下一个报送截止：2018年第三季度，2018年9月20日"));
    assert!(page.body.contains("尚未报送（38 个单位）"));
    // The charts are drawn by the server: the page's only script is the header's menus.
    assert_eq!(page.body.matches("<script").count(), 1);
    assert!(page
        .body
        .contains("<script src=\"/assets/nav.js\" defer></script>"));
    let reporter = app.login("czj-clerk").await;
    assert_eq!(
        app.get_as(&reporter, "/dashboard").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn problems_go_from_a_report_sentence_to_resolution() {
    let app = a_year_of_reports().await;
    let czj = app.login("czj-clerk").await;
    let narrative =
        json!({"values": [], "narrative": {"problems": "1.资金拨付进度慢；2.项目审批周期长。"}});
    app.json(
        Method::PUT,
        "/api/v1/reports/2018Q3/czj/values",
        Some(&czj),
        narrative,
    )
    .await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let page = app.get_as(&fgw, "/reports/2018Q3/czj").await;
    assert!(page.body.contains("登记为问题"));
    assert!(page.body.contains("value=\"资金拨付进度慢\""));
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "资金拨付进度慢"),
                ("unit", "czj"),
                ("source", "2018Q3 区财政局 存在问题"),
                ("owner", "李四"),
                // Written as people write it: the one date parser reads it.
                ("due", "2018年7月1日"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bad = app
        .form(
            "/problems",
            Some(&fgw),
            &[("description", "x"), ("unit", "czj"), ("due", "七月")],
        )
        .await;
    // The list again, the error beside the field and what was typed kept.
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"due-error\">办结期限“七月”无效"));
    assert!(bad.body.contains("value=\"七月\""));

    // Overdue on 2018-07-02: flagged on the dashboard.
    let dash = app.get_as(&fgw, "/dashboard?year=2018").await;
    assert!(dash.body.contains("未解决问题 1 个"));
    assert!(dash.body.contains("其中已超期 1 个"));

    // The unit works on it; another unit's reporter cannot see or touch it.
    let id = app.state.store.problems().await.unwrap()[0].id;
    let list = app.get_as(&czj, "/problems").await;
    assert!(list.body.contains("资金拨付进度慢"));
    let wjw = app.login("wjw-clerk").await;
    assert!(!app
        .get_as(&wjw, "/problems")
        .await
        .body
        .contains("资金拨付进度慢"));
    let r = app
        .form(
            &format!("/problems/{id}"),
            Some(&wjw),
            &[("status", "resolved"), ("resolution", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .form(
            &format!("/problems/{id}"),
            Some(&czj),
            &[("status", "resolved"), ("resolution", "")],
        )
        .await;
    // Refused on the problem's own page, the error beside the field, the choice kept.
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "resolution needed"
    );
    assert!(r
        .body
        .contains("id=\"resolution-error\">标记为已解决时请填写处理情况"));
    assert!(r.body.contains("<option value=\"resolved\" selected>"));
    assert!(r.body.contains("退出"), "the signed-in header");
    // The coordinator reassigns with a date as people write it; a wrong one is named.
    let r = app
        .form(
            &format!("/problems/{id}"),
            Some(&fgw),
            &[
                ("status", "in_progress"),
                ("resolution", "已催办"),
                ("owner", "王五"),
                ("due", "年底"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"due-error\">办结期限“年底”无效"));
    assert!(r.body.contains("value=\"王五\"") && r.body.contains("已催办"));
    let r = app
        .form(
            &format!("/problems/{id}"),
            Some(&fgw),
            &[
                ("status", "in_progress"),
                ("resolution", "已催办"),
                ("owner", "李四"),
                ("due", "2018年7月1日"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_as(&czj, r.location()).await;
    assert!(page.body.contains("问题已更新"));
    assert!(page.body.contains("id=\"problem-history\""));
    assert!(
        page.body.contains("处理中；已催办"),
        "the history shows the change"
    );
    let r = app
        .form(
            &format!("/problems/{id}"),
            Some(&czj),
            &[("status", "resolved"), ("resolution", "已协调拨付")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let dash = app.get_as(&fgw, "/dashboard?year=2018").await;
    assert!(dash.body.contains("未解决问题 0 个"));
    let (status, headers, bytes) = crate::sheets::get_bytes(&app, &czj, "/problems.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let (name, rows) = first_sheet(&bytes);
    assert_eq!(name, "问题台账");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[2],
        [
            "资金拨付进度慢",
            "区财政局",
            "",
            "",
            "2018-07-02",
            "李四",
            "2018-07-01",
            "已解决",
            "已协调拨付"
        ]
    );
}

#[tokio::test]
async fn each_unit_sees_its_score_with_the_reasons() {
    let app = a_year_of_reports().await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    // On 2018-07-02 two quarters are due; 区财政局 reported only for the third (not yet due):
    // completeness 0, timeliness 0, its funds target at 17% of 25 = 4.25, evidence n/a = 5,
    // no coordinator score yet = 0: 9.25.
    let page = app.get_as(&fgw, "/assessment?year=2018").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = page
        .body
        .split("data-unit=\"czj\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap()
        .to_string();
    // Nothing submitted: no points for evidence never supplied (it used to be 5 "按满分计").
    assert!(row.contains("<td class=\"num total\">4.25</td>"), "{row}");
    assert!(
        row.contains("佐证材料：0 / 5（尚无已报送的报表，不得分）"),
        "{row}"
    );
    assert!(
        row.contains("应报 2 期，已报 0 期；缺报：2018年第一季度、2018年第二季度"),
        "{row}"
    );
    assert!(row.contains("1.2-1 完成 17%"), "{row}");
    assert!(row.contains("牵头目标 1 个，平均完成率 17%"));
    let r = app
        .form(
            "/assessment/czj",
            Some(&fgw),
            &[("year", "2018"), ("score", "8"), ("comment", "工作积极")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let too_high = app
        .form(
            "/assessment/czj",
            Some(&fgw),
            &[("year", "2018"), ("score", "12"), ("comment", "表现突出")],
        )
        .await;
    // The page again, the reason in 区财政局's row, what was typed kept.
    assert_eq!(too_high.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_high
        .body
        .contains("id=\"score-error-czj\">评分应在 0 到 10 之间"));
    assert!(too_high.body.contains("value=\"12\"") && too_high.body.contains("value=\"表现突出\""));
    let page = app.get_as(&fgw, "/assessment?year=2018").await;
    assert!(page.body.contains("<td class=\"num total\">12.25</td>"));
    assert!(page.body.contains("评语：工作积极"));
    // A unit sees its own line only.
    let clerk = app.login("czj-clerk").await;
    let own = app.get_as(&clerk, "/assessment?year=2018").await;
    assert!(own.body.contains("data-unit=\"czj\""));
    assert!(!own.body.contains("data-unit=\"wjw\""));
    let (status, _, bytes) =
        crate::sheets::get_bytes(&app, &fgw, "/assessment.xlsx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    let (name, rows) = first_sheet(&bytes);
    assert_eq!(name, "2018年考核");
    assert_eq!(rows.len(), 2 + 38, "a line for each of the 38 units");
    let czj = row_of(&rows, "区财政局");
    assert_eq!(czj[1], "12.25");
    assert_eq!(
        czj[4],
        "4.25（牵头目标 1 个，平均完成率 17%（超过 100% 按 100% 计）：1.2-1 完成 17%）"
    );
    assert_eq!(czj[6..], ["8（汇总单位评定）", "工作积极"]);
}

#[tokio::test]
async fn lead_units_record_progress_that_measures_their_targets() {
    // 2.2-1 (每年至少为茅箭区举办1期培训班) has no form row and no register: 区委组织部 records it.
    let app = a_year_of_reports().await;
    let zzb = app.user("zzb-clerk", Role::Reporter, Some("zzb")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    for period in ["2018Q1", "2018Q2"] {
        let r = app
            .form(
                "/tasks/2.2-1/progress",
                Some(&zzb),
                &[
                    ("target", "0"),
                    ("period", period),
                    ("quantity", "1"),
                    ("note", "对口协作干部培训班"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let bad = app
        .form(
            "/tasks/2.2-1/progress",
            Some(&zzb),
            &[
                ("target", "0"),
                ("period", "2018Q1"),
                ("quantity", "两期"),
                ("note", "第三期已开班"),
            ],
        )
        .await;
    // The task page again: the error beside 数量, everything typed kept, signed in.
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("id=\"quantity-error\">数量："),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"两期\"") && bad.body.contains("第三期已开班"));
    assert!(bad.body.contains("<option value=\"2018Q1\" selected>"));
    assert!(bad.body.contains("退出"));
    // 区卫计委 is neither lead nor cooperating on 2.2-1.
    let wjw = app.login("wjw-clerk").await;
    let r = app
        .form(
            "/tasks/2.2-1/progress",
            Some(&wjw),
            &[("target", "0"), ("period", "2018Q1"), ("quantity", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get_as(&fgw, "/tasks/2.2-1?year=2018").await;
    assert_eq!(page.status, StatusCode::OK);
    // At least 1 期 a year: 2 recorded.
    assert!(page.body.contains("2 / 1 期（200%）"), "{}", page.body);
    assert!(page.body.contains("对口协作干部培训班"));
    assert!(page
        .body
        .contains("<td><span title=\"zzb-clerk\">马超</span></td>"));
    // Another unit's reporter sees the target's totals, not 区委组织部's rows, notes or who typed them.
    let other = app.get_as(&wjw, "/tasks/2.2-1?year=2018").await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(other.body.contains("2 / 1 期（200%）"), "{}", other.body);
    assert!(!other.body.contains("对口协作干部培训班"), "{}", other.body);
    assert!(!other.body.contains("马超"));
    let own = app.get_as(&zzb, "/tasks/2.2-1?year=2018").await;
    assert!(own.body.contains("对口协作干部培训班") && own.body.contains("2 / 1 期（200%）"));
    let per_area = app
        .form(
            "/tasks/1.2-7/progress",
            Some(&wjw),
            &[("target", "0"), ("period", "2018Q1"), ("quantity", "1")],
        )
        .await;
    assert_eq!(per_area.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(per_area
        .body
        .contains("id=\"area-error\">该目标按受援地分别计算，请选择受援地"));
}

#[tokio::test]
async fn each_pairing_has_a_yearly_summary_by_assessment_area() {
    let app = a_year_of_reports().await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/pairings?year=2018").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("大兴区 → 察右前旗"));
    assert!(body.contains("西红门镇 → 224团"));
    // 茅箭区's funds are its own task (2.3-1), not 察右前旗's.
    let maojian = body
        .split("大兴区 → 茅箭区")
        .nth(1)
        .unwrap()
        .split("<section")
        .next()
        .unwrap();
    assert!(maojian.contains("2.3-1") && !maojian.contains("1.2-1"));
    let chayou = body
        .split("大兴区 → 察右前旗")
        .nth(1)
        .unwrap()
        .split("<section")
        .next()
        .unwrap();
    assert!(chayou.contains("<h3>资金支持</h3>") && chayou.contains("1.2-1"));
    assert!(chayou.contains("滞后"));
    assert!(body.contains("一、1.2 各区单独安排援助资金</td><td class=\"num\">100.00</td>"));
    let (status, _, bytes) =
        crate::sheets::get_bytes(&app, &leader, "/pairings.xlsx?year=2018").await;
    assert_eq!(status, StatusCode::OK);
    let (name, rows) = first_sheet(&bytes);
    assert_eq!(name, "2018年结对帮扶情况");
    let task = |code: &str| {
        rows.iter()
            .find(|r| r[0] == "北京市大兴区 → 察右前旗" && r[2].starts_with(code))
            .unwrap_or_else(|| panic!("{code} for 察右前旗 in {rows:?}"))
    };
    assert_eq!(
        task("1.2-1 ")[1..],
        [
            "资金支持",
            "1.2-1 区级援助资金与资金使用监管",
            "区财政局",
            "每年预留600万元左右区级资金用于对口援建：滞后"
        ]
    );
    assert!(task("1.2-7 ")[4].ends_with("：已完成"));
}
