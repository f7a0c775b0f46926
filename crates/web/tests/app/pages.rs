use crate::helpers::{spawn_app, spawn_app_on_postgres, TestApp};
use axum::http::StatusCode;

async fn front_page_shows_the_plan_like_the_document(app: TestApp) {
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    for expected in [
        "2017-2020年大兴区、开发区进一步加强帮扶协作工作实施方案",
        "内蒙古自治区 乌兰察布市 察右前旗",
        "新疆生产建设兵团 第十四师 224团",
        "南水北调对口协作",
        "牵头部门",
        "配合部门",
        "区发改委、受援地",
        "区委办、区政府办、区委组织部",
        "每学年 不少于 5批",
        "每年（每个受援地） 不少于 1家",
        "开展携手奔小康、助力打赢脱贫攻坚战工作进展情况表",
        "其中：用于扶贫资金",
        "（市级部门填报）",
        "2018年3月20日",
        "2020年12月20日",
    ] {
        assert!(html.contains(expected), "front page lacks {expected}");
    }
    // The 填报单位 cell of 一、1 spans its five rows, as merged in the original.
    assert!(html.contains("rowspan=\"5\">区财政局、开发区投促局"));
    // Target sums come from the database: 600 + 300 万元 a year.
    assert!(
        html.contains("<td class=\"num\">900</td>"),
        "no exact total"
    );
    app.db.cleanup().await;
}

#[tokio::test]
async fn front_page_on_sqlite() {
    front_page_shows_the_plan_like_the_document(spawn_app().await).await;
}

#[tokio::test]
async fn front_page_on_postgres() {
    if let Some(app) = spawn_app_on_postgres().await {
        front_page_shows_the_plan_like_the_document(app).await;
    }
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/assets/app.css", "/no-such-page"] {
        let r = app.get(path).await;
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert_eq!(r.headers["referrer-policy"], "same-origin");
    }
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let css = app.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.body.contains("@media print"));
    assert_eq!(
        app.get("/assets/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_pages_get_a_chinese_404() {
    let app = spawn_app().await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("页面不存在"));
    assert!(r.body.contains("返回首页"));
}

#[tokio::test]
async fn plan_api_matches_the_plan() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/plan").await;
    assert_eq!(r.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["units"].as_array().unwrap().len(), 38);
    assert_eq!(json["tasks"].as_array().unwrap().len(), 32);
    assert_eq!(json["periods"][0]["code"], "2018Q1");
    assert_eq!(json["periods"][0]["deadline"], "2018-03-20");
    let row = json["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "2.3")
        .unwrap();
    assert_eq!(row["unit"], "亿元");
    assert_eq!(row["precision"], 4);
}

#[tokio::test]
async fn pages_are_compressed_and_every_request_has_an_id() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let app = spawn_app().await;
    let plain = app.get("/").await;
    let id = plain.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let zipped = app
        .send(
            Request::get("/")
                .header(header::ACCEPT_ENCODING, "gzip")
                .header("x-request-id", "clerk-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    // A caller's own id is kept, so a clerk's report of a problem can be found in the log.
    assert_eq!(zipped.headers["x-request-id"], "clerk-42");
    // (The body is read as lossy UTF-8, which can inflate binary bytes up to threefold.)
    assert!(
        zipped.body.len() < plain.body.len() / 2,
        "gzip shrinks the page"
    );
    app.db.cleanup().await;
}
