//! Issue 13's "done when" in Chromium: a refused form comes back with every typed value and the
//! signed-in header; a draft breaking a sum saves with a warning and cannot be submitted; the
//! district summary leaves drafts out until asked.

use crate::browser::cycle::{click_to, el, fill, login, text, type_into};
use crate::browser::Browser;
use crate::helpers::{name_of, spawn_app};
use bangfu_domain::user::Role;
use fantoccini::{Client, Locator};

/// Clicks `#id` (a submit button) and waits until `css`'s text contains `needle` on the page
/// that answers (a refused form answers at the same address).
async fn click_until(c: &Client, id: &str, css: &str, needle: &str) -> String {
    let button = el(c, Locator::Id(id)).await;
    button.click().await.unwrap();
    for _ in 0..200 {
        let replaced = button.tag_name().await.is_err();
        if let (true, Ok(found)) = (replaced, c.find(Locator::Css(css)).await) {
            let shown = found.text().await.unwrap_or_default();
            if shown.contains(needle) {
                return shown;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("clicking #{id} did not show “{needle}” in {css}");
}

/// The current value of the form field `css` (what the person sees typed).
pub(crate) async fn value(c: &Client, css: &str) -> String {
    el(c, Locator::Css(css))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn forms_keep_input_drafts_warn_and_the_summary_waits_for_submission_in_chromium() {
    let app = spawn_app().await;
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    app.add_user("coordinator", Role::Coordinator, None).await;
    let base = app.serve().await;
    let browser = Browser::start().await;
    let c = &browser.client;

    // A draft whose 4.2 is not 4.2.1 + 4.2.2: saved, with the warning on the page.
    login(c, &base, "jw-clerk").await;
    c.goto(&format!("{base}/reports/2018Q1/jw")).await.unwrap();
    for (row, v) in [("1.3", "3"), ("4.2", "5"), ("4.2.1", "4"), ("4.2.2", "2")] {
        fill(c, row, v).await;
    }
    click_to(c, "save", "msg=saved").await;
    let warnings = text(c, "#findings").await;
    assert!(warnings.contains("应等于"), "{warnings}");
    assert_eq!(text(c, "#report-status").await, "草稿");
    assert_eq!(
        value(c, "input[name='v.4.2']").await,
        "5",
        "the draft kept it"
    );
    // 报送 refuses it, says why, and the report stays a draft with what was typed.
    click_until(c, "submit", "p.alert.error", "还不能报送").await;
    assert!(text(c, "#findings").await.contains("应等于"));
    assert_eq!(text(c, "#report-status").await, "草稿");
    assert_eq!(value(c, "input[name='v.4.2.2']").await, "2");
    c.delete_all_cookies().await.unwrap();

    // The coordinator: the summary leaves the draft out until drafts are asked for.
    login(c, &base, "coordinator").await;
    c.goto(&format!("{base}/summary/2018Q1")).await.unwrap();
    let total = "tr[data-indicator='1.3'] td.total";
    assert_eq!(text(c, total).await, "—");
    el(c, Locator::Id("include-drafts"))
        .await
        .click()
        .await
        .unwrap();
    el(c, Locator::Css("#summary-options button[type='submit']"))
        .await
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("include_drafts=true")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(text(c, total).await, "3");
    // Whose figure is a draft is said beside it.
    el(c, Locator::Css("tr[data-indicator='1.3'] details summary"))
        .await
        .click()
        .await
        .unwrap();
    let units = text(c, "tr[data-indicator='1.3'] table.by-unit").await;
    assert!(units.contains("区教委（草稿）"), "{units}");
    assert!(text(c, "p.alert.warn#summary-scope").await.contains("草稿"));

    // A problem raised with a date nobody can read: the page again, everything typed kept.
    c.goto(&format!("{base}/problems")).await.unwrap();
    type_into(c, "#raise-description", "结对学校名单未报").await;
    el(
        c,
        Locator::Css("#raise-problem select[name='unit'] option[value='jw']"),
    )
    .await
    .click()
    .await
    .unwrap();
    type_into(c, "#raise-owner", "王五").await;
    type_into(c, "#raise-due", "年底前").await;
    let button = "#raise-problem button[type='submit']";
    el(c, Locator::Css(button)).await.click().await.unwrap();
    let error = text(c, "#due-error").await;
    assert!(error.contains("办结期限“年底前”无效"), "{error}");
    assert_eq!(value(c, "#raise-description").await, "结对学校名单未报");
    assert_eq!(value(c, "#raise-owner").await, "王五");
    assert_eq!(value(c, "#raise-due").await, "年底前");
    assert_eq!(value(c, "#raise-problem select[name='unit']").await, "jw");
    let who = text(c, "header.site .who").await;
    assert!(who.contains(&name_of("coordinator")), "signed in: {who}");
    browser.close().await;
    app.db.cleanup().await;
}
