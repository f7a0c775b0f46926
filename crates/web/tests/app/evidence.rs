//! 佐证材料 on the report page: refused files keep the page, evidence may be added until approval,
//! and its uploader may take a file back until then.

use crate::helpers::spawn_app;
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use serde_json::json;

const PAGE: &str = "/reports/2018Q1/jw";

#[tokio::test]
async fn evidence_is_added_until_approval_and_removed_by_its_uploader() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let coordinator = app.user("coordinator", Role::Coordinator, None).await;
    let evidence_url = format!("{PAGE}/evidence");

    // A wrong type: the report page again, signed in, with the reason beside the evidence.
    let wrong = app
        .upload(&evidence_url, &jw, "名单.exe", b"MZ\x90\x00")
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("佐证材料未上传"), "{}", wrong.body);
    assert!(wrong.body.contains("类型不支持"));
    let beside = wrong.body.split("id=\"evidence-form\"").nth(1).unwrap();
    let beside = beside.split("</section>").next().unwrap();
    assert!(
        beside.contains("id=\"evidence-error\"") && beside.contains("类型不支持"),
        "the reason under the file field: {beside}"
    );
    assert!(beside.contains("aria-describedby=\"evidence-error\""));
    assert!(
        wrong.body.contains("id=\"report-form\""),
        "the report page itself"
    );
    assert!(wrong.body.contains("退出"), "the signed-in header");

    let first = app
        .upload(&evidence_url, &jw, "支教协议.pdf", b"%PDF-1.4 a")
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let page = app.get_as(&jw, PAGE).await;
    assert!(page.body.contains("审核通过前仍可补充佐证材料"));

    // Submitted: values are locked, evidence is still welcome.
    crate::reporting::submit_jw_complete(&app, &jw).await;
    let later = app
        .upload(&evidence_url, &jw, "照片.png", b"\x89PNG\r\n\x1a\nrest")
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER, "{}", later.body);
    let stored = app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.evidence.len(), 2);
    let (first_id, photo_id) = (stored.evidence[0].id, stored.evidence[1].id);

    // The uploader removes one; the file is gone and the removal is in the audit log.
    let page = app.get_as(&jw, PAGE).await;
    assert!(page
        .body
        .contains(&format!("id=\"remove-evidence-{photo_id}\"")));
    let removed = app
        .form(&format!("/evidence/{photo_id}/delete"), Some(&jw), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert!(removed.location().ends_with("msg=evidence_removed"));
    let stored = app
        .state
        .store
        .report("2018Q1", "jw")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.evidence.len(), 1);
    assert_eq!(
        app.get_as(&jw, &format!("/evidence/{photo_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let trail = app
        .state
        .store
        .search_audit(&bangfu_store::AuditFilter {
            key_like: "2018Q1/jw".into(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let trail: Vec<_> = trail
        .into_iter()
        .filter(|e| e.action == "report.evidence.remove")
        .collect();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].old_value.as_deref(), Some("照片.png"));

    // Approved: nothing is added or removed any more, and the page says why.
    let approved = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/approve",
            Some(&coordinator),
            json!({}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let refused = app
        .upload(&evidence_url, &jw, "补充.pdf", b"%PDF-1.4 b")
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("已审核"), "{}", refused.body);
    let kept = app
        .form(&format!("/evidence/{first_id}/delete"), Some(&jw), &[])
        .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(kept.body.contains("审核通过，佐证材料不能再删除"));
    let page = app.get_as(&jw, PAGE).await;
    assert!(!page.body.contains("id=\"evidence-form\""));
    assert!(!page.body.contains("remove-evidence-"));
}
