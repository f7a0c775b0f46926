//! Targets measured by registers (台账): the walnut purchases, the teachers' batches per school
//! year and the school pairings per batch, as the task page shows them.

use crate::helpers::spawn_app;
use crate::registries::{add, teacher};
use axum::http::StatusCode;
use bangfu_domain::user::Role;
use serde_json::json;

/// The walnut target (每年力争解决和田县1万吨核桃) is measured by the 产业合作 register: the
/// purchases the task's units record in 和田县, not other areas' nor other units'.
#[tokio::test]
async fn targets_take_their_status_from_the_register() {
    let app = spawn_app().await;
    let sww = app.user("sww-clerk", Role::Reporter, Some("sww")).await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let purchase = |area: &str, tons: &str| {
        json!({"values": {"kind": "消费扶贫", "name": "和田核桃", "area": area,
                          "date": "2018-02-01", "quantity": tons}})
    };
    add(&app, &sww, "industry", purchase("htx", "0.6")).await;
    add(&app, &sww, "industry", purchase("cyqq", "5")).await;
    add(&app, &jw, "industry", purchase("htx", "5")).await;
    let page = app.get_as(&sww, "/tasks/1.3-3?year=2018").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("0.6 / 1 万吨（60%）"), "{}", page.body);
    // The status is for those who see the district.
    let leader = app.user("leader", Role::Viewer, None).await;
    let page = app.get_as(&leader, "/tasks/1.3-3?year=2018").await;
    assert!(
        page.body.contains(">推进中</span> 0.6 / 1 万吨（60%）"),
        "{}",
        page.body
    );
    add(&app, &sww, "industry", purchase("htx", "0.4")).await;
    let page = app.get_as(&leader, "/tasks/1.3-3?year=2018").await;
    assert!(
        page.body.contains(">已完成</span> 1 / 1 万吨（100%）"),
        "{}",
        page.body
    );
    app.db.cleanup().await;
}

/// 每学年不少于5批 counts the teachers' batches begun in the school year (September to August: the
/// third batch, begun in September, is the next school year's);
/// 每批不少于5对 judges each batch of school pairings on its own.
#[tokio::test]
async fn batch_targets_take_their_status_from_the_registers_batches() {
    let mut app = spawn_app().await;
    // Every quarter of 2018 has begun.
    app.state.clock = bangfu_web::Clock::Fixed("2019-01-15T02:00:00Z".parse().unwrap());
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    for (n, (starts, batch)) in [
        ("2018-01-10", "第一批"),
        ("2018-01-12", "第一批"),
        ("2018-03-01", "第二批"),
        ("2018-09-01", "第三批"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = teacher(&format!("教师{n}"), starts);
        body["values"]["batch"] = json!(batch);
        add(&app, &jw, "talent", body).await;
    }
    // A teacher without a batch, and a doctor with one, are no batch of 短期送教.
    add(&app, &jw, "talent", teacher("无批次", "2018-04-01")).await;
    let mut doctor = teacher("医生", "2018-04-01");
    doctor["values"]["kind"] = json!("医生");
    doctor["values"]["batch"] = json!("第九批");
    add(&app, &jw, "talent", doctor).await;
    let school = |n: usize, batch: &str, signed: &str| {
        json!({"values": {
            "kind": "学校结对", "donor_side": format!("大兴学校{n}"),
            "recipient_side": format!("受援学校{n}"), "area": "cyqq",
            "signed_on": signed, "batch": batch
        }})
    };
    for n in 0..5 {
        add(
            &app,
            &jw,
            "pairings",
            school(n, "2018年第一批", "2018-03-01"),
        )
        .await;
    }
    for n in 5..8 {
        add(
            &app,
            &jw,
            "pairings",
            school(n, "2018年第二批", "2018-10-01"),
        )
        .await;
    }
    let page = app.get_as(&leader, "/tasks/1.2-6?year=2018").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("2 / 5 批（40%）"), "{}", page.body);
    // Counted from the registers: no figure is typed for these targets.
    let own = app.get_as(&jw, "/tasks/1.2-6?year=2018").await;
    assert!(!own.body.contains("id=\"record-progress\""), "{}", own.body);
    let typed = app
        .form(
            "/tasks/1.2-6/progress",
            Some(&jw),
            &[("target", "0"), ("period", "2018Q1"), ("quantity", "5")],
        )
        .await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        typed
            .body
            .contains("该目标由台账“人才交流”中的条目自动计算，请在台账中登记"),
        "{}",
        typed.body
    );
    // One batch of two meets 5 对: half the target.
    assert!(page.body.contains("2.5 / 5 对（50%）"), "{}", page.body);
    for n in 8..10 {
        add(
            &app,
            &jw,
            "pairings",
            school(n, "2018年第二批", "2018-10-02"),
        )
        .await;
    }
    let page = app.get_as(&leader, "/tasks/1.2-6?year=2018").await;
    assert!(
        page.body.contains(">已完成</span> 5 / 5 对（100%）"),
        "{}",
        page.body
    );
    app.db.cleanup().await;
}
