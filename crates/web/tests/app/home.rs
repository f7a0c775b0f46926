//! Each role's first page: the coordinator's quarter (who has not reported and whom to call, the
//! problems coming due), the leader's dashboard, the finance office's ledger.

use crate::helpers::spawn_app;
use axum::http::StatusCode;
use bangfu_domain::user::Role;

#[tokio::test]
async fn each_role_lands_where_its_work_is() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    app.add_user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let finance = app.user("czj-cw", Role::Finance, None).await;

    let to = |r: &crate::helpers::TestResponse| (r.status, r.location().to_string());
    assert_eq!(
        to(&app.get_as(&leader, "/home").await),
        (StatusCode::SEE_OTHER, "/dashboard".to_string())
    );
    assert_eq!(
        to(&app.get_as(&finance, "/home").await),
        (StatusCode::SEE_OTHER, "/ledger".to_string())
    );

    // 区教委 submits 2018Q1; 区卫计委 has not: the coordinator sees whom to call.
    crate::reporting::submit_jw_complete(&app, &jw).await;
    let problem = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "交通不便影响支教"),
                ("unit", "jw"),
                ("source", "督查"),
                ("due", "2018/3/12"),
            ],
        )
        .await;
    assert_eq!(problem.status, StatusCode::SEE_OTHER, "{}", problem.body);

    let home = app.get_as(&fgw, "/home").await;
    assert_eq!(home.status, StatusCode::OK);
    let body = &home.body;
    assert!(body.contains("本季度报送：2018年第一季度"), "{body}");
    assert!(body.contains("已报送 <strong id=\"reported-count\">1</strong> 个"));
    let waiting = body.split("id=\"not-reported\"").nth(1).unwrap();
    let waiting = waiting.split("</table>").next().unwrap();
    assert!(waiting.contains("区卫计委") && waiting.contains("未填报"));
    assert!(waiting.contains("陈静") && waiting.contains("tel:010-69200000"));
    assert!(
        !waiting.contains("区教委"),
        "a unit that reported is not chased"
    );
    let due = body.split("id=\"problems-due\"").nth(1).unwrap();
    assert!(due.contains("交通不便影响支教") && due.contains("2018年3月12日"));
}

/// Another district's plan: its own key figures and funds row, none of Daxing's.
#[tokio::test]
async fn the_dashboard_shows_what_the_plan_file_names() {
    let daxing = include_str!("../../../../plans/daxing-2017-2020.toml");
    let dashboard = "[dashboard]\nkey_rows = [\"1.1\", \"1.1.2\", \"1.2\", \"1.2.2\", \"1.3\", \"1.4\", \"2.3\", \"3.2\", \"5.1\"]\nfunds_row = \"1.1\"\n";
    assert!(
        daxing.contains(dashboard),
        "the built-in plan names its dashboard"
    );
    let other = daxing
        .replace(dashboard, "[dashboard]\nkey_rows = [\"3.2\", \"5.1\"]\n")
        .replace("district = \"大兴区\"", "district = \"某某区\"");
    let app = crate::helpers::spawn_app_with_plan(&other).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/dashboard?year=2018").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let figures = page.body.split("id=\"key-figures\"").nth(1).unwrap();
    let figures = figures.split("</table>").next().unwrap();
    assert_eq!(figures.matches("<tr><td>").count(), 2, "{figures}");
    assert!(
        figures.contains("三、2") && figures.contains("五、"),
        "{figures}"
    );
    assert!(
        !page.body.contains("id=\"funds\""),
        "no funds row named, no funds chart"
    );

    // Each key figure beside the plan's targets its row measures (一、4 医疗机构结对: 每年（每个受援地）
    // 不少于 1 家; 一、1.2 区级资金: 每年 约 600 万元).
    let page = app_daxing_dashboard().await;
    let figures = page.split("id=\"key-figures\"").nth(1).unwrap();
    let figures = figures.split("</table>").next().unwrap();
    assert!(figures.contains("方案目标"), "{figures}");
    let row = |label: &str| {
        let row = figures.split(label).nth(1).unwrap();
        row.split("</tr>").next().unwrap().to_string()
    };
    assert!(row("一、4").contains("不少于 1家"), "{}", row("一、4"));
    assert!(row("一、1.2").contains("600"), "{}", row("一、1.2"));
    assert!(
        row("五、").contains("<td class=\"target\">—</td>"),
        "{}",
        row("五、")
    );

    // Without a [dashboard] table: the first row of each section that takes a value.
    let bare = daxing.replace(dashboard, "");
    let app = crate::helpers::spawn_app_with_plan(&bare).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/dashboard?year=2018").await;
    assert_eq!(page.status, StatusCode::OK);
    let figures = page.body.split("id=\"key-figures\"").nth(1).unwrap();
    let figures = figures.split("</table>").next().unwrap();
    assert!(
        figures.contains("一、1") && figures.contains("六、"),
        "{figures}"
    );
}

/// The built-in plan's dashboard as the leader sees it in 2018.
async fn app_daxing_dashboard() -> String {
    let app = spawn_app().await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/dashboard?year=2018").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

/// 全区汇总 keeps the form's headings, says what it counts, and tells 0 from no data.
#[tokio::test]
async fn the_summary_reads_like_the_form() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    crate::reporting::submit_jw_complete(&app, &jw).await;
    let page = app.get_as(&fgw, "/summary/2018Q1").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for heading in ["一、", "二、产业合作", "四、"] {
        assert!(body.contains(heading), "{heading}");
    }
    assert!(body.contains("data-heading=\"2\""), "{body}");
    assert!(body.contains("统计已报送和已审核的报表（不含草稿）"));
    let row = |code: &str| {
        body.split(&format!("data-indicator=\"{code}\""))
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("1.7").contains(">0<"),
        "区教委 filled 0: {}",
        row("1.7")
    );
    assert!(
        row("2.3").contains(">—<"),
        "nobody filled 2.3: {}",
        row("2.3")
    );
}

/// A refused or missing page keeps the signed-in header and leads back to one's work; a visitor's
/// error page offers the login.
#[tokio::test]
async fn error_pages_keep_the_signed_in_header_and_a_way_back() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    for (path, status, heading) in [
        ("/admin/users", StatusCode::FORBIDDEN, "没有权限"),
        ("/no-such-page", StatusCode::NOT_FOUND, "页面不存在"),
        ("/reports/2018Q1/wjw", StatusCode::FORBIDDEN, "没有权限"),
    ] {
        let page = app.get_as(&jw, path).await;
        assert_eq!(page.status, status, "{path}");
        assert!(page.body.contains(heading), "{path}");
        assert!(page.body.contains("张伟（填报人）"), "{path}: the header");
        assert!(
            page.body.contains("href=\"/home\" id=\"back-home\""),
            "{path}"
        );
        assert!(
            !page.body.contains("href=\"/login\""),
            "{path}: not logged out"
        );
    }
    let page = app.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("href=\"/login\""));
}
