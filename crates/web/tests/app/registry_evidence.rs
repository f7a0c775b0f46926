//! 佐证材料 on register entries: the unit that keeps the entry attaches files, everyone who may see
//! the entry downloads them, a wrong file is refused on the entry's page, a voided entry takes none.

use crate::helpers::spawn_app;
use crate::registries::{add, teacher};
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

#[tokio::test]
async fn a_unit_attaches_evidence_to_its_entry_and_others_only_read_it() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let wjw = app.user("wjw-clerk", Role::Reporter, Some("wjw")).await;
    let leader = app.user("leader", Role::Viewer, None).await;
    let entry = add(&app, &jw, "talent", teacher("张老师", "2018-01-15")).await;
    let id = entry["id"].as_i64().unwrap();
    let page = format!("/registries/talent/entries/{id}");
    let upload = format!("{page}/evidence");

    let pdf = b"%PDF-1.4 agreement of the teachers' exchange".to_vec();
    let sent = app.upload(&upload, &jw, "选派协议.pdf", &pdf).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let shown = app.get_as(&jw, &format!("{page}?msg=uploaded")).await;
    assert!(shown.body.contains("佐证材料已上传。"), "{}", shown.body);
    assert!(shown.body.contains(">选派协议.pdf</a>"), "{}", shown.body);
    // People by their names, never their logins: who entered the entry and uploaded the file.
    assert!(shown.body.contains("张伟"), "{}", shown.body);
    let around = |body: &str| {
        body.lines()
            .filter(|l| l.replace("张伟", "").contains("jw-clerk"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(around(&shown.body).is_empty(), "{:?}", around(&shown.body));
    let list = app.get_as(&jw, "/registries/talent").await;
    assert!(list.body.contains("张伟") && !list.body.contains("jw-clerk "));
    let link = shown
        .body
        .split("href=\"/registry-evidence/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the file");
    let file = app
        .get_as(&leader, &format!("/registry-evidence/{link}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body.as_bytes(), pdf.as_slice());
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // Another unit's reporter may neither attach nor (not seeing the entry) download.
    let refused = app.upload(&upload, &wjw, "x.pdf", &pdf).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let hidden = app
        .get_as(&wjw, &format!("/registry-evidence/{link}"))
        .await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);

    // A file whose content is not what its name says: the entry's page, with the reason.
    let fake = app.upload(&upload, &jw, "名单.pdf", b"MZ not a pdf").await;
    assert_eq!(fake.status, StatusCode::BAD_REQUEST);
    assert!(
        fake.body
            .contains("佐证材料未上传：文件“名单.pdf”的内容与扩展名 .pdf 不符"),
        "{}",
        fake.body
    );
    assert!(fake.body.contains(">选派协议.pdf</a>"), "the list stays");

    // A voided entry keeps its files and takes no more.
    let voided = app
        .json(
            Method::POST,
            &format!("/api/v1/registries/talent/entries/{id}/void"),
            Some(&jw),
            json!({"reason": "重复登记"}),
        )
        .await;
    assert_eq!(voided.status, StatusCode::OK, "{}", voided.body);
    let late = app.upload(&upload, &jw, "补充.pdf", &pdf).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(
        late.body.contains("台账条目已作废，不能再上传佐证材料"),
        "{}",
        late.body
    );
    let after = app.get_as(&leader, &page).await;
    assert!(after.body.contains(">选派协议.pdf</a>"), "{}", after.body);

    // The audit trail names the file.
    let auditor = app.user("auditor", Role::Auditor, None).await;
    let audit = app.get_as(&auditor, "/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("上传台账佐证材料"), "{}", audit.body);
    assert!(audit.body.contains("选派协议.pdf"), "{}", audit.body);
    app.db.cleanup().await;
}
