//! `bangfu`: the command line of 帮扶协作管理系统. Thin: it parses arguments and calls the
//! domain, store and web crates.

mod accounts;
mod audit_cmd;
mod backup;
mod dblock;
mod init;
mod ledger_cmd;
mod notify_cmd;
mod open;
mod plan_cmd;
mod report_cmd;
mod sheets_cmd;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// The plan this binary carries: Beijing Daxing District's 2017-2020 plan.
pub const BUILT_IN_PLAN: &str = include_str!("../../../plans/daxing-2017-2020.toml");
pub const BUILT_IN_PLAN_NAME: &str = "plans/daxing-2017-2020.toml（内置）";

#[derive(Parser)]
#[command(
    name = "bangfu",
    version,
    about = "bangfu 帮扶协作管理系统：把帮扶协作实施方案变成可填报、可汇总、可督办的系统",
    long_about = "bangfu 帮扶协作管理系统：把帮扶协作实施方案变成可填报、可汇总、可督办的系统。\n\n\
                  最常用：\n  bangfu serve                 在 http://127.0.0.1:8080 运行（SQLite，./data/bangfu.db，内置方案）\n  \
                  bangfu plan check 方案.toml   检查一个方案文件\n  bangfu plan show --json       输出数据库中的方案"
)]
struct Cli {
    #[arg(
        help = "数据库：sqlite://路径（默认 sqlite://./data/bangfu.db）或 postgres://用户@主机/库名"
    )]
    #[arg(long, global = true, env = "BANGFU_DATABASE_URL", default_value = bangfu_store::DEFAULT_DATABASE_URL)]
    db: String,

    #[arg(
        help = "审计密钥文件（第一次启动时创建，权限 0600；默认为 SQLite 数据库文件旁的 audit.key，PostgreSQL 须指定）"
    )]
    #[arg(long = "audit-key", global = true, env = "BANGFU_AUDIT_KEY_FILE")]
    audit_key: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(about = "运行网页系统。新数据库会自动迁移、载入方案并创建管理员 admin")]
    Serve {
        #[arg(help = "监听地址")]
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        #[arg(help = "新数据库要载入的方案文件（默认：内置的大兴区方案）")]
        #[arg(long)]
        plan: Option<PathBuf>,
        #[command(flatten)]
        web: WebSettings,
    },
    #[command(about = "只准备数据库、不启动服务：迁移、载入方案、创建管理员")]
    Init {
        #[arg(help = "新数据库要载入的方案文件（默认：内置的大兴区方案）")]
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    #[command(about = "检查或查看方案")]
    #[command(subcommand)]
    Plan(PlanCommand),
    #[command(about = "管理用户账号")]
    #[command(subcommand)]
    User(UserCommand),
    #[command(about = "管理供程序调用的 API 令牌")]
    #[command(subcommand)]
    Token(TokenCommand),
    #[command(about = "进展情况表（附件）的 Excel 导出与导入")]
    #[command(subcommand)]
    Form(FormCommand),
    #[command(about = "任务分解表")]
    #[command(subcommand)]
    Tasks(TasksCommand),
    #[command(about = "季度书面报告（Word）：全区帮扶协作工作进展情况")]
    #[command(subcommand)]
    Report(ReportCommand),
    #[command(about = "资金台账：从 Excel 导入援建项目清单或资金流水，生成填写模板")]
    #[command(subcommand)]
    Ledger(LedgerCommand),
    #[command(about = "审计日志")]
    #[command(subcommand)]
    Audit(AuditCommand),
    #[command(
        about = "通知：截止提醒（供 cron 调用或检查）、测试消息、群机器人。邮件服务器见 BANGFU_SMTP_URL"
    )]
    #[command(subcommand)]
    Notify(NotifyCommand),
    #[command(about = "年度考核：各单位得分及理由")]
    Assess {
        #[arg(long)]
        year: i32,
        #[arg(help = "输出 JSON（供程序读取）")]
        #[arg(long)]
        json: bool,
    },
    #[command(about = "把运行中的 SQLite 数据库一致地备份到 FILE（PostgreSQL 请用 pg_dump）")]
    Backup {
        #[arg(help = "备份文件（不能已存在）")]
        file: PathBuf,
    },
    #[command(
        about = "用备份替换数据库（请先停止服务）：先检查备份的完整性和审计日志，原数据库连同 WAL 改名保留"
    )]
    Restore {
        #[arg(help = "用 bangfu backup 生成的备份文件")]
        file: PathBuf,
        #[arg(help = "替换已有数据库（原数据库改名保留）；服务运行时仍然拒绝")]
        #[arg(long)]
        force: bool,
        #[arg(
            help = "备份的审计日志有断点时仍然恢复；必须写明原因，原因记入恢复后数据库的审计日志"
        )]
        #[arg(long, value_name = "原因")]
        accept_broken_audit: Option<String>,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    #[command(
        about = "生成书面报告 Word 初稿：某报送期的《帮扶协作工作进展情况》（--period），全年工作总结（--year），或与某受援地帮扶协作的年度情况（--year 加 --area）；默认只计已报送和已审核的报表"
    )]
    Docx {
        #[arg(help = "报送期代码，例如 2018Q2")]
        #[arg(long, conflicts_with = "year", required_unless_present = "year")]
        period: Option<String>,
        #[arg(help = "年份，例如 2018：全年工作总结")]
        #[arg(long)]
        year: Option<i32>,
        #[arg(help = "受援地代码，例如 cyqq：与该地区帮扶协作的年度情况（须同时给出 --year）")]
        #[arg(long, requires = "year")]
        area: Option<String>,
        #[arg(help = "只计已审核的报表（与 --include-drafts 同时给出时以此为准）")]
        #[arg(long)]
        approved_only: bool,
        #[arg(help = "也计入未报送的草稿（在文中逐句注明）")]
        #[arg(long)]
        include_drafts: bool,
        #[arg(help = "输出的 .docx 文件")]
        file: PathBuf,
    },
}

/// How the site is reached: behind which proxies, over HTTPS or not.
#[derive(clap::Args)]
struct WebSettings {
    #[arg(
        help = "受信任的反向代理的 IP 地址（逗号分隔）：只有来自它们的 X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host 才被采信"
    )]
    #[arg(long, env = "BANGFU_TRUSTED_PROXIES", default_value = "")]
    trusted_proxies: String,
    #[arg(help = "会话 Cookie 一律加 Secure 标记（经 HTTPS 访问时使用）")]
    #[arg(long, env = "BANGFU_SECURE_COOKIES")]
    secure_cookies: bool,
    #[arg(
        help = "用户访问本系统的网址，例如 https://bangfu.example.gov.cn；为 https 时 Cookie 加 Secure，其主机名也被当作本站来源"
    )]
    #[arg(long, env = "BANGFU_PUBLIC_URL")]
    public_url: Option<String>,
}

impl WebSettings {
    fn apply(self, state: &mut bangfu_web::AppState) -> anyhow::Result<()> {
        let proxies = bangfu_web::auth::client::parse_trusted_proxies(&self.trusted_proxies)
            .map_err(anyhow::Error::msg)?;
        state.trusted_proxies = std::sync::Arc::new(proxies);
        let public = self
            .public_url
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty());
        if let Some(url) = &public {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                anyhow::bail!("--public-url 须以 https:// 或 http:// 开头：{url}");
            }
        }
        state.secure_cookies =
            self.secure_cookies || public.as_deref().is_some_and(|u| u.starts_with("https://"));
        state.public_url = public;
        Ok(())
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    #[command(
        about = "校验审计日志：哈希链（用审计密钥）、回执，并逐项核对报表数据和资金流水；列出每一处不符（有不符时退出码非零）"
    )]
    Verify {
        #[arg(help = "此前保存的链尾回执（序号:哈希）：证明到这一条为止没有记录被改动或删除")]
        #[arg(long = "expect-head", value_name = "SEQ:HASH")]
        expect_head: Option<String>,
    },
    #[command(about = "输出当前链尾回执（序号:哈希），供审计人员在系统外保存")]
    Head,
    #[command(
        about = "旧版本数据库：从下一条记录起用审计密钥签名（新数据库第一次启动时已自动完成）"
    )]
    Seal,
}

#[derive(Subcommand)]
enum NotifyCommand {
    #[command(
        about = "生成截至某日到期的截止提醒（未报送的单位、逾期名单）并发送所有待发通知；重复运行不会重复发送"
    )]
    Run {
        #[arg(help = "按哪一天计算（默认今天，北京时间），例如 2018-03-13")]
        #[arg(long = "as-of", value_name = "DATE")]
        as_of: Option<String>,
        #[arg(help = "只列出到期的通知，不记录、不发送")]
        #[arg(long)]
        dry_run: bool,
    },
    #[command(
        about = "立即发送一条测试消息：邮箱地址，或群机器人网址（可在前面加 wecom 或 dingtalk 和空格）"
    )]
    Test {
        #[arg(long, value_name = "ADDRESS")]
        to: String,
        #[arg(help = "钉钉机器人“加签”的密钥（SEC 开头），测试加签的机器人时填")]
        #[arg(long)]
        secret: Option<String>,
    },
    #[command(about = "设置或删除群机器人（企业微信或钉钉）：某个单位的，或所有单位共用的")]
    Robot {
        #[arg(help = "单位代码；不填则为所有单位共用")]
        #[arg(long)]
        unit: Option<String>,
        #[arg(help = "wecom（企业微信，默认）或 dingtalk（钉钉）")]
        #[arg(long)]
        flavor: Option<String>,
        #[arg(help = "机器人的 Webhook 网址；不填则删除")]
        #[arg(long)]
        url: Option<String>,
        #[arg(help = "钉钉机器人“安全设置—加签”的密钥（SEC 开头）；不加签则不填")]
        #[arg(long)]
        secret: Option<String>,
    },
}

#[derive(Subcommand)]
enum FormCommand {
    #[command(about = "导出某单位的进展情况表，或全区的（汇总表在前，各单位各一页）")]
    Export {
        #[arg(help = "报送期代码，例如 2018Q2")]
        #[arg(long)]
        period: String,
        #[arg(help = "单位代码；不填则导出全区")]
        #[arg(long)]
        unit: Option<String>,
        #[arg(help = "ytd（年初至今累计）或 quarter（本季度新增）")]
        #[arg(long)]
        basis: Option<String>,
        #[arg(help = "只计已审核的报表（全区表）")]
        #[arg(long)]
        approved_only: bool,
        #[arg(help = "也计入未报送的草稿和被退回的报表（全区表；默认只计已报送和已审核的）")]
        #[arg(long)]
        include_drafts: bool,
        #[arg(short = 'o', long = "output", help = "输出的 .xlsx 文件")]
        output: PathBuf,
    },
    #[command(about = "把填好的进展情况表导入某单位的报表；有错误时逐行列出，退出码非零")]
    Import {
        #[arg(help = "填好的 .xlsx 文件")]
        file: PathBuf,
        #[arg(long)]
        period: String,
        #[arg(long)]
        unit: String,
        #[arg(help = "只显示修改和问题，不写入")]
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    #[command(
        about = "导入援建项目清单或资金流水（按表头自动识别）；先显示预览，全部无误才写入，有错误时逐行列出，退出码非零"
    )]
    Import {
        #[arg(help = "填好的 .xlsx 文件（第一个工作表；可用 bangfu ledger template 生成模板）")]
        file: PathBuf,
        #[arg(help = "登记人的登录名：财务或汇总单位的账号（超预算下达只限汇总单位）")]
        #[arg(long = "as", value_name = "LOGIN", env = "BANGFU_AS")]
        as_login: Option<String>,
        #[arg(help = "只显示预览和问题，不写入")]
        #[arg(long)]
        dry_run: bool,
    },
    #[command(about = "生成空白模板（表头、一行示例和填写说明）")]
    Template {
        #[arg(help = "projects（援建项目清单）或 transactions（资金流水）")]
        kind: String,
        #[arg(help = "输出的 .xlsx 文件")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum TasksCommand {
    #[command(about = "导出任务分解表（含最新进展）")]
    Export {
        #[arg(short = 'o', long = "output", help = "输出的 .xlsx 文件")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    #[command(about = "添加用户。密码取自 BANGFU_PASSWORD，否则自动生成并只显示一次")]
    Add {
        #[arg(long)]
        login: String,
        #[arg(help = roles_help())]
        #[arg(long)]
        role: String,
        #[arg(help = "填报人所属单位代码（见 bangfu plan show）")]
        #[arg(long)]
        unit: Option<String>,
        #[arg(help = "姓名（打印为“填报人”）")]
        #[arg(long)]
        name: Option<String>,
        #[arg(help = "联系电话")]
        #[arg(long)]
        phone: Option<String>,
        #[arg(help = "电子邮箱（接收通知）")]
        #[arg(long)]
        email: Option<String>,
    },
    #[command(about = "修改用户的联系方式和通知渠道")]
    Contact {
        #[arg(long)]
        login: String,
        #[arg(help = "电子邮箱；空字符串为删除")]
        #[arg(long)]
        email: Option<String>,
        #[arg(help = "联系电话")]
        #[arg(long)]
        phone: Option<String>,
        #[arg(help = "通知渠道，逗号分隔：app（站内通知）、email（电子邮件）；空字符串为不接收")]
        #[arg(long)]
        channels: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    #[command(about = "为用户创建 API 令牌；只显示一次，以哈希形式保存")]
    Create {
        #[arg(long)]
        login: String,
        #[arg(help = "令牌用途")]
        #[arg(long, default_value = "API 令牌")]
        label: String,
        #[arg(help = "有效天数；过期后令牌被拒绝（不填则一直有效，直到吊销）")]
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
    #[command(about = "按编号吊销令牌")]
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum PlanCommand {
    #[command(about = "检查方案文件；错误注明文件、行、列，不访问数据库")]
    Check {
        #[arg(help = "方案文件（TOML），格式见 plans/README.md")]
        file: PathBuf,
    },
    #[command(about = "查看数据库中已载入的方案")]
    Show {
        #[arg(help = "输出 JSON（供程序读取）")]
        #[arg(long)]
        json: bool,
    },
}

/// Every role a user can have, by code and by Chinese name.
fn roles_help() -> String {
    use bangfu_domain::user::Role;
    let codes: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let labels: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
    format!("角色：{}（或 {}）", codes.join("、"), labels.join("、"))
}

/// The error and its causes, each said once: a wrapped error often repeats its cause's text.
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push('：');
        }
        out.push_str(&text);
    }
    out
}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BANGFU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    open::set_audit_key_file(cli.audit_key.clone());
    let db = &cli.db;
    match cli.command {
        Command::Serve { addr, plan, web } => serve(db, addr, plan.as_deref(), web).await,
        Command::Init { plan } => {
            let prepared = init::prepare(db, plan.as_deref(), false).await?;
            println!(
                "数据库已就绪：{}（方案：{}）",
                prepared.describe_db, prepared.state.plan.info.title
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan(PlanCommand::Check { file }) => Ok(plan_cmd::check(&file)),
        Command::Plan(PlanCommand::Show { json }) => plan_cmd::show(db, json).await,
        Command::User(command) => user(db, command).await,
        Command::Token(command) => token(db, command).await,
        Command::Form(command) => form(db, command).await,
        Command::Report(ReportCommand::Docx {
            period,
            year,
            area,
            approved_only,
            include_drafts,
            file,
        }) => {
            let what = match (period, year, area) {
                (Some(period), _, _) => report_cmd::Written::Quarter(period),
                (None, Some(year), None) => report_cmd::Written::Year(year),
                (None, Some(year), Some(area)) => report_cmd::Written::Pairing(area, year),
                (None, None, _) => unreachable!("clap requires --period or --year"),
            };
            let scope =
                bangfu_domain::summary::ReportScope::from_switches(approved_only, include_drafts);
            report_cmd::docx(db, what, scope, &file).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Assess { year, json } => {
            sheets_cmd::assess(db, year, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            backup::backup(db, &file).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            file,
            force,
            accept_broken_audit,
        } => {
            backup::restore(db, &file, force, accept_broken_audit.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(command) => audit(db, command).await,
        Command::Tasks(TasksCommand::Export { output }) => {
            sheets_cmd::export_tasks(db, &output).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger(command) => ledger(db, command).await,
        Command::Notify(command) => notify(db, command).await,
    }
}

/// `bangfu serve`: runs the web server until it stops, holding the database lock.
async fn serve(
    db: &str,
    addr: SocketAddr,
    plan: Option<&std::path::Path>,
    web: WebSettings,
) -> anyhow::Result<ExitCode> {
    let init::Prepared {
        state: context,
        describe_db,
        settings,
        lock,
    } = init::prepare(db, plan, true).await?;
    // The one place the CLI builds the web state: to serve it.
    let mut context = context;
    let mut notify = bangfu_app::notify::Settings::from_env();
    if let Some(url) = &web.public_url {
        notify.public_url = url.trim().trim_end_matches('/').to_string();
    }
    context.notify = std::sync::Arc::new(notify);
    let mut state = bangfu_web::AppState::from(context.clone());
    web.apply(&mut state)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 {addr}：{e}（端口被占用？可用 --addr 换一个）"))?;
    let local = listener.local_addr()?;
    if let Some(settings) = settings {
        println!("SQLite 设置：{settings}");
    }
    println!(
        "bangfu 已启动：http://{local}/ （数据库：{describe_db}，方案：{}）",
        state.plan.info.title
    );
    // The sender and scheduler of notifications (see README: 通知).
    let sender = tokio::spawn(bangfu_app::notify::send::run_forever(
        context,
        format!("serve-{}-{}", std::process::id(), bangfu_app::random_hex(4)),
        notify_interval(),
    ));
    let served = bangfu_web::serve(listener, state).await;
    sender.abort();
    served?;
    // Held until the server has stopped: `restore` waits for it.
    drop(lock);
    Ok(ExitCode::SUCCESS)
}

/// How often `serve` looks for due messages: BANGFU_NOTIFY_INTERVAL_SECONDS, default 30.
fn notify_interval() -> std::time::Duration {
    let secs = std::env::var("BANGFU_NOTIFY_INTERVAL_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0 && *s <= 3600.0)
        .unwrap_or(30.0);
    std::time::Duration::from_secs_f64(secs)
}

async fn user(db: &str, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add {
            login,
            role,
            unit,
            name,
            phone,
            email,
        } => {
            let args = accounts::UserArgs {
                login,
                role,
                unit,
                name,
                phone,
                email,
            };
            accounts::add_user(db, args).await?;
        }
        UserCommand::Contact {
            login,
            email,
            phone,
            channels,
        } => {
            return notify_cmd::contact(
                db,
                &login,
                email.as_deref(),
                phone.as_deref(),
                channels.as_deref(),
            )
            .await
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn notify(db: &str, command: NotifyCommand) -> anyhow::Result<ExitCode> {
    match command {
        NotifyCommand::Run { as_of, dry_run } => {
            notify_cmd::run(db, as_of.as_deref(), dry_run).await
        }
        NotifyCommand::Test { to, secret } => notify_cmd::test(&to, secret.as_deref()).await,
        NotifyCommand::Robot {
            unit,
            flavor,
            url,
            secret,
        } => {
            notify_cmd::robot(
                db,
                unit.as_deref(),
                flavor.as_deref(),
                url.as_deref(),
                secret.as_deref(),
            )
            .await
        }
    }
}

async fn token(db: &str, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            login,
            label,
            expires_in_days,
        } => accounts::create_token(db, &login, &label, expires_in_days).await?,
        TokenCommand::Revoke { id } => accounts::revoke_token(db, id).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn form(db: &str, command: FormCommand) -> anyhow::Result<ExitCode> {
    match command {
        FormCommand::Export {
            period,
            unit,
            basis,
            approved_only,
            include_drafts,
            output,
        } => {
            sheets_cmd::export_form(
                db,
                &period,
                unit.as_deref(),
                basis.as_deref(),
                bangfu_domain::summary::ReportScope::from_switches(approved_only, include_drafts),
                &output,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        FormCommand::Import {
            file,
            period,
            unit,
            dry_run,
        } => sheets_cmd::import_form(db, &file, &period, &unit, dry_run).await,
    }
}

async fn audit(db: &str, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { expect_head } => audit_cmd::verify(db, expect_head.as_deref()).await,
        AuditCommand::Head => {
            audit_cmd::head(db).await?;
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Seal => {
            audit_cmd::seal(db).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn ledger(db: &str, command: LedgerCommand) -> anyhow::Result<ExitCode> {
    match command {
        LedgerCommand::Import {
            file,
            as_login,
            dry_run,
        } => ledger_cmd::import(db, &file, as_login.as_deref(), dry_run).await,
        LedgerCommand::Template { kind, output } => {
            ledger_cmd::template(db, &kind, &output).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Every login hashes with argon2id, which allocates a 19 MiB block array and frees it. glibc
/// raises its mmap threshold to the size of a freed mapping, so from the second hash on the block
/// came from the heap and stayed there: 40 logins left the server at 206 MB. A fixed threshold
/// keeps such blocks mmapped, unmapped on free (31 MB after the same logins, measured with the
/// release binary). Set before any thread starts, as glibc asks.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
