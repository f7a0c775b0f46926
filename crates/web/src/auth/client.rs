//! Who is at the other end of the connection: the client's address and whether it came over
//! HTTPS, believing `X-Forwarded-*` only from the reverse proxies the operator trusts; and whether
//! a state-changing request comes from a page of this site (its `Origin` or `Referer`).

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::net::{IpAddr, SocketAddr};

/// The client as the server sees it; resolved once per request by the authentication middleware.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's IP address; empty when unknown (in-process tests).
    pub address: String,
    /// A trusted proxy says the client used HTTPS.
    pub https: bool,
}

impl ClientInfo {
    /// From the connection's peer, and the forwarding headers when that peer is a trusted proxy.
    pub fn resolve(parts_headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[IpAddr]) -> Self {
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return ClientInfo::default();
        };
        if !trusted.contains(&peer) {
            return ClientInfo {
                address: peer.to_string(),
                https: false,
            };
        }
        // X-Forwarded-For lists the client, then each proxy it passed; the last entries were
        // written by our proxies, anything before the first untrusted one may be forged.
        let forwarded: Vec<&str> = parts_headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip.to_canonical();
                    if !trusted.contains(&client) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        let https = last_value(parts_headers, "x-forwarded-proto")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
        ClientInfo {
            address: client.to_string(),
            https,
        }
    }

    pub fn from_parts(parts: &Parts, state: &AppState) -> Self {
        if let Some(info) = parts.extensions.get::<ClientInfo>() {
            return info.clone();
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        ClientInfo::resolve(&parts.headers, peer, &state.trusted_proxies)
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientInfo::from_parts(parts, state))
    }
}

/// The last of a possibly repeated, comma-separated header: the one our own proxy wrote.
fn last_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .next_back()
}

/// `BANGFU_TRUSTED_PROXIES`: IP addresses separated by commas or spaces.
pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpAddr>, String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpAddr>()
                .map(|ip| ip.to_canonical())
                .map_err(|_| format!("受信任代理“{s}”不是 IP 地址（多个地址用逗号分隔）"))
        })
        .collect()
}

/// The `host[:port]` part of an absolute URL, lower-cased; `None` for anything else (`null`).
fn authority(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..end];
    (!host.is_empty() && !host.contains('@')).then(|| host.to_ascii_lowercase())
}

/// True unless the browser says the request comes from another site. Browsers that send
/// `Sec-Fetch-Site` are believed (it does not depend on the referrer policy); otherwise `Origin`, or
/// failing that `Referer`, must name this host; `Origin: null` (a sandboxed or privacy-stripped
/// page) is refused. A request with none of them (a script, a command-line client) is let through:
/// it carries no victim's cookies.
pub fn same_site(headers: &HeaderMap, state: &AppState, from_trusted_proxy: bool) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let source = match headers.get(header::ORIGIN) {
        Some(origin) => origin.to_str().ok().and_then(authority),
        None => match headers.get(header::REFERER) {
            Some(referer) => referer.to_str().ok().and_then(authority),
            None => return true,
        },
    };
    let Some(source) = source else {
        return false;
    };
    let mut ours: Vec<String> = Vec::new();
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        ours.push(host.to_ascii_lowercase());
    }
    if from_trusted_proxy {
        if let Some(host) = last_value(headers, "x-forwarded-host") {
            ours.push(host.to_ascii_lowercase());
        }
    }
    if let Some(public) = state.public_url.as_deref().and_then(authority) {
        ours.push(public);
    }
    ours.contains(&source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
            ("x-forwarded-proto", "https"),
        ]);
        let direct = ClientInfo::resolve(&h, Some("198.51.100.2".parse().unwrap()), &[proxy]);
        assert_eq!(direct.address, "198.51.100.2");
        assert!(!direct.https);
        let proxied = ClientInfo::resolve(&h, Some(proxy), &[proxy]);
        assert_eq!(proxied.address, "203.0.113.7", "the hop our proxy saw");
        assert!(proxied.https);
        let two = ClientInfo::resolve(
            &headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.2")]),
            Some(proxy),
            &[proxy, "10.0.0.2".parse().unwrap()],
        );
        assert_eq!(two.address, "203.0.113.7");
        let junk = ClientInfo::resolve(
            &headers(&[("x-forwarded-for", "not-an-ip")]),
            Some(proxy),
            &[proxy],
        );
        assert_eq!(junk.address, "10.0.0.1");
        let mapped = ClientInfo::resolve(&h, Some("::ffff:10.0.0.1".parse().unwrap()), &[proxy]);
        assert_eq!(mapped.address, "203.0.113.7");
    }

    #[test]
    fn trusted_proxy_lists_parse_or_name_the_bad_entry() {
        assert_eq!(
            parse_trusted_proxies("127.0.0.1, ::1 10.0.0.5")
                .unwrap()
                .len(),
            3
        );
        assert!(parse_trusted_proxies("10.0.0.0/8")
            .unwrap_err()
            .contains("10.0.0.0/8"));
        assert!(parse_trusted_proxies("").unwrap().is_empty());
    }

    #[test]
    fn authorities_are_taken_only_from_absolute_urls() {
        assert_eq!(
            authority("https://A.example:8443/x?y").as_deref(),
            Some("a.example:8443")
        );
        assert_eq!(authority("http://a.example").as_deref(), Some("a.example"));
        assert_eq!(authority("null"), None);
        assert_eq!(authority("https://evil@a.example"), None);
        assert_eq!(authority("ftp://a.example"), None);
    }
}
