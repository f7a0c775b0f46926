//! A real HTTP client whose connections leave from a chosen loopback address (127.0.0.0/8), for
//! what depends on the client's address: login throttling, trusted proxies.

use crate::helpers::TestResponse;
use axum::body::Body;
use axum::http::{header, Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

pub struct Peer {
    client: Client<HttpConnector, Body>,
    base: String,
}

impl Peer {
    /// Connects to `base` (as returned by `TestApp::serve`) from the local address `ip`.
    pub fn new(base: &str, ip: &str) -> Peer {
        let mut connector = HttpConnector::new();
        connector.set_local_address(Some(ip.parse().expect("an IP address")));
        Peer {
            client: Client::builder(TokioExecutor::new()).build(connector),
            base: base.to_string(),
        }
    }

    /// Sends `request`, whose URI is a path on the served application.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let (mut parts, body) = request.into_parts();
        parts.uri = format!("{}{}", self.base, parts.uri).parse().unwrap();
        let response = self
            .client
            .request(Request::from_parts(parts, body))
            .await
            .expect("server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(Body::new(response.into_body()), 16 * 1024 * 1024)
            .await
            .expect("body");
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// `POST /api/v1/login`, with extra headers (e.g. `X-Forwarded-For`).
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/login")
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = serde_json::json!({ "login": login, "password": password }).to_string();
        self.send(request.body(Body::from(body)).unwrap()).await
    }
}
