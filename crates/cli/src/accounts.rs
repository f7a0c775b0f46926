//! `bangfu user add` and `bangfu token create|revoke`.

use anyhow::bail;
use bangfu_app::{random_hex, sha256_hex};
use bangfu_domain::user::{Login, Role};
use bangfu_store::{NewApiToken, NewUser};
use bangfu_store::{SessionStore, SqlStore, UserStore};

async fn open(db_url: &str) -> anyhow::Result<(SqlStore, bangfu_domain::Plan)> {
    let store = crate::open::open(db_url).await?;
    let Some(plan) = bangfu_store::PlanStore::plan(&store).await? else {
        bail!("数据库 {db_url} 中还没有载入方案，先运行 `bangfu init`");
    };
    Ok((store, plan))
}

pub struct UserArgs {
    pub login: String,
    pub role: String,
    pub unit: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub async fn add_user(db_url: &str, args: UserArgs) -> anyhow::Result<()> {
    let (store, plan) = open(db_url).await?;
    let login = Login::parse(&args.login).map_err(anyhow::Error::msg)?;
    let role = Role::parse(&args.role).map_err(anyhow::Error::msg)?;
    let unit = args
        .unit
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    match (&unit, role.needs_unit()) {
        (None, true) => bail!("填报人必须用 --unit 指定所属单位代码（见 `bangfu plan show`）"),
        (Some(u), true) if plan.unit(u).is_none() => {
            bail!("单位代码“{u}”不在方案中（见 `bangfu plan show`）")
        }
        (Some(_), false) => bail!(
            "只有填报人（reporter）属于某个单位，{} 不用 --unit",
            role.label()
        ),
        _ => {}
    }
    let email = crate::notify_cmd::check_email(args.email.as_deref().unwrap_or(""))?;
    let phone = crate::notify_cmd::check_phone(args.phone.as_deref().unwrap_or(""))?;
    let (password, generated, hash) = crate::init::new_password("BANGFU_PASSWORD").await?;
    store
        .create_user(
            NewUser {
                display_name: args.name.unwrap_or_else(|| login.to_string()),
                login: login.clone(),
                role,
                unit_code: unit,
                phone,
                email,
                password_hash: hash,
            },
            "cli",
        )
        .await?;
    if generated {
        println!(
            "已创建用户 {login}（{}），初始密码（只显示这一次）：{password}",
            role.label()
        );
    } else {
        println!(
            "已创建用户 {login}（{}），密码取自 BANGFU_PASSWORD",
            role.label()
        );
    }
    Ok(())
}

pub async fn create_token(
    db_url: &str,
    login: &str,
    label: &str,
    expires_in_days: Option<u32>,
) -> anyhow::Result<()> {
    let (store, _) = open(db_url).await?;
    let Some(user) = store.user_by_login(login).await? else {
        bail!("没有登录名为“{login}”的用户");
    };
    if !user.active {
        bail!("用户“{login}”已停用");
    }
    let token = format!("bf_{}", random_hex(24));
    let now = chrono::Utc::now();
    let expires_at = expires_in_days.map(|d| now + chrono::Duration::days(i64::from(d)));
    let new = NewApiToken {
        token_hash: sha256_hex(&token),
        label: label.to_string(),
        created_at: now,
        expires_at,
    };
    let id = store.create_token(&user, new, "cli").await?;
    println!("API 令牌（编号 {id}，只显示这一次，请妥善保存）：");
    println!("{token}");
    println!("使用方法：Authorization: Bearer {token}");
    match expires_at {
        Some(at) => println!(
            "有效期至：{}（北京时间）",
            at.with_timezone(&bangfu_app::beijing())
                .format("%Y-%m-%d %H:%M")
        ),
        None => println!("有效期：一直有效，直到吊销（bangfu token revoke {id}）"),
    }
    Ok(())
}

pub async fn revoke_token(db_url: &str, id: i64) -> anyhow::Result<()> {
    let (store, _) = open(db_url).await?;
    if store.revoke_token(id, "cli").await? {
        println!("令牌 {id} 已吊销");
        Ok(())
    } else {
        bail!("没有编号为 {id} 的有效令牌")
    }
}
