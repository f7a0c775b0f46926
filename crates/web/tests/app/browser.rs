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
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
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
