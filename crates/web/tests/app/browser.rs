//! End-to-end in a real browser: Debian's chromium driven through chromedriver. Fails (never
//! skips) when they are missing; the README's test command installs them.

use crate::helpers::spawn_app;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process and a headless session; both end when dropped/closed.
pub struct Browser {
    pub client: Client,
    /// Where downloads land.
    pub downloads: std::path::PathBuf,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        for path in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: install with `apt-get install -y chromium chromium-driver fonts-wqy-microhei` \
                 (the README's test command does this)"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        wait_for_port(port).await;
        let profile = tempfile::tempdir().unwrap();
        let downloads = profile.path().join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("chromedriver session");
        Browser {
            client,
            downloads,
            driver,
            _profile: profile,
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn front_page_renders_styled_in_chromium() {
    let app = spawn_app().await;
    let base = app.serve().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.goto(&format!("{base}/")).await.unwrap();
    let title = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        title,
        "2017-2020年大兴区、开发区进一步加强帮扶协作工作实施方案"
    );

    // The embedded stylesheet loads under the CSP: the header takes its colour from it.
    let colour = c
        .execute(
            "return getComputedStyle(document.querySelector('header.site')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(colour, "rgb(179, 38, 30)");

    // The form table shows every row; the merged cell covers its rows visibly.
    let rows = c
        .find_all(Locator::Css("table.form tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 43);
    let merged = c
        .find(Locator::Css("table.form td[rowspan='5']"))
        .await
        .unwrap();
    assert_eq!(merged.text().await.unwrap(), "区财政局、开发区投促局");

    // Table-of-contents links jump to their sections.
    c.find(Locator::LinkText("报送时间"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("#schedule"));

    let png = c.screenshot().await.unwrap();
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("front-page.png");
    std::fs::write(&out, png).unwrap();
    browser.close().await;
    app.db.cleanup().await;
}

pub(crate) mod cycle {
    use super::Browser;
    use crate::helpers::{spawn_app, PASSWORD};
    use bangfu_domain::user::Role;
    use fantoccini::{Client, Locator};

    pub(crate) async fn login(c: &Client, base: &str, login: &str) {
        c.goto(&format!("{base}/login")).await.unwrap();
        el(c, Locator::Id("login"))
            .await
            .send_keys(login)
            .await
            .unwrap();
        el(c, Locator::Id("password"))
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        // Each role lands on its own first page (/home, /dashboard, /ledger).
        el(c, Locator::Id("login-button"))
            .await
            .click()
            .await
            .unwrap();
        for _ in 0..200 {
            if !c.current_url().await.unwrap().path().starts_with("/login") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{login} did not get past the login page");
    }

    async fn logout(c: &Client) {
        // 退出 is in the menu under one's name.
        el(c, Locator::Css("header.site details.account summary"))
            .await
            .click()
            .await
            .unwrap();
        el(c, Locator::Css("header.site button.link"))
            .await
            .click()
            .await
            .unwrap();
        for _ in 0..200 {
            if c.current_url().await.unwrap().path().ends_with("/login") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("logout did not reach the login page");
    }

    pub(crate) async fn fill(c: &Client, row: &str, value: &str) {
        let input = el(c, Locator::Css(&format!("input[name='v.{row}']"))).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    /// The element, once it is there (up to 10 s).
    pub(crate) async fn el(c: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
        c.wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{locator:?}: {e}"))
    }

    /// Waits (up to 10 s) for the element: after a click the next page may still be loading.
    pub(crate) async fn text(c: &Client, css: &str) -> String {
        c.wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Clicks a button that leads to another page and waits until the URL contains `part`.
    pub(crate) async fn click_to(c: &Client, id: &str, part: &str) {
        el(c, Locator::Id(id)).await.click().await.unwrap();
        for _ in 0..200 {
            if c.current_url().await.unwrap().as_str().contains(part) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("clicking #{id} did not lead to a URL containing {part}");
    }

    async fn district_total(c: &Client, base: &str, query: &str) -> String {
        c.goto(&format!("{base}/summary/2018Q1{query}"))
            .await
            .unwrap();
        text(c, "tr[data-indicator='1.3'] td.total").await
    }

    fn screenshot(name: &str, png: Vec<u8>) {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(out, png).unwrap();
    }

    /// The first file ending in `.{ext}` that appears in `dir` (within ten seconds), its name
    /// containing `parts`.
    async fn downloaded(dir: &std::path::Path, ext: &str, parts: &[&str]) -> Vec<u8> {
        let mut file = None;
        for _ in 0..200 {
            let files: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            // Chromium reserves the final name with an empty file while the download runs.
            let running = files
                .iter()
                .any(|p| p.extension().is_some_and(|x| x == "crdownload"));
            file = files.into_iter().find(|p| {
                p.extension().is_some_and(|x| x == ext)
                    && std::fs::metadata(p).is_ok_and(|m| m.len() > 0)
            });
            if file.is_some() && !running {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let file = file.unwrap_or_else(|| panic!("a .{ext} file downloaded"));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(parts.iter().all(|p| name.contains(p)), "{name}");
        std::fs::read(&file).unwrap()
    }

    /// The district form of 2018Q1 read back: 4 school pairings in the district's and 区教委's
    /// sheets, the unit's own sheet right after the summary.
    fn district_form_has_four_school_pairings(plan: &bangfu_domain::plan::Plan, bytes: &[u8]) {
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        use calamine::Reader;
        assert_eq!(
            book.sheet_names()[..2],
            ["全区汇总", "区教委"],
            "the unit's own sheet follows the summary"
        );
        for sheet in ["全区汇总", "区教委"] {
            let range = book.worksheet_range(sheet).unwrap();
            let schools = range
                .rows()
                .find(|r| r[0] == "3.与扶贫协作地区学校结对数")
                .expect("the schools row");
            assert_eq!(schools[2], calamine::Data::Float(4.0), "{sheet}");
        }
        let form = bangfu_xlsx::read_form(plan, "jw", bytes).unwrap();
        assert_eq!(form.sheet, "区教委");
        assert_eq!(form.rows[0].indicator, "1.3");
        assert_eq!(form.rows[0].value, Some("4".parse().unwrap()));
    }

    #[tokio::test]
    async fn report_is_filled_returned_corrected_and_approved_in_chromium() {
        let app = spawn_app().await;
        app.add_user("admin", Role::Admin, None).await;
        let base = app.serve().await;
        let browser = Browser::start().await;
        let c = &browser.client;

        // The administrator creates the coordinator and a reporter for 区教委.
        login(c, &base, "admin").await;
        for (login_name, name, role, unit) in [
            ("fgw-office", "经济协作办公室", "coordinator", ""),
            ("jw-clerk", "王老师", "reporter", "jw"),
        ] {
            c.goto(&format!("{base}/admin/users")).await.unwrap();
            el(c, Locator::Id("new-login"))
                .await
                .send_keys(login_name)
                .await
                .unwrap();
            el(c, Locator::Id("new-name"))
                .await
                .send_keys(name)
                .await
                .unwrap();
            el(
                c,
                Locator::Css(&format!("#new-role option[value='{role}']")),
            )
            .await
            .click()
            .await
            .unwrap();
            if !unit.is_empty() {
                el(
                    c,
                    Locator::Css(&format!("#new-unit option[value='{unit}']")),
                )
                .await
                .click()
                .await
                .unwrap();
            }
            el(c, Locator::Id("new-password"))
                .await
                .send_keys(PASSWORD)
                .await
                .unwrap();
            click_to(c, "add-user-button", "msg=user_added").await;
            let users = text(c, "#users").await;
            assert!(
                users.contains(login_name) && users.contains(name),
                "{users}"
            );
        }
        logout(c).await;

        // The reporter finds the open report first and fills it like the paper form.
        login(c, &base, "jw-clerk").await;
        assert!(text(c, "#due").await.contains("距截止 10 天"));
        el(c, Locator::Css("#due a")).await.click().await.unwrap();
        for (row, value) in [
            ("1.3", "3"),
            ("1.7", "0"),
            ("4.2", "12"),
            ("4.2.1", "10"),
            ("4.2.2", "2"),
        ] {
            fill(c, row, value).await;
        }
        el(c, Locator::Id("progress"))
            .await
            .send_keys("本季度选派支教教师2批")
            .await
            .unwrap();
        screenshot("report-filled.png", c.screenshot().await.unwrap());
        // Evidence uploaded before saving: what was typed is saved first, nothing is lost.
        let scan = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(scan.path(), b"%PDF-1.4 scan").unwrap();
        el(c, Locator::Id("evidence-file"))
            .await
            .send_keys(&scan.path().display().to_string())
            .await
            .unwrap();
        click_to(c, "evidence-upload", "msg=uploaded").await;
        let kept = el(c, Locator::Css("input[name='v.4.2.1']")).await;
        assert_eq!(kept.prop("value").await.unwrap().as_deref(), Some("10"));
        assert!(text(c, "#progress").await.contains("选派支教教师2批"));
        assert!(text(c, "#evidence").await.contains(".pdf"));
        click_to(c, "submit", "msg=submitted").await;
        assert_eq!(text(c, "#report-status").await, "已报送");
        logout(c).await;

        // The coordinator sees the total at once, then returns the report with a reason.
        login(c, &base, "fgw-office").await;
        assert_eq!(district_total(c, &base, "").await, "3");
        c.goto(&format!("{base}/home")).await.unwrap();
        el(c, Locator::Css("#to-review a"))
            .await
            .click()
            .await
            .unwrap();
        el(c, Locator::Id("return-reason-input"))
            .await
            .send_keys("学校结对数应为4所，请核实")
            .await
            .unwrap();
        click_to(c, "return", "msg=returned").await;
        assert_eq!(text(c, "#report-status").await, "退回");
        logout(c).await;

        // The reporter sees the reason, corrects and resubmits.
        login(c, &base, "jw-clerk").await;
        el(c, Locator::Css("#due a")).await.click().await.unwrap();
        assert!(text(c, "#return-reason")
            .await
            .contains("学校结对数应为4所，请核实"));
        fill(c, "1.3", "4").await;
        click_to(c, "submit", "msg=submitted").await;
        assert_eq!(text(c, "#report-status").await, "已报送");
        logout(c).await;

        // The coordinator approves; the district total (approved reports only) changes.
        login(c, &base, "fgw-office").await;
        assert_eq!(district_total(c, &base, "?approved_only=true").await, "—");
        c.goto(&format!("{base}/reports/2018Q1/jw")).await.unwrap();
        click_to(c, "approve", "msg=approved").await;
        assert_eq!(text(c, "#report-status").await, "已审核");
        let history = text(c, "#history").await;
        assert!(history.contains("学校结对数应为4所"), "{history}");
        assert_eq!(district_total(c, &base, "?approved_only=true").await, "4");
        screenshot("summary.png", c.screenshot().await.unwrap());
        // The district form downloads from the summary page as a real workbook.
        c.goto(&format!("{base}/summary/2018Q1")).await.unwrap();
        el(c, Locator::Id("download-district"))
            .await
            .click()
            .await
            .unwrap();
        let bytes = downloaded(&browser.downloads, "xlsx", &["大兴区", "2018年第一季度"]).await;
        district_form_has_four_school_pairings(&app.state.plan, &bytes);
        // So does the written report, a Word draft with the same figure.
        el(c, Locator::Id("download-docx"))
            .await
            .click()
            .await
            .unwrap();
        let bytes = downloaded(&browser.downloads, "docx", &["大兴区", "2018年第一季度"]).await;
        let written = docx_rs::read_docx(&bytes).expect("a .docx").json();
        assert!(written.contains("与扶贫协作地区学校结对数 4 所"));
        c.goto(&format!("{base}/completeness?year=2018"))
            .await
            .unwrap();
        assert_eq!(
            text(c, "tr[data-unit='jw'] td[data-period='2018Q1']").await,
            "已审核"
        );
        screenshot("completeness.png", c.screenshot().await.unwrap());

        browser.close().await;
        app.db.cleanup().await;
    }

    #[tokio::test]
    async fn dashboard_and_tasks_show_the_entered_figures_in_chromium() {
        let app = crate::oversight::a_year_of_reports().await;
        app.add_user("leader", Role::Viewer, None).await;
        let base = app.serve().await;
        let browser = Browser::start().await;
        let c = &browser.client;
        login(c, &base, "leader").await;
        // The figures are drafts: counted when the switch asks for them.
        c.goto(&format!("{base}/dashboard?year=2018&include_drafts=true"))
            .await
            .unwrap();
        let figures = text(c, "#key-figures").await;
        assert!(figures.contains("250.50"), "{figures}");
        assert!(figures.contains("100.00"), "{figures}");
        let title = text(c, "svg#targets title").await;
        assert!(title.is_empty() || title.contains("目标完成率"));
        let rect = el(c, Locator::Css("svg#funds rect")).await;
        assert!(rect.attr("width").await.unwrap().is_some());
        screenshot("dashboard.png", c.screenshot().await.unwrap());
        c.goto(&format!("{base}/tasks?year=2018")).await.unwrap();
        let row = text(c, "tr[data-task='1.2-1']").await;
        assert!(row.contains("100 / 600 万元（17%）"), "{row}");
        assert!(row.contains("滞后"), "{row}");
        browser.close().await;
        app.db.cleanup().await;
    }

    /// Clicks the element `css` (a submit button) and waits until the URL contains `part`.
    async fn submit_to(c: &Client, css: &str, part: &str) {
        let button = el(c, Locator::Css(css)).await;
        button.click().await.unwrap();
        for _ in 0..200 {
            // The URL may already contain `part` (the same message twice): wait for the new page
            // too, which leaves the clicked button behind (stale).
            let replaced = button.tag_name().await.is_err();
            if replaced && c.current_url().await.unwrap().as_str().contains(part) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("submitting {css} did not lead to a URL containing {part}");
    }

    pub(crate) async fn type_into(c: &Client, css: &str, value: &str) {
        let input = el(c, Locator::Css(css)).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    #[tokio::test]
    async fn finance_records_budget_project_and_payment_then_reverses_in_chromium() {
        let app = spawn_app().await;
        app.add_user("cz-finance", Role::Finance, None).await;
        app.add_user("sj-auditor", Role::Auditor, None).await;
        let base = app.serve().await;
        let browser = Browser::start().await;
        let c = &browser.client;
        login(c, &base, "cz-finance").await;

        c.goto(&format!("{base}/ledger")).await.unwrap();
        type_into(c, "#budget-form input[name='amount']", "6,000,000").await;
        submit_to(c, "#budget-form button[type='submit']", "msg=budget_saved").await;
        let budgets = text(c, "#budget-lines").await;
        assert!(budgets.contains("6,000,000.00"), "{budgets}");

        c.goto(&format!("{base}/ledger/projects")).await.unwrap();
        type_into(c, "#project-form input[name='name']", "察右前旗卫生院设备").await;
        type_into(c, "#project-form input[name='approved.city']", "800000").await;
        type_into(c, "#project-form input[name='beneficiaries']", "120").await;
        submit_to(
            c,
            "#project-form button[type='submit']",
            "msg=project_saved",
        )
        .await;
        let facts = text(c, "#project-facts").await;
        assert!(
            facts.contains("察右前旗") && facts.contains("120 人"),
            "{facts}"
        );

        type_into(c, "#project-tx-form input[name='date']", "2018-03-01").await;
        type_into(c, "#project-tx-form input[name='amount']", "800000").await;
        submit_to(
            c,
            "#project-tx-form button[type='submit']",
            "msg=tx_recorded",
        )
        .await;
        let money = text(c, "#project-money").await;
        assert!(money.contains("800,000.00"), "{money}");

        // A mistake is corrected by 冲销, never by editing.
        submit_to(c, "#project-transactions button.link", "msg=tx_recorded").await;
        let journal = text(c, "#project-transactions").await;
        assert!(
            journal.contains("已被冲销") && journal.contains("冲销交易"),
            "{journal}"
        );
        screenshot("ledger-project.png", c.screenshot().await.unwrap());
        logout(c).await;

        login(c, &base, "sj-auditor").await;
        c.goto(&format!("{base}/ledger/projects/1")).await.unwrap();
        type_into(
            c,
            "#finding-form textarea[name='text']",
            "请补充设备采购合同",
        )
        .await;
        submit_to(
            c,
            "#finding-form button[type='submit']",
            "msg=finding_raised",
        )
        .await;
        let findings = text(c, "#findings").await;
        assert!(
            findings.contains("请补充设备采购合同") && findings.contains("待答复"),
            "{findings}"
        );
        browser.close().await;
        app.db.cleanup().await;
    }
}
