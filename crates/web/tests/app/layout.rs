//! Every page as each role sees it in Chromium at 1280×800, 1366×900 and a 390×844 phone: the
//! header is one line at office widths, nothing scrolls sideways on a phone, no internal code or
//! login is in front of a person, every file field has the Chinese picker, axe-core (npm) finds no
//! serious or critical violation at 1280 and 390, and the report (read-only and being filled) and
//! the dashboard print on at most two A4 pages. `scripts/screenshots` takes the same pages as
//! pictures.

use crate::browser::cycle::login;
use crate::browser::Browser;
use crate::helpers::spawn_app;
use axum::http::{Method, StatusCode};
use bangfu_domain::user::Role;
use fantoccini::wd::{PrintConfiguration, PrintOrientation, PrintSize};
use fantoccini::Client;
use serde_json::json;
use std::path::Path;

const SIZES: [(u32, u32); 3] = [(1280, 800), (1366, 900), (390, 844)];

/// What no page may show a person: codes of the audit log, record keys, robots.
const CODES: [&str; 6] = ["ledger.", "report.", "robot:", "2018Q1/", "/jw/", "单位="];

/// What no page's text may match: a period code shown as text (2018Q1), a form row's dotted code
/// of three or more parts (1.1.1, not an address such as 127.0.0.1), an audit action code
/// (problem.update), and the test users' logins (their names are shown instead).
const PATTERNS: &str = r"\b20\d\dQ[1-4]\b|\b[1-9](\.\d{1,2}){2,3}\b|\b(report|ledger|problem|user|token|login|plan|registry|notify|evidence|area|finding|project|task|problem)\.[a-z_]+|\b(jw-clerk|zzb-clerk|coordinator|leader|czj|sj|root)\b";

/// The test users' logins, in [`PATTERNS`] too.
const LOGINS: [&str; 7] = [
    "jw-clerk",
    "zzb-clerk",
    "coordinator",
    "leader",
    "czj",
    "sj",
    "root",
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

/// The page's measures: sideways overflow, header height, its visible text, what of the text
/// matches [`PATTERNS`], and how many file fields lack the Chinese picker.
async fn measure(c: &Client) -> (i64, i64, String, Vec<String>, i64) {
    let v = c
        .execute(
            "const h = document.querySelector('header.site');
             const text = document.body.innerText;
             const found = [...text.matchAll(new RegExp(arguments[0], 'g'))].map(m =>
               m[0] + '（…' + text.slice(Math.max(0, m.index - 20), m.index + m[0].length + 20)
                 .replace(/\\s+/g, ' ') + '…）');
             const bare = [...document.querySelectorAll('input[type=file]')].filter(i => {
               const label = i.closest('label.file-pick');
               const button = label && label.querySelector('.file-button');
               return !button || button.textContent.trim() !== '选择文件';
             }).length;
             return [document.documentElement.scrollWidth - window.innerWidth,
                     h ? Math.round(h.getBoundingClientRect().height) : 0,
                     document.body.innerText, found, bare];",
            vec![json!(PATTERNS)],
        )
        .await
        .unwrap();
    (
        v[0].as_i64().unwrap(),
        v[1].as_i64().unwrap(),
        v[2].as_str().unwrap_or("").to_string(),
        serde_json::from_value(v[3].clone()).unwrap_or_default(),
        v[4].as_i64().unwrap_or(0),
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

async fn pdf_pages(c: &Client) -> (usize, Vec<u8>) {
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
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    (pages, pdf)
}

/// The report (read-only and being corrected) and the dashboard printed to A4 portrait: those
/// over two pages. Each PDF is kept under the test's target directory for a look.
async fn printed_over_two_pages(c: &Client, base: &str) -> Vec<String> {
    let mut over = Vec::new();
    for (who, path) in [
        ("coordinator", "/reports/2018Q1/jw"),
        // The same report being corrected: the inputs print borderless, the buttons not at all.
        ("jw-clerk", "/reports/2018Q1/jw"),
        ("leader", "/dashboard"),
    ] {
        sign_in(c, base, who).await;
        c.set_window_size(1280, 800).await.unwrap();
        c.goto(&format!("{base}{path}")).await.unwrap();
        for shown in print_leftovers(c).await {
            over.push(format!("{who} {path} prints {shown}"));
        }
        let (pages, pdf) = pdf_pages(c).await;
        let file = format!("print-{who}-{}.pdf", path.replace('/', "_"));
        std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(file), pdf).unwrap();
        if !(1..=2).contains(&pages) {
            over.push(format!("{who} {path} prints on {pages} A4 pages"));
        }
    }
    over
}

/// What the page's own print rules leave that paper should not show: buttons still displayed,
/// inputs with a border. The `@media print` rules are applied to the screen for the check
/// (WebDriver cannot switch the media), then removed.
async fn print_leftovers(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "const rules = [];
             for (const sheet of document.styleSheets) {
               for (const r of sheet.cssRules) {
                 if (r instanceof CSSMediaRule && r.media.mediaText.includes('print')) {
                   for (const inner of r.cssRules) rules.push(inner.cssText);
                 }
               }
             }
             // Through the CSSOM: the site's CSP refuses an injected <style>.
             const sheet = document.styleSheets[0];
             const first = sheet.cssRules.length;
             for (const text of rules) {
               try { sheet.insertRule(text, sheet.cssRules.length); } catch (e) {}
             }
             const buttons = [...document.querySelectorAll('button, input[type=submit], .button')]
               .filter(b => b.getClientRects().length > 0)
               .map(b => (b.textContent || b.value || '').trim());
             const bordered = [...document.querySelectorAll(\"input[name^='v.'], textarea\")]
               .filter(i => i.getClientRects().length > 0)
               .filter(i => { const cs = getComputedStyle(i);
                 return cs.borderTopStyle !== 'none' && parseFloat(cs.borderTopWidth) > 0; })
               .length;
             while (sheet.cssRules.length > first) sheet.deleteRule(sheet.cssRules.length - 1);
             return {buttons, bordered, rules: rules.length};",
            vec![],
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    if v["rules"].as_u64() == Some(0) {
        out.push("without any print rules".to_string());
    }
    if let Some(buttons) = v["buttons"].as_array().filter(|b| !b.is_empty()) {
        out.push(format!("buttons {buttons:?}"));
    }
    if v["bordered"].as_u64().unwrap_or(0) > 0 {
        out.push(format!("{} inputs with borders", v["bordered"]));
    }
    out
}

/// A leader at 1366×900 sees the dashboard's essentials — key figures, funds per recipient area,
/// targets, this quarter's reporting — within two screens.
async fn dashboard_essentials_within_two_screens(c: &Client, base: &str) -> Vec<String> {
    sign_in(c, base, "leader").await;
    c.set_window_size(1366, 900).await.unwrap();
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    let v = c
        .execute(
            "const screen = window.innerHeight;
             const wanted = ['主要指标', '各受援地资金', '目标完成情况', '下一个报送截止'];
             const found = [...document.querySelectorAll('section.dash-block')]
               .filter(s => wanted.some(w => s.querySelector('h2').textContent.startsWith(w)));
             const bottom = Math.max(...found.map(s => s.getBoundingClientRect().bottom + window.scrollY));
             return {found: found.length, bottom, screen};",
            vec![],
        )
        .await
        .unwrap();
    let (found, bottom, screen) = (
        v["found"].as_u64().unwrap_or(0),
        v["bottom"].as_f64().unwrap_or(f64::INFINITY),
        v["screen"].as_f64().unwrap_or(0.0),
    );
    let mut out = Vec::new();
    if found != 4 {
        out.push(format!(
            "1366 /dashboard: {found} of the 4 essential blocks"
        ));
    }
    if bottom > 2.0 * screen {
        out.push(format!(
            "1366 /dashboard: the essentials end at {bottom} px, past two screens of {screen} px"
        ));
    }
    out
}

/// On the phone, 退出 is two taps away: 菜单, then one's name; it is then displayed within the
/// screen's width.
async fn logout_reachable_on_phone(c: &Client, base: &str) -> Vec<String> {
    sign_in(c, base, "jw-clerk").await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/home")).await.unwrap();
    let v = c
        .execute(
            "document.querySelector('label.menu-button').click();
             document.querySelector('summary.user').click();
             const out = [...document.querySelectorAll('button')]
               .find(b => b.textContent.trim() === '退出');
             if (!out) return 'no 退出 button';
             const r = out.getBoundingClientRect();
             if (r.width === 0 || r.height === 0) return '退出 not displayed after 菜单 and the name';
             if (r.left < 0 || r.right > window.innerWidth) return '退出 outside the screen';
             return '';",
            vec![],
        )
        .await
        .unwrap();
    match v.as_str() {
        Some("") => Vec::new(),
        other => vec![format!("390 /home: {other:?}")],
    }
}

/// On the phone, the report's rows stacked and readable: each row's name at least 300 px wide,
/// each input at least 100 px, the column's note beside the inputs.
async fn phone_rows(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "const narrow = [...document.querySelectorAll('table.entry td.label')]
               .filter(td => td.getBoundingClientRect().width < 300).length;
             const inputs = [...document.querySelectorAll(\"table.entry input[name^='v.']\")];
             const small = inputs.filter(i => i.getBoundingClientRect().width < 100).length;
             const noted = inputs.filter(i => getComputedStyle(i.parentElement, '::before')
               .content.includes('没有发生填 0')).length;
             return [narrow, small, inputs.length - noted];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_i64().unwrap_or(-1);
    let mut found = Vec::new();
    if n(0) != 0 {
        found.push(format!("{} row names narrower than 300px", n(0)));
    }
    if n(1) != 0 {
        found.push(format!("{} inputs narrower than 100px", n(1)));
    }
    if n(2) != 0 {
        found.push(format!("{} inputs without the column's note", n(2)));
    }
    found
}

/// A fresh sign-in as `who` (the previous person's cookie dropped).
async fn sign_in(c: &Client, base: &str, who: &str) {
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    login(c, base, who).await;
}

/// What the pages show: a returned report, a register entry with its evidence, a task's progress
/// and evidence, a problem, a year of the ledger. Returns the entry's and the problem's and the
/// project's pages.
async fn seed(app: &crate::helpers::TestApp) -> (String, String, String) {
    let jw = app.user("jw-clerk", Role::Reporter, Some("jw")).await;
    let fgw = app.user("coordinator", Role::Coordinator, None).await;
    let zzb = app.user("zzb-clerk", Role::Reporter, Some("zzb")).await;
    let finance = app.user("czj", Role::Finance, None).await;
    for (login, role) in [
        ("leader", Role::Viewer),
        ("sj", Role::Auditor),
        ("root", Role::Admin),
    ] {
        app.add_user(login, role, None).await;
    }
    crate::reporting::submit_jw_complete(app, &jw).await;
    let r = app
        .json(
            Method::POST,
            "/api/v1/reports/2018Q1/jw/return",
            Some(&fgw),
            json!({"reason": "学校结对数应为4所"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .upload("/reports/2018Q1/jw/evidence", &jw, "支教协议.pdf", PDF)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A register entry of 区教委 with an evidence file, for the registers' pages.
    let mut teacher = crate::registries::teacher("张老师", "2018-01-15");
    teacher["values"]["batch"] = json!("第一批");
    let entry = crate::registries::add(app, &jw, "talent", teacher).await;
    let entry = format!("/registries/talent/entries/{}", entry["id"]);
    let sent = app
        .upload(&format!("{entry}/evidence"), &jw, "选派协议.pdf", PDF)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    crate::everyday::zzb_records_progress_with_a_file(app, &zzb).await;
    let r = app
        .form(
            "/problems",
            Some(&fgw),
            &[
                ("description", "培训场地未落实"),
                ("unit", "zzb"),
                ("owner", "王五"),
                ("due", "2018-06-30"),
                ("source", "2018年第一季度 区委组织部 存在问题"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let problem = r.location().split('?').next().unwrap().to_string();
    let project = crate::ledger::record_a_year(app, &finance).await;
    (entry, problem, format!("/ledger/projects/{project}"))
}

const PDF: &[u8] = b"%PDF-1.4 x";

#[tokio::test]
async fn every_page_fits_office_screens_and_phones_prints_on_two_pages_and_passes_axe() {
    let app = spawn_app().await;
    let (entry, problem, project) = seed(&app).await;
    let base = app.serve().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    let axe = axe_source();
    let pages: [(&str, &[&str]); 7] = [
        (
            "jw-clerk",
            &[
                "/home",
                "/reports/2018Q1/jw",
                "/reports/2018Q2/jw",
                "/tasks",
                "/problems",
                "/notices",
                "/account/notify",
                "/account/password",
                "/account/tokens",
                "/no-such-page",
                "/admin/users",
                "/registries",
                "/registries/talent",
                "/registries/talent/import",
                &entry,
                "/areas",
                "/assessment",
                "/",
            ],
        ),
        ("zzb-clerk", &["/home", "/tasks/2.2-1", &problem]),
        (
            "coordinator",
            &[
                "/home",
                "/completeness",
                "/summary/2018Q1",
                "/summary/2018Q1?include_drafts=true",
                "/dashboard",
                "/reports/2018Q1/jw",
                "/tasks",
                "/tasks/2.2-1",
                "/problems",
                &problem,
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
            &[
                "/ledger",
                "/ledger?days=三十",
                "/ledger/projects",
                &project,
                "/ledger/transactions",
                "/ledger/import",
            ],
        ),
        ("sj", &["/audit", "/audit?from=2018-13-01", &project]),
        ("root", &["/admin/users", "/admin/robots"]),
    ];
    let mut problems: Vec<String> = Vec::new();
    for (who, paths) in pages {
        sign_in(c, &base, who).await;
        for path in paths {
            for (w, h) in SIZES {
                c.set_window_size(w, h).await.unwrap();
                c.goto(&format!("{base}{path}")).await.unwrap();
                let (overflow, header, text, found, bare) = measure(c).await;
                let at = format!("{who} {path} {w}px");
                if overflow > 1 {
                    problems.push(format!("{at}: scrolls sideways by {overflow}px"));
                }
                // One line at office widths; collapsed behind 菜单 on the phone.
                if header > 64 {
                    problems.push(format!("{at}: header {header}px, more than one line"));
                }
                if w == 390 && path.starts_with("/reports/") {
                    problems.extend(
                        phone_rows(c)
                            .await
                            .into_iter()
                            .map(|p| format!("{at}: {p}")),
                    );
                }
                for code in CODES.iter().filter(|c| text.contains(*c)) {
                    problems.push(format!("{at}: shows the code “{code}”"));
                }
                // The accounts' own pages name their logins: that is what they manage.
                let accounts = ["/admin/users", "/audit"]
                    .iter()
                    .any(|p| path.starts_with(p));
                for code in found {
                    let login = LOGINS.iter().any(|l| code.starts_with(&format!("{l}（")));
                    if !(accounts && login) {
                        problems.push(format!("{at}: shows “{code}”, a code or a login"));
                    }
                }
                if bare > 0 {
                    problems.push(format!("{at}: {bare} file fields without 选择文件"));
                }
                // axe at an office width and on the phone (the menu, the stacked rows).
                if w != 1366 {
                    for v in axe_violations(c, &axe).await {
                        problems.push(format!("{at}: axe {v}"));
                    }
                }
            }
        }
    }
    problems.extend(printed_over_two_pages(c, &base).await);
    problems.extend(logout_reachable_on_phone(c, &base).await);
    problems.extend(dashboard_essentials_within_two_screens(c, &base).await);
    browser.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
