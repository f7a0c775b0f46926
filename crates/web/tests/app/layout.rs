//! Every page as each role sees it in Chromium at 1280×800, 1366×900 and a 390×844 phone: the
//! header is one line at office widths, nothing scrolls sideways on a phone, no internal code is in
//! front of a person, axe-core (npm) finds no serious or critical violation, and the report and the
//! dashboard print on at most two A4 pages. `scripts/screenshots` takes the same pages as pictures.

use crate::browser::cycle::login;
use crate::browser::Browser;
use crate::helpers::spawn_app;
use bangfu_domain::user::Role;
use fantoccini::wd::{PrintConfiguration, PrintOrientation, PrintSize};
use fantoccini::Client;
use serde_json::json;

const SIZES: [(u32, u32); 3] = [(1280, 800), (1366, 900), (390, 844)];

/// What no page may show a person: codes of the audit log, record keys, robots, form-row codes.
const CODES: [&str; 8] = [
    "ledger.",
    "report.",
    "robot:",
    "2018Q1/",
    "/jw/",
    "单位=",
    "1.1.1.1",
    "Choose File",
];

/// axe-core as npm ships it, put under target/ by the README's test command.
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Install it with `npm install --prefix target/axe axe-core@4.10.2` \
             (the README's test command does this)",
            path.display()
        )
    })
}

/// The page's measures: sideways overflow, header height, its visible text.
async fn measure(c: &Client) -> (i64, i64, String) {
    let v = c
        .execute(
            "const h = document.querySelector('header.site');
             return [document.documentElement.scrollWidth - window.innerWidth,
                     h ? Math.round(h.getBoundingClientRect().height) : 0,
                     document.body.innerText];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_i64().unwrap(),
        v[1].as_i64().unwrap(),
        v[2].as_str().unwrap_or("").to_string(),
    )
}

/// axe-core's serious and critical violations on the current page.
async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.unwrap();
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + '：' + v.help + '（' + v.nodes.map(n => n.target.join(' ')).join('；') + '）')))
               .catch(e => done(['axe-error：' + e]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

async fn pdf_pages(c: &Client) -> usize {
    let config = PrintConfiguration::builder()
        .orientation(PrintOrientation::Portrait)
        .size(PrintSize {
            width: 21.0,
            height: 29.7,
        })
        .build()
        .unwrap();
    let pdf = c.print(config).await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// A fresh sign-in as `who` (the previous person's cookie dropped).
async fn sign_in(c: &Client, base: &str, who: &str) {
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    login(c, base, who).await;
}

#[tokio::test]
async fn every_page_fits_office_screens_and_phones_prints_on_two_pages_and_passes_axe() {
    let app = spawn_app().await;
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    for (login, role) in [
        ("leader", Role::Viewer),
        ("czj", Role::Finance),
        ("sj", Role::Auditor),
        ("root", Role::Admin),
    ] {
        app.add_user(login, role, None).await;
    }
    crate::reporting::submit_jw_complete(&app, &jw).await;
    let r = app
        .json(
            axum::http::Method::POST,
            "/api/v1/reports/2018Q1/jw/return",
            Some(&fgw),
            json!({"reason": "学校结对数应为4所"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    // A register entry of 区教委 with an evidence file, for the registers' pages.
    let mut teacher = crate::registries::teacher("张老师", "2018-01-15");
    teacher["values"]["batch"] = json!("第一批");
    let entry = crate::registries::add(&app, &jw, "talent", teacher).await;
    let entry = format!("/registries/talent/entries/{}", entry["id"]);
    let sent = app
        .upload(
            &format!("{entry}/evidence"),
            &jw,
            "选派协议.pdf",
            b"%PDF-1.4 x",
        )
        .await;
    assert_eq!(
        sent.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        sent.body
    );
    let base = app.serve().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    let axe = axe_source();
    let pages: [(&str, &[&str]); 6] = [
        (
            "jw-clerk",
            &[
                "/home",
                "/reports/2018Q1/jw",
                "/tasks",
                "/problems",
                "/notices",
                "/account/notify",
                "/no-such-page",
                "/registries",
                "/registries/talent",
                &entry,
            ],
        ),
        (
            "coordinator",
            &[
                "/home",
                "/completeness",
                "/summary/2018Q1",
                "/dashboard",
                "/reports/2018Q1/jw",
                "/assessment",
                "/notify/deliveries",
                "/reconciliation/2018Q1",
                "/reconciliation/2018Q1/registries",
                "/reconciliation/2018Q1/registries?row=4.2",
                "/pairings",
                "/areas/cyqq",
            ],
        ),
        ("leader", &["/dashboard", "/summary/2018Q1"]),
        (
            "czj",
            &["/ledger", "/ledger/projects", "/ledger/transactions"],
        ),
        ("sj", &["/audit"]),
        ("root", &["/admin/users", "/admin/robots"]),
    ];
    let mut problems: Vec<String> = Vec::new();
    for (who, paths) in pages {
        sign_in(c, &base, who).await;
        for path in paths {
            for (w, h) in SIZES {
                c.set_window_size(w, h).await.unwrap();
                c.goto(&format!("{base}{path}")).await.unwrap();
                let (overflow, header, text) = measure(c).await;
                let at = format!("{who} {path} {w}px");
                if overflow > 1 {
                    problems.push(format!("{at}: scrolls sideways by {overflow}px"));
                }
                if w >= 1280 && header > 64 {
                    problems.push(format!("{at}: header {header}px, more than one line"));
                }
                for code in CODES.iter().filter(|c| text.contains(*c)) {
                    problems.push(format!("{at}: shows the code “{code}”"));
                }
                if w == 1280 {
                    for v in axe_violations(c, &axe).await {
                        problems.push(format!("{at}: axe {v}"));
                    }
                }
            }
        }
    }
    for (who, path) in [
        ("coordinator", "/reports/2018Q1/jw"),
        ("leader", "/dashboard"),
    ] {
        sign_in(c, &base, who).await;
        c.set_window_size(1280, 800).await.unwrap();
        c.goto(&format!("{base}{path}")).await.unwrap();
        let pages = pdf_pages(c).await;
        if !(1..=2).contains(&pages) {
            problems.push(format!("{path} prints on {pages} A4 pages"));
        }
    }
    browser.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
