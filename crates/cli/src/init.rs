//! Preparing a database for use: migrations, the plan, the first administrator.

use anyhow::{bail, Context};
use bangfu_app::password::{generate_password, hash_password};
use bangfu_app::Context as UseCases;
use bangfu_domain::plan::parse_plan;
use bangfu_domain::user::{check_password_strength, Login, Role};
use bangfu_store::{NewUser, PlanStore, SqlStore, Store, StoreError, UserStore};
use std::path::Path;
use std::sync::Arc;

use crate::{BUILT_IN_PLAN, BUILT_IN_PLAN_NAME};

pub struct Prepared {
    /// What the use cases need; `serve` wraps it in the web state.
    pub state: UseCases,
    pub describe_db: String,
    /// What a live SQLite connection of the store reports; `None` on PostgreSQL.
    pub settings: Option<bangfu_store::SqliteSettings>,
    /// The database's lock, held shared for as long as the database is in use.
    pub lock: Option<crate::dblock::DbLock>,
}

/// Opens and migrates the database (creating a PostgreSQL database that does not exist yet);
/// on a new one loads the plan and creates `admin`.
pub async fn prepare(
    db_url: &str,
    plan_file: Option<&Path>,
    serving: bool,
) -> anyhow::Result<Prepared> {
    let lock = crate::dblock::shared(db_url)?;
    let (store, created) = SqlStore::connect_or_create(db_url)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact(db_url)))?;
    if created {
        println!("已创建 PostgreSQL 数据库 {}", redact(db_url));
    }
    store.migrate().await?;
    let key_file = crate::open::audit_key_path(db_url)
        .ok_or_else(|| anyhow::anyhow!(crate::open::POSTGRES_NEEDS_KEY))?;
    let store = store.open_audit_key(&key_file).await?;
    let settings = store.sqlite_settings().await?;

    let plan = match store.plan().await? {
        Some(loaded) => loaded_plan(&store, loaded, plan_file).await?,
        None => {
            let (name, source) = read_plan_source(plan_file)?;
            // Validate fully before touching the database.
            let plan = parse_plan(&name, &source)?;
            match store.load_plan(&plan, &source, "system").await {
                Ok(()) => {
                    println!("已载入方案：{}（{}）", plan.info.title, name);
                    plan
                }
                // Another server starting on the same database loaded it first.
                Err(StoreError::PlanAlreadyLoaded(_)) => {
                    let loaded = store
                        .plan()
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("方案读取失败"))?;
                    loaded_plan(&store, loaded, plan_file).await?
                }
                Err(e) => return Err(e.into()),
            }
        }
    };

    if store.users().await?.is_empty() {
        create_first_admin(&store).await?;
    }

    // Audit entries a stopped server left queued join the chain before anything else is done.
    store.chain_queued_audit().await?;
    let store = if serving && queue_audit(store.backend())? {
        store.with_audit_chainer()
    } else {
        store
    };
    let describe_db = format!("{} {}", store.backend().name(), redact(db_url));
    Ok(Prepared {
        state: UseCases::new(Arc::new(store), Arc::new(plan)),
        describe_db,
        settings,
        lock,
    })
}

/// Whether `serve` queues audit entries for a background chainer (`BANGFU_AUDIT_CHAINING`:
/// `queued` or `in-transaction`). By default PostgreSQL queues: its writers run concurrently, and
/// chaining inside each transaction would hold the chain's end, one row for the whole database,
/// until every commit's end. SQLite has one writer at a time anyway, so chaining inside it costs
/// no concurrency and saves the queue's second write.
fn queue_audit(backend: bangfu_store::Backend) -> anyhow::Result<bool> {
    match std::env::var("BANGFU_AUDIT_CHAINING")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(backend == bangfu_store::Backend::Postgres),
        Some("queued") => Ok(true),
        Some("in-transaction") => Ok(false),
        Some(other) => {
            bail!("BANGFU_AUDIT_CHAINING 的值“{other}”无效：应为 queued 或 in-transaction")
        }
    }
}

/// The plan a database holds, refused when `--plan` names another one.
async fn loaded_plan(
    store: &SqlStore,
    loaded: bangfu_domain::plan::Plan,
    plan_file: Option<&Path>,
) -> anyhow::Result<bangfu_domain::plan::Plan> {
    if let Some(file) = plan_file {
        let (name, source) = read_plan_source(Some(file))?;
        let wanted = parse_plan(&name, &source)?;
        if wanted.info.code != loaded.info.code {
            bail!(
                "数据库已载入方案“{}”（{}），--plan 只用于新数据库；请换一个 --db",
                loaded.info.title,
                loaded.info.code
            );
        }
    }
    adopt_registries(store, loaded, plan_file).await
}

/// A database loaded before registers were plan data: the registers of the same plan as it now
/// reads (the built-in one or `--plan`), when every row they feed is in the loaded plan.
async fn adopt_registries(
    store: &SqlStore,
    loaded: bangfu_domain::plan::Plan,
    plan_file: Option<&Path>,
) -> anyhow::Result<bangfu_domain::plan::Plan> {
    if !loaded.registries.is_empty() {
        return Ok(loaded);
    }
    let (name, source) = read_plan_source(plan_file)?;
    let Ok(wanted) = parse_plan(&name, &source) else {
        return Ok(loaded);
    };
    let fits = wanted.info.code == loaded.info.code
        && wanted
            .registries
            .iter()
            .flat_map(|r| &r.feeds)
            .all(|f| loaded.indicator(&f.indicator).is_some());
    if !fits {
        return Ok(loaded);
    }
    if store.adopt_registries(&wanted, "system").await? {
        let names: Vec<&str> = wanted.registries.iter().map(|r| r.name.as_str()).collect();
        println!("已为方案补充台账：{}", names.join("、"));
    }
    // Read again: adopted now, or by another server starting on the same database.
    store
        .plan()
        .await?
        .ok_or_else(|| anyhow::anyhow!("方案读取失败"))
}

pub fn read_plan_source(file: Option<&Path>) -> anyhow::Result<(String, String)> {
    match file {
        None => Ok((BUILT_IN_PLAN_NAME.to_string(), BUILT_IN_PLAN.to_string())),
        Some(path) => {
            let source = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取方案文件 {}", path.display()))?;
            Ok((path.display().to_string(), source))
        }
    }
}

/// A new account's password: from the environment variable `var` if set (and strong enough),
/// otherwise generated. Returns the password, whether it was generated, and its argon2 hash.
pub async fn new_password(var: &str) -> anyhow::Result<(String, bool, String)> {
    let (password, generated) = match std::env::var(var) {
        Ok(p) if !p.is_empty() => {
            check_password_strength("密码", &p)
                .map_err(|e| anyhow::anyhow!("{var} 不可用：{e}"))?;
            (p, false)
        }
        _ => (generate_password(), true),
    };
    let hash = hash_password(password.clone())
        .await
        .map_err(anyhow::Error::msg)?;
    Ok((password, generated, hash))
}

async fn create_first_admin(store: &SqlStore) -> anyhow::Result<()> {
    let (password, generated, hash) = new_password("BANGFU_ADMIN_PASSWORD").await?;
    let created = store
        .create_user(
            NewUser {
                login: Login::parse("admin").map_err(anyhow::Error::msg)?,
                display_name: "系统管理员".into(),
                role: Role::Admin,
                unit_code: None,
                phone: String::new(),
                email: String::new(),
                password_hash: hash,
            },
            "system",
        )
        .await;
    match created {
        Ok(_) => {}
        // Another server starting on the same database created it first: its password stands.
        Err(StoreError::LoginTaken(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if generated {
        println!("已创建管理员账号 admin，初始密码（只显示这一次，请登录后修改）：{password}");
    } else {
        println!("已创建管理员账号 admin（密码取自 BANGFU_ADMIN_PASSWORD）");
    }
    Ok(())
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact("sqlite://./data/x.db"),
            "sqlite://./data/x.db"
        );
    }
}
