//! The read side: the coordinator's district pages, one request at a time, many times over.

use crate::dataset;
use crate::http::{self, Stats};
use crate::server::Server;
use anyhow::{bail, Context};
use hyper::Method;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct ReadResult {
    pub requests_each: usize,
    pub bytes: BTreeMap<String, usize>,
    pub latency: BTreeMap<String, Stats>,
}

/// The pages measured: (name, path, requests relative to `requests`: 1 = all, n = 1/n).
pub fn endpoints(period: &str) -> Vec<(&'static str, String, usize)> {
    vec![
        ("summary_page", format!("/summary/{period}"), 1),
        ("summary_api", format!("/api/v1/summary/{period}"), 1),
        ("completeness_page", "/completeness".to_string(), 1),
        ("completeness_api", "/api/v1/completeness".to_string(), 1),
        ("dashboard", "/dashboard".to_string(), 1),
        // 区教委's report with its register figures, and the registers' reconciliation.
        ("report_page", format!("/reports/{period}/jw"), 1),
        ("report_api", format!("/api/v1/reports/{period}/jw"), 1),
        (
            "registry_reconciliation",
            format!("/reconciliation/{period}/registries"),
            1,
        ),
        // One fed row unit by unit: 一、3 (school pairings, a stock over every year's entries).
        (
            "registry_reconciliation_row",
            format!("/reconciliation/{period}/registries?row=1.3"),
            1,
        ),
        ("xlsx_district", format!("/api/v1/forms/{period}.xlsx"), 2),
        (
            "xlsx_district_all_units",
            format!("/api/v1/forms/{period}.xlsx?units=true"),
            10,
        ),
    ]
}

pub async fn run(server: &Server, period: &str, requests: usize) -> anyhow::Result<ReadResult> {
    let client = http::client();
    let body = serde_json::json!({
        "login": dataset::COORDINATOR_LOGIN,
        "password": dataset::PASSWORD,
    });
    let login = http::send(
        &client,
        Method::POST,
        &format!("{}/api/v1/login", server.url),
        &[],
        Some(serde_json::to_vec(&body)?),
    )
    .await?;
    if !login.ok() {
        bail!("coordinator login: {}", login.describe());
    }
    let cookie = login
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no session cookie")?
        .to_string();
    let headers = [("cookie", cookie.as_str())];
    let mut result = ReadResult {
        requests_each: requests,
        bytes: BTreeMap::new(),
        latency: BTreeMap::new(),
    };
    for (name, path, divisor) in endpoints(period) {
        let url = format!("{}{path}", server.url);
        let n = (requests / divisor).max(3);
        let mut samples = Vec::with_capacity(n);
        // Two warm-up requests (connection, caches), not counted.
        for i in 0..n + 2 {
            let resp = http::send(&client, Method::GET, &url, &headers, None).await?;
            if !resp.ok() {
                bail!("{path}: {}", resp.describe());
            }
            if i >= 2 {
                samples.push(resp.elapsed);
            }
            result.bytes.insert(name.to_string(), resp.body.len());
        }
        result.latency.insert(name.to_string(), Stats::of(&samples));
    }
    Ok(result)
}
