//! A keep-alive HTTP/1.1 client (hyper) and latency statistics.

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use std::time::{Duration, Instant};

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// One pooled client for all simulated users: connections are kept alive and reused.
pub fn client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(Duration::from_secs(120))
        .build(connector)
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl Response {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).context("response is not JSON")
    }

    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        format!(
            "HTTP {}: {}",
            self.status,
            text.chars().take(300).collect::<String>()
        )
    }
}

pub async fn send(
    client: &HttpClient,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> anyhow::Result<Response> {
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(
            HeaderName::from_bytes(k.as_bytes())?,
            HeaderValue::from_str(v)?,
        );
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
    let start = Instant::now();
    let resp = client.request(req).await.with_context(|| url.to_string())?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok(Response {
        status,
        headers,
        body,
        elapsed: start.elapsed(),
    })
}

/// Latency statistics in milliseconds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Stats {
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        if samples.is_empty() {
            return Stats::default();
        }
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        // Nearest-rank percentile.
        let pct = |p: f64| {
            let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            ms[rank.clamp(1, ms.len()) - 1]
        };
        let round = |x: f64| (x * 100.0).round() / 100.0;
        Stats {
            n: ms.len(),
            p50_ms: round(pct(50.0)),
            p95_ms: round(pct(95.0)),
            p99_ms: round(pct(99.0)),
            max_ms: round(ms[ms.len() - 1]),
            mean_ms: round(ms.iter().sum::<f64>() / ms.len() as f64),
        }
    }
}
