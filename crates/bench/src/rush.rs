//! The deadline rush: N clients, each the reporter of its own unit, log in, save their whole form
//! several times and submit, all over keep-alive connections.

use crate::dataset::{self, Forms, Rng};
use crate::http::{self, HttpClient, Stats};
use crate::server::Server;
use hyper::Method;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The real server: log in, CSRF header, the real API.
    Bangfu,
    /// The bare limit: no login; the same requests.
    Bare,
}

#[derive(Clone)]
pub struct Load {
    pub clients: usize,
    pub saves: usize,
    /// Mean think time between a client's requests (uniform in 0..2×mean); 0 = closed loop.
    pub think_ms: u64,
    pub period: String,
    pub units: Vec<String>,
    pub seed: u64,
}

#[derive(Debug, Serialize, Default)]
pub struct RushResult {
    pub clients: usize,
    pub saves: usize,
    pub submits: usize,
    pub errors: usize,
    pub first_errors: Vec<String>,
    pub duration_s: f64,
    pub saves_per_s: f64,
    pub save: Stats,
    pub submit: Stats,
    pub login: Stats,
    pub login_phase_s: f64,
    /// Peak resident memory over the whole run (VmHWM), and the highest RSS sampled during the
    /// rush itself (after the logins).
    pub server_vmhwm_mb: f64,
    pub server_rss_rush_peak_mb: f64,
    pub server_cpu_s: f64,
}

struct ClientOutcome {
    login: Option<Duration>,
    saves: Vec<Duration>,
    submits: Vec<Duration>,
    errors: Vec<String>,
}

/// The body of one save: every row of the unit's form, and the narrative.
fn save_body(
    forms: &Forms,
    unit: &str,
    base: Option<&BTreeMap<String, i64>>,
    rng: &mut Rng,
    version: Option<i64>,
    round: usize,
) -> Vec<u8> {
    let mut values = forms.increments(unit, rng);
    if let Some(base) = base {
        dataset::add(&mut values, base);
    }
    let precision: HashMap<&str, u32> = forms.rows[unit]
        .iter()
        .map(|r| (r.code.as_str(), r.precision))
        .collect();
    let values: Vec<serde_json::Value> = values
        .iter()
        .map(|(code, v)| {
            // Random figures differ from the registers' (台账): each carries its 说明.
            serde_json::json!({
                "indicator": code,
                "value": dataset::show(*v, precision[code.as_str()]),
                "comment": "与台账核对：差额为尚未录入台账的项目",
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "values": values,
        "narrative": {
            "progress": format!("第{round}次保存：本季度按计划推进帮扶协作各项工作，资金和项目进展顺利。"),
            "problems": "个别项目进度偏慢。",
            "next_steps": "加快推进，确保完成年度任务。",
        },
        "version": version,
    }))
    .expect("JSON")
}

pub async fn run(
    server: &Server,
    target: Target,
    load: &Load,
    forms: Arc<Forms>,
    ytd: Arc<HashMap<String, BTreeMap<String, i64>>>,
) -> anyhow::Result<RushResult> {
    let client = http::client();
    let n = load.clients.min(load.units.len());
    let logged_in = Arc::new(Barrier::new(n + 1));
    let done_login = Arc::new(Barrier::new(n + 1));
    let start_rush = Arc::new(Barrier::new(n + 1));
    let mut handles = Vec::with_capacity(n);
    let cpu_before = server.cpu_seconds();
    for (i, unit) in load.units.iter().take(n).enumerate() {
        let client = client.clone();
        let base = server.url.clone();
        let unit = unit.clone();
        let load = load.clone();
        let forms = forms.clone();
        let ytd = ytd.clone();
        let (a, b, c) = (logged_in.clone(), done_login.clone(), start_rush.clone());
        handles.push(tokio::spawn(async move {
            let mut rng = Rng::new(load.seed ^ ((i as u64 + 1) * 0x9E37_79B9));
            let me = Client {
                http: &client,
                base: &base,
                target,
                load: &load,
                unit: &unit,
                forms: &forms,
                ytd: ytd.get(&unit),
            };
            me.run(&mut rng, [a, b, c]).await
        }));
    }
    let login_start = Instant::now();
    logged_in.wait().await;
    let login_phase = login_start.elapsed();
    // Sample the server's RSS during the rush only.
    let sampling = Arc::new(AtomicBool::new(true));
    let pid = server.pid();
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak = 0.0_f64;
            while sampling.load(Ordering::Relaxed) {
                if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    if let Some(kb) = s
                        .lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|x| x.parse::<f64>().ok())
                    {
                        peak = peak.max(kb / 1024.0);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (peak * 10.0).round() / 10.0
        })
    };
    done_login.wait().await;
    crate::log(format!(
        "logins done in {:.1} s; rush starts",
        login_phase.as_secs_f64()
    ));
    let rush_start = Instant::now();
    start_rush.wait().await;
    let mut outcomes = Vec::with_capacity(n);
    for h in handles {
        outcomes.push(h.await?);
    }
    let duration = rush_start.elapsed();
    crate::log(format!("rush done in {:.1} s", duration.as_secs_f64()));
    sampling.store(false, Ordering::Relaxed);
    let rss_rush = sampler.await?;
    let (hwm, _) = server.memory_mb();

    let mut r = RushResult {
        clients: n,
        ..Default::default()
    };
    let mut saves = Vec::new();
    let mut submits = Vec::new();
    let mut logins = Vec::new();
    for o in outcomes {
        saves.extend(o.saves);
        submits.extend(o.submits);
        logins.extend(o.login);
        r.errors += o.errors.len();
        for e in o.errors {
            if r.first_errors.len() < 5 {
                r.first_errors.push(e);
            }
        }
    }
    r.saves = saves.len();
    r.submits = submits.len();
    r.duration_s = round3(duration.as_secs_f64());
    r.saves_per_s = round3(saves.len() as f64 / duration.as_secs_f64());
    r.save = Stats::of(&saves);
    r.submit = Stats::of(&submits);
    r.login = Stats::of(&logins);
    r.login_phase_s = round3(login_phase.as_secs_f64());
    r.server_vmhwm_mb = hwm;
    r.server_rss_rush_peak_mb = rss_rush;
    r.server_cpu_s = round3(server.cpu_seconds() - cpu_before);
    Ok(r)
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One simulated reporter: its unit, the server and the load it takes part in.
struct Client<'a> {
    http: &'a HttpClient,
    base: &'a str,
    target: Target,
    load: &'a Load,
    unit: &'a str,
    forms: &'a Forms,
    ytd: Option<&'a BTreeMap<String, i64>>,
}

impl Client<'_> {
    /// Logs in with everyone, waits for the rush, then saves `load.saves` times and submits.
    async fn run(&self, rng: &mut Rng, barriers: [Arc<Barrier>; 3]) -> ClientOutcome {
        let [logged_in, done_login, start_rush] = barriers;
        let mut out = ClientOutcome {
            login: None,
            saves: Vec::new(),
            submits: Vec::new(),
            errors: Vec::new(),
        };
        // Log in (the real server only).
        let auth = if self.target == Target::Bangfu {
            self.login(&mut out).await
        } else {
            Some(Vec::new())
        };
        logged_in.wait().await;
        done_login.wait().await;
        start_rush.wait().await;
        let Some(auth) = auth else {
            return out;
        };
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let report = format!(
            "{}/api/v1/reports/{}/{}",
            self.base, self.load.period, self.unit
        );
        if let Some(version) = self.save_rounds(&report, &headers, rng, &mut out).await {
            self.submit(&report, &headers, version, &mut out).await;
        }
        out
    }

    /// The session cookie and CSRF header, or `None` (and the error noted) when login fails.
    async fn login(&self, out: &mut ClientOutcome) -> Option<Vec<(String, String)>> {
        let unit = self.unit;
        let body = serde_json::json!({
            "login": dataset::reporter_login(unit),
            "password": dataset::PASSWORD,
        });
        match http::send(
            self.http,
            Method::POST,
            &format!("{}/api/v1/login", self.base),
            &[],
            Some(serde_json::to_vec(&body).expect("JSON")),
        )
        .await
        {
            Ok(resp) if resp.ok() => {
                out.login = Some(resp.elapsed);
                let cookie = resp
                    .headers
                    .get("set-cookie")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .unwrap_or_default()
                    .to_string();
                let csrf = resp
                    .json()
                    .ok()
                    .and_then(|j| j["csrf_token"].as_str().map(str::to_string))
                    .unwrap_or_default();
                Some(vec![
                    ("cookie".into(), cookie),
                    ("x-csrf-token".into(), csrf),
                ])
            }
            Ok(resp) => {
                out.errors
                    .push(format!("login {unit}: {}", resp.describe()));
                None
            }
            Err(e) => {
                out.errors.push(format!("login {unit}: {e:#}"));
                None
            }
        }
    }

    /// A pause of up to twice the think time, or none without one.
    fn think(&self, rng: &mut Rng) -> Option<Duration> {
        let think_ms = self.load.think_ms;
        (think_ms > 0).then(|| Duration::from_millis(rng.below(2 * think_ms + 1)))
    }

    /// The saves, thinking between them; the last version saved, or `None` after a failed save.
    async fn save_rounds(
        &self,
        report: &str,
        headers: &[(&str, &str)],
        rng: &mut Rng,
        out: &mut ClientOutcome,
    ) -> Option<Option<i64>> {
        let unit = self.unit;
        let mut version: Option<i64> = None;
        // Spread the first requests over the first think interval, as people do not click at once.
        if let Some(d) = self.think(rng) {
            tokio::time::sleep(d).await;
        }
        for round in 1..=self.load.saves {
            let body = save_body(self.forms, unit, self.ytd, rng, version, round);
            match http::send(
                self.http,
                Method::PUT,
                &format!("{report}/values"),
                headers,
                Some(body),
            )
            .await
            {
                Ok(resp) if resp.ok() => {
                    out.saves.push(resp.elapsed);
                    version = resp.json().ok().and_then(|j| j["version"].as_i64());
                }
                Ok(resp) => {
                    out.errors.push(format!("save {unit}: {}", resp.describe()));
                    return None;
                }
                Err(e) => {
                    out.errors.push(format!("save {unit}: {e:#}"));
                    return None;
                }
            }
            if let Some(d) = self.think(rng) {
                tokio::time::sleep(d).await;
            }
        }
        Some(version)
    }

    async fn submit(
        &self,
        report: &str,
        headers: &[(&str, &str)],
        version: Option<i64>,
        out: &mut ClientOutcome,
    ) {
        let unit = self.unit;
        let body = serde_json::to_vec(&serde_json::json!({ "version": version })).expect("JSON");
        match http::send(
            self.http,
            Method::POST,
            &format!("{report}/submit"),
            headers,
            Some(body),
        )
        .await
        {
            Ok(resp) if resp.ok() => out.submits.push(resp.elapsed),
            Ok(resp) => out
                .errors
                .push(format!("submit {unit}: {}", resp.describe())),
            Err(e) => out.errors.push(format!("submit {unit}: {e:#}")),
        }
    }
}
