//! In chromium: 区教委 keeps its registers (a school pairing, two teachers), opens its report,
//! finds the register rows already filled from them, and submits the self-filled form.

use crate::browser::Browser;
use crate::helpers::{spawn_app, PASSWORD};
use bangfu_domain::user::Role;
use fantoccini::{Client, Locator};
use std::time::Duration;

async fn el(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Clicks and waits until the URL contains `part`.
async fn click_to(c: &Client, css: &str, part: &str) {
    el(c, css).await.click().await.unwrap();
    for _ in 0..200 {
        if c.current_url().await.unwrap().as_str().contains(part) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("clicking {css} did not lead to a URL containing {part}");
}

async fn type_into(c: &Client, css: &str, value: &str) {
    let input = el(c, css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

async fn choose(c: &Client, field: &str, value: &str) {
    el(c, &format!("#f-{field} option[value='{value}']"))
        .await
        .click()
        .await
        .unwrap();
}

async fn value_of(c: &Client, row: &str) -> String {
    crate::browser_forms::value(c, &format!("input[name='v.{row}']")).await
}

#[tokio::test]
async fn a_unit_keeps_its_register_and_submits_the_self_filled_form_in_chromium() {
    let app = spawn_app().await;
    app.add_user("jw-clerk", Role::Reporter, Some("jw")).await;
    let base = app.serve().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{base}/login")).await.unwrap();
    type_into(c, "#login", "jw-clerk").await;
    type_into(c, "#password", PASSWORD).await;
    el(c, "#login-button").await.click().await.unwrap();
    for _ in 0..200 {
        if !c.current_url().await.unwrap().path().starts_with("/login") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // From the home page to the registers.
    click_to(c, "#home-registries a", "/registries").await;
    c.goto(&format!("{base}/registries/pairings"))
        .await
        .unwrap();
    choose(c, "kind", "学校结对").await;
    type_into(c, "#f-donor_side", "大兴区第一中学").await;
    type_into(c, "#f-recipient_side", "察右前旗第一中学").await;
    choose(c, "area", "cyqq").await;
    type_into(c, "#f-signed_on", "2018-02-10").await;
    click_to(c, "#entry-add", "msg=entry_added").await;
    assert!(el(c, "#registry-entries")
        .await
        .text()
        .await
        .unwrap()
        .contains("察右前旗第一中学"));
    for (name, day) in [("张老师", "2018-01-15"), ("王老师", "2018-03-05")] {
        c.goto(&format!("{base}/registries/talent")).await.unwrap();
        type_into(c, "#f-person", name).await;
        choose(c, "direction", "东部到西部").await;
        choose(c, "kind", "教师").await;
        choose(c, "level", "区级").await;
        choose(c, "area", "cyqq").await;
        type_into(c, "#f-starts_on", day).await;
        click_to(c, "#entry-add", "msg=entry_added").await;
    }

    // The report starts from the registers; the unit confirms and submits.
    c.goto(&format!("{base}/reports/2018Q1/jw")).await.unwrap();
    for (row, expected) in [
        ("1.3", "1"),
        ("1.7", "0"),
        ("4.2", "2"),
        ("4.2.1", "2"),
        ("4.2.2", "0"),
    ] {
        assert_eq!(value_of(c, row).await, expected, "row {row}");
    }
    let hint = el(c, "#register-1\\.3").await.text().await.unwrap();
    assert!(hint.contains("台账：1（1 条）"), "{hint}");
    type_into(c, "#progress", "结对学校1所，选派教师2名").await;
    click_to(c, "#submit", "msg=submitted").await;
    assert_eq!(
        el(c, "#report-status").await.text().await.unwrap(),
        "已报送"
    );
    browser.close().await;
}
