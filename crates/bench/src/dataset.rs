//! The synthetic dataset: users, past reports with plausible values and workflow histories, task
//! progress. Written with bulk SQL into a database that `bangfu init` has prepared (migrations
//! and the synthetic plan), so that generating 20 000 reports takes seconds, not an hour of
//! fsyncs. Bulk rows carry no audit entries; the audit chain stays valid (it only starts later).

use crate::db::{Db, V};
use anyhow::Context;
use bangfu_domain::period::Period;
use bangfu_domain::plan::{Plan, RuleKind};
use bangfu_domain::Quantity;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The password of every synthetic account.
pub const PASSWORD: &str = "bench-password-2026";
pub const COORDINATOR_LOGIN: &str = "bench-coord";

/// A small, fast, seeded generator (xorshift64*): the same seed gives the same dataset.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A row of a unit's form: code and decimals.
#[derive(Debug, Clone)]
pub struct FormRow {
    pub code: String,
    pub precision: u32,
}

/// What every unit fills, computed once (the plan's own lookup is per unit and per row).
pub struct Forms {
    pub rows: HashMap<String, Vec<FormRow>>,
    rules: Vec<(RuleKind, String, Vec<String>)>,
}

impl Forms {
    pub fn new(plan: &Plan) -> Self {
        let mut rows: HashMap<String, Vec<FormRow>> = HashMap::new();
        for ind in plan.indicators.iter().filter(|i| i.takes_value()) {
            let units: HashSet<&str> = plan
                .responsible_parties(ind)
                .iter()
                .flat_map(|p| plan.expand_party(p))
                .collect();
            let precision = ind.unit.as_deref().map_or(0, |u| plan.precision(u));
            for u in &plan.units {
                if units.contains(u.code.as_str()) {
                    rows.entry(u.code.clone()).or_default().push(FormRow {
                        code: ind.code.clone(),
                        precision,
                    });
                }
            }
        }
        let rules = plan
            .rules
            .iter()
            .map(|r| (r.kind, r.left.clone(), r.right.clone()))
            .collect();
        Forms { rows, rules }
    }

    /// One quarter's increments of a unit's rows (scaled by 10^4) that satisfy every rule.
    pub fn increments(&self, unit: &str, rng: &mut Rng) -> BTreeMap<String, i64> {
        let rows = self.rows.get(unit).map(Vec::as_slice).unwrap_or(&[]);
        let mut v: BTreeMap<String, i64> = BTreeMap::new();
        for r in rows {
            let step = 10_i64.pow(4 - r.precision.min(4));
            // Counts up to 20 a quarter; 万元 up to 500.00; 亿元/万人/万吨 up to 0.5000.
            let max = match r.precision {
                0 => 20,
                1 | 2 => 50_000,
                _ => 5_000,
            };
            v.insert(r.code.clone(), rng.below(max + 1) as i64 * step);
        }
        let step_of = |code: &str| {
            rows.iter()
                .find(|r| r.code == code)
                .map_or(1, |r| 10_i64.pow(4 - r.precision.min(4)))
        };
        for (kind, left, right) in &self.rules {
            if *kind != RuleKind::AtMost || !v.contains_key(left) {
                continue;
            }
            if let Some(&max) = right.first().and_then(|r| v.get(r)) {
                let step = step_of(left);
                let share = (max * (rng.below(101) as i64) / 100) / step * step;
                v.insert(left.clone(), share);
            }
        }
        for (kind, left, right) in &self.rules {
            if *kind == RuleKind::Sum
                && v.contains_key(left)
                && right.iter().all(|r| v.contains_key(r))
            {
                let sum = right.iter().map(|r| v[r]).sum();
                v.insert(left.clone(), sum);
            }
        }
        v
    }
}

pub fn add(a: &mut BTreeMap<String, i64>, b: &BTreeMap<String, i64>) {
    for (k, x) in b {
        *a.entry(k.clone()).or_default() += x;
    }
}

/// A scaled value as the decimal string a user types, at the row's precision.
pub fn show(scaled: i64, precision: u32) -> String {
    Quantity::from_scaled(scaled).format_fixed(precision)
}

pub fn reporter_login(unit: &str) -> String {
    format!("r-{}", unit.replace('_', "-"))
}

/// What the generator leaves for the rush: each unit's year-to-date values of the quarter
/// before the rush period (the rush must not look like a decrease).
pub struct Generated {
    pub reports: usize,
    pub values: usize,
    pub progress: usize,
    pub ledger_transactions: usize,
    pub registry_entries: usize,
    pub users: usize,
    pub ytd_before_rush: HashMap<String, BTreeMap<String, i64>>,
}

fn at_beijing(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    let naive = date.and_hms_opt(hour, 0, 0).expect("valid time");
    crate::beijing()
        .from_local_datetime(&naive)
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

const PROGRESS_TEXT: &str =
    "本季度按照实施方案推进各项帮扶协作工作，资金拨付和项目建设按计划进行，\
    组织开展结对交流、劳务培训和消费帮扶活动。";
const PROBLEMS_TEXT: &str = "部分项目受天气影响进度偏慢；受援地配套资金到位较晚。";
const NEXT_TEXT: &str = "加快项目建设进度，做好年度考核准备，继续推进产业合作和劳务协作。";

/// Writes the dataset into a database that has the plan loaded. `rush` is the period the
/// clients will fill: every period before it is history.
pub async fn generate(
    db: &Db,
    plan: &Plan,
    forms: &Forms,
    rush: &Period,
    seed: u64,
    registry_entries: usize,
) -> anyhow::Result<Generated> {
    let mut rng = Rng::new(seed);
    let users = create_users(db, plan).await?;
    let history: Vec<Period> = plan
        .periods()
        .into_iter()
        .filter(|p| p.code < rush.code)
        .collect();
    let ReportHistory {
        rows,
        planned,
        ytd_before_rush,
    } = ReportHistory::plan(plan, forms, &history, rush, &mut rng);
    let value_count = insert_reports(db, rows, &planned).await?;

    let progress = task_progress(db, plan, &history, &mut rng).await?;
    // The funds ledger (资金台账): budgets, projects and their transactions for every area and year.
    let ledger_transactions = ledger_entries(db, plan, &history, &mut rng).await?;
    // The registers (台账) behind the form's rows.
    let registry_entries =
        crate::registry_data::registry_entries(db, plan, &history, registry_entries, &mut rng)
            .await?;

    db.analyze().await?;
    Ok(Generated {
        reports: planned.len(),
        values: value_count,
        progress,
        ledger_transactions,
        registry_entries,
        users,
        ytd_before_rush,
    })
}

/// A report of the history: its period, unit, year-to-date values, status and submission time.
struct PlannedReport {
    period: String,
    unit: String,
    ytd: BTreeMap<String, i64>,
    status: &'static str,
    submitted: DateTime<Utc>,
}

/// Every unit's reports of the history: the report rows and what their values and events need.
struct ReportHistory {
    rows: Vec<Vec<V>>,
    planned: Vec<PlannedReport>,
    ytd_before_rush: HashMap<String, BTreeMap<String, i64>>,
}

impl ReportHistory {
    /// Values year by year: each quarter's year-to-date totals.
    fn plan(
        plan: &Plan,
        forms: &Forms,
        history: &[Period],
        rush: &Period,
        rng: &mut Rng,
    ) -> ReportHistory {
        let mut reports = ReportHistory {
            rows: Vec::new(),
            planned: Vec::new(),
            ytd_before_rush: HashMap::new(),
        };
        for unit in plan.units.iter().map(|u| u.code.as_str()) {
            let mut ytd: BTreeMap<String, i64> = BTreeMap::new();
            let mut year = 0;
            for p in history {
                if p.code.year() != year {
                    year = p.code.year();
                    ytd.clear();
                }
                add(&mut ytd, &forms.increments(unit, rng));
                if p.code.year() == rush.code.year() {
                    reports
                        .ytd_before_rush
                        .insert(unit.to_string(), ytd.clone());
                }
                // 2% never reported (缺报); the rest submitted, mostly approved.
                if rng.chance(2) {
                    continue;
                }
                let recent = p.code.year() == rush.code.year();
                reports.add(plan, p, unit, &ytd, recent, rng);
            }
        }
        reports
    }

    /// One submitted report of `unit` for `p`, with its status, time and reporter.
    fn add(
        &mut self,
        plan: &Plan,
        p: &Period,
        unit: &str,
        ytd: &BTreeMap<String, i64>,
        recent: bool,
        rng: &mut Rng,
    ) {
        let status = match rng.below(100) {
            0..=1 => "returned",
            2..=9 => "submitted",
            _ if recent && rng.chance(30) => "submitted",
            _ => "approved",
        };
        let late = rng.chance(8);
        let submitted = if late {
            at_beijing(p.deadline, 10) + Duration::days(1 + rng.below(10) as i64)
        } else {
            at_beijing(p.deadline, 10) - Duration::days(rng.below(15) as i64)
        };
        let events = match status {
            "approved" | "returned" => 3,
            _ => 2,
        };
        let name = plan.unit(unit).map_or("", |u| u.name.as_str());
        self.rows.push(vec![
            V::S(p.code.to_string()),
            V::S(unit.to_string()),
            V::S(status.into()),
            V::I(events),
            V::OT(Some(submitted)),
            V::B(late),
            V::S(format!("{name}填报人")),
            V::S(format!("010-6{:07}", rng.below(10_000_000))),
            V::S(format!("{name}：{PROGRESS_TEXT}")),
            V::S(PROBLEMS_TEXT.into()),
            V::S(NEXT_TEXT.into()),
            V::T(submitted - Duration::days(2)),
            V::T(submitted),
        ]);
        self.planned.push(PlannedReport {
            period: p.code.to_string(),
            unit: unit.to_string(),
            ytd: ytd.clone(),
            status,
            submitted,
        });
    }
}

/// Writes the reports, their values and workflow events; returns the number of values.
async fn insert_reports(
    db: &Db,
    rows: Vec<Vec<V>>,
    planned: &[PlannedReport],
) -> anyhow::Result<usize> {
    db.insert_rows(
        "reports",
        "period_code, unit_code, status, version, submitted_at, late, reporter_name, \
         reporter_phone, progress, problems, next_steps, created_at, updated_at",
        rows,
    )
    .await
    .context("insert reports")?;
    let ids = db.report_ids().await?;
    let mut values = Vec::new();
    let mut events = Vec::new();
    for r in planned {
        let id = ids[&(r.period.clone(), r.unit.clone())];
        values.extend(value_rows(id, r));
        events.extend(event_rows(id, r));
    }
    let value_count = values.len();
    db.insert_rows(
        "report_values",
        "report_id, indicator_code, value_scaled, comment, updated_at, updated_by",
        values,
    )
    .await
    .context("insert report values")?;
    db.insert_rows(
        "report_events",
        "report_id, occurred_at, actor, action, from_status, to_status, reason",
        events,
    )
    .await
    .context("insert report events")?;
    Ok(value_count)
}

/// The `report_values` rows of report `id`.
fn value_rows(id: i64, r: &PlannedReport) -> Vec<Vec<V>> {
    let login = reporter_login(&r.unit);
    r.ytd
        .iter()
        .map(|(code, v)| {
            vec![
                V::I(id),
                V::S(code.clone()),
                V::OI(Some(*v)),
                V::S(String::new()),
                V::T(r.submitted),
                V::S(login.clone()),
            ]
        })
        .collect()
}

/// The `report_events` rows of report `id`: its submission, then its approval or return.
fn event_rows(id: i64, r: &PlannedReport) -> Vec<Vec<V>> {
    let at = r.submitted;
    let mut events = vec![vec![
        V::I(id),
        V::T(at),
        V::S(reporter_login(&r.unit)),
        V::S("submit".into()),
        V::S("draft".into()),
        V::S("submitted".into()),
        V::S(String::new()),
    ]];
    let review = match r.status {
        "approved" => Some(("approve", "approved", "")),
        "returned" => Some(("return", "returned", "请补充佐证材料并核对资金数")),
        _ => None,
    };
    if let Some((action, to, reason)) = review {
        events.push(vec![
            V::I(id),
            V::T(at),
            V::S(COORDINATOR_LOGIN.into()),
            V::S(action.into()),
            V::S("submitted".into()),
            V::S(to.into()),
            V::S(reason.into()),
        ]);
    }
    events
}

/// Per recipient area and year of history: a budget from the first source with a form row, three
/// projects, and for each an allocation, a disbursement and an expenditure that keep every ledger
/// rule (allocated ≤ budget, disbursed ≤ allocated, spent ≤ disbursed). Returns the transactions.
async fn ledger_entries(
    db: &Db,
    plan: &Plan,
    history: &[Period],
    rng: &mut Rng,
) -> anyhow::Result<usize> {
    let Some(source) = plan.ledger.sources.iter().find(|s| s.row.is_some()) else {
        return Ok(0);
    };
    let mut areas: Vec<&str> = plan.pairings.iter().map(|p| p.area.as_str()).collect();
    areas.dedup();
    let mut years: Vec<i32> = history.iter().map(|p| p.code.year()).collect();
    years.dedup();
    let ledger = LedgerSetting {
        source: &source.code,
        unit: plan
            .units
            .first()
            .map(|u| u.code.clone())
            .unwrap_or_default(),
        recorded: at_beijing(
            history
                .first()
                .map_or_else(Default::default, |p| p.starts_on),
            9,
        ),
    };
    let mut rows = LedgerRows::default();
    for &year in &years {
        for &area in &areas {
            ledger.area_year(&mut rows, year, area, rng);
        }
    }
    ledger.insert(db, rows).await
}

/// What every synthetic ledger row shares: the funding source, implementing unit and time.
struct LedgerSetting<'a> {
    source: &'a str,
    unit: String,
    recorded: DateTime<Utc>,
}

/// Budget and project rows, and each project's planned flows by name:
/// (name, year, allocated, disbursed, spent) in 分.
#[derive(Default)]
struct LedgerRows {
    budgets: Vec<Vec<V>>,
    projects: Vec<Vec<V>>,
    flows: Vec<(String, i32, i64, i64, i64)>,
}

impl LedgerSetting<'_> {
    /// The area's budget of the year and its three projects.
    fn area_year(&self, rows: &mut LedgerRows, year: i32, area: &str, rng: &mut Rng) {
        let budget_fen: i64 = 300_000_000;
        rows.budgets.push(vec![
            V::I(year.into()),
            V::S(area.into()),
            V::S(self.source.to_string()),
            V::I(budget_fen),
            V::I(budget_fen / 2),
            V::S(String::new()),
            V::S("bench".into()),
            V::T(self.recorded),
        ]);
        for n in 0..3 {
            let name = format!("{year}年{area}援建项目{n}");
            let start = chrono::NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or_default();
            let finish = chrono::NaiveDate::from_ymd_opt(year, 11, 30).unwrap_or_default();
            rows.projects.push(vec![
                V::S(name.clone()),
                V::S(area.into()),
                V::S("education".into()),
                V::S(self.unit.clone()),
                V::B(n != 2),
                V::OD(Some(start)),
                V::OD(Some(finish)),
                V::OD(Some(start)),
                V::OD(None),
                V::S("in_progress".into()),
                V::I(100 + rng.below(900) as i64),
                V::S(String::new()),
                V::S(String::new()),
                V::S("bench".into()),
                V::T(self.recorded),
            ]);
            // Up to a third of the budget each, in 分.
            let allocated = 1 + rng.below(budget_fen as u64 / 3) as i64;
            let disbursed = allocated * (50 + rng.below(51) as i64) / 100;
            let spent = disbursed * (rng.below(101) as i64) / 100;
            rows.flows.push((name, year, allocated, disbursed, spent));
        }
    }

    /// Writes budgets, projects and their transactions; returns the number of transactions.
    async fn insert(&self, db: &Db, rows: LedgerRows) -> anyhow::Result<usize> {
        db.insert_rows(
            "budgets",
            "year, area_code, source_code, amount_fen, poverty_fen, note, updated_by, updated_at",
            rows.budgets,
        )
        .await
        .context("insert budgets")?;
        db.insert_rows(
            "projects",
            "name, area_code, sector, unit_code, poverty_relief, planned_start, planned_finish, \
             actual_start, actual_finish, status, beneficiaries, task_codes, note, updated_by, updated_at",
            rows.projects,
        )
        .await
        .context("insert projects")?;
        let ids = db.project_ids().await?;
        let mut transactions = Vec::new();
        for (name, year, allocated, disbursed, spent) in rows.flows {
            let id = *ids.get(&name).context("project just inserted")?;
            let day = |m: u32| chrono::NaiveDate::from_ymd_opt(year, m, 15).unwrap_or_default();
            for (kind, month, fen) in [
                ("allocation", 3, allocated),
                ("disbursement", 5, disbursed),
                ("expenditure", 9, spent),
            ] {
                if fen == 0 {
                    continue;
                }
                transactions.push(vec![
                    V::S(kind.into()),
                    V::D(day(month)),
                    V::I(fen),
                    V::S(self.source.to_string()),
                    V::I(id),
                    V::S(format!("记-{year}-{id}")),
                    V::S(String::new()),
                    V::OI(None),
                    V::OS(None),
                    V::S("bench".into()),
                    V::T(self.recorded),
                ]);
            }
        }
        let n = transactions.len();
        db.insert_rows(
            "ledger_transactions",
            "kind, tx_date, amount_fen, source_code, project_id, voucher, note, reverses, \
             override_reason, recorded_by, recorded_at",
            transactions,
        )
        .await
        .context("insert ledger transactions")?;
        Ok(n)
    }
}

/// One reporter per unit, one coordinator and one viewer; the same argon2 hash for all
/// (hashing 500 passwords would dominate the set-up; logins still verify it each time).
async fn create_users(db: &Db, plan: &Plan) -> anyhow::Result<usize> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?
        .to_string();
    let now = Utc::now();
    let mut rows: Vec<Vec<V>> = plan
        .units
        .iter()
        .map(|u| {
            vec![
                V::S(reporter_login(&u.code)),
                V::S(format!("{}填报人", u.name)),
                V::S("reporter".into()),
                V::OS(Some(u.code.clone())),
                V::S("010-60000000".into()),
                V::S(hash.clone()),
                V::T(now),
            ]
        })
        .collect();
    rows.push(vec![
        V::S(COORDINATOR_LOGIN.into()),
        V::S("经济协作办公室".into()),
        V::S("coordinator".into()),
        V::OS(None),
        V::S(String::new()),
        V::S(hash.clone()),
        V::T(now),
    ]);
    let n = rows.len();
    db.insert_rows(
        "users",
        "login, display_name, role, unit_code, phone, password_hash, created_at",
        rows,
    )
    .await
    .context("insert users")?;
    Ok(n)
}

/// Progress on the targets that no form row measures, by their first lead unit, each quarter.
async fn task_progress(
    db: &Db,
    plan: &Plan,
    history: &[Period],
    rng: &mut Rng,
) -> anyhow::Result<usize> {
    let mut rows = Vec::new();
    for task in &plan.tasks {
        let Some(unit) = task
            .lead
            .iter()
            .flat_map(|p| plan.expand_party(p))
            .next()
            .map(str::to_string)
        else {
            continue;
        };
        for (seq, target) in task.targets.iter().enumerate() {
            if target.indicator.is_some() {
                continue;
            }
            let areas: Vec<Option<String>> = if target.per_area {
                let list = if target.areas.is_empty() {
                    &task.areas
                } else {
                    &target.areas
                };
                list.iter().map(|a| Some(a.clone())).collect()
            } else {
                vec![None]
            };
            let precision = plan.precision(&target.unit);
            for p in history {
                for area in &areas {
                    let step = 10_i64.pow(4 - precision.min(4));
                    rows.push(vec![
                        V::S(task.code.clone()),
                        V::I(seq as i64),
                        V::S(unit.clone()),
                        V::B(false),
                        V::S(p.code.to_string()),
                        V::OS(area.clone()),
                        V::I((1 + rng.below(3) as i64) * step),
                        V::S("按计划推进".into()),
                        V::S(reporter_login(&unit)),
                        V::T(at_beijing(p.deadline, 9)),
                    ]);
                }
            }
        }
    }
    let n = rows.len();
    db.insert_rows(
        "task_progress",
        "task_code, target_seq, unit_code, cooperating, period_code, area_code, \
         quantity_scaled, note, recorded_by, recorded_at",
        rows,
    )
    .await
    .context("insert task progress")?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::report::{check_report, has_errors, CheckMode, Entry};

    #[test]
    fn generated_forms_pass_the_plans_rules() {
        let plan =
            bangfu_domain::plan::parse_plan("p", crate::plan_gen::BUILT_IN_PLAN).expect("plan");
        let forms = Forms::new(&plan);
        let mut rng = Rng::new(7);
        for unit in &plan.units {
            assert_eq!(
                forms.rows.get(&unit.code).map_or(0, Vec::len),
                plan.indicators_for_unit(&unit.code).len()
            );
            for _ in 0..20 {
                let v = forms.increments(&unit.code, &mut rng);
                let entries = v
                    .iter()
                    .map(|(k, x)| {
                        (
                            k.clone(),
                            Entry {
                                value: Some(Quantity::from_scaled(*x)),
                                comment: String::new(),
                            },
                        )
                    })
                    .collect();
                let f = check_report(
                    &plan,
                    &unit.code,
                    &entries,
                    &BTreeMap::new(),
                    CheckMode::Submit,
                );
                assert!(!has_errors(&f), "{}: {f:?}", unit.code);
            }
        }
    }
}
