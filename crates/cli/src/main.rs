//! `bangfu`: the command line of 帮扶协作管理系统. Thin: it parses arguments and calls the
//! domain, store and web crates.

mod accounts;
mod backup;
mod init;
mod plan_cmd;
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
    /// Database: sqlite://PATH (default sqlite://./data/bangfu.db) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "BANGFU_DATABASE_URL", default_value = bangfu_store::DEFAULT_DATABASE_URL)]
    db: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application. On a new database: migrate, load the plan, create the administrator.
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Plan file to load into a new database (default: the built-in Daxing plan)
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    /// Prepare a database without serving: migrate, load the plan, create the administrator.
    Init {
        /// Plan file to load into a new database (default: the built-in Daxing plan)
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    /// Check or show plans.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for machine clients.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The progress form (附件) as .xlsx: export and import.
    #[command(subcommand)]
    Form(FormCommand),
    /// The task breakdown table (任务分解表).
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The annual assessment (考核) of every unit, with the reasons of each score.
    Assess {
        #[arg(long)]
        year: i32,
        /// Machine-readable JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Copy the running SQLite database to FILE, consistently (PostgreSQL: use pg_dump).
    Backup { file: PathBuf },
    /// Put a backup in place of the database (stop the server first).
    Restore {
        file: PathBuf,
        /// Replace an existing database (it is kept aside under another name)
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the audit log's hash chain; report the first broken link (non-zero exit).
    Verify,
}

#[derive(Subcommand)]
enum FormCommand {
    /// Export a unit's form, or the district's (totals, then one sheet per unit).
    Export {
        /// Period code, e.g. 2018Q2
        #[arg(long)]
        period: String,
        /// A unit code; without it, the district form
        #[arg(long)]
        unit: Option<String>,
        /// ytd (year to date) or quarter (the quarter's own increment)
        #[arg(long)]
        basis: Option<String>,
        /// Count only approved reports (district form)
        #[arg(long)]
        approved_only: bool,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Import a filled form into a unit's report; errors one per line, non-zero exit.
    Import {
        file: PathBuf,
        #[arg(long)]
        period: String,
        #[arg(long)]
        unit: String,
        /// Show the changes and problems without writing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum TasksCommand {
    /// Export the task breakdown table with the latest figures.
    Export {
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password comes from BANGFU_PASSWORD, or a generated one is printed once.
    Add {
        #[arg(long)]
        login: String,
        /// admin, coordinator, reporter, viewer or auditor (or 系统管理员, 汇总单位, 填报人, 领导, 审计)
        #[arg(long)]
        role: String,
        /// The unit code a reporter belongs to (see `bangfu plan show`)
        #[arg(long)]
        unit: Option<String>,
        /// Display name, printed as 填报人
        #[arg(long)]
        name: Option<String>,
        /// Phone number, printed as 联系电话
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; it is shown once and stored hashed.
    Create {
        #[arg(long)]
        login: String,
        /// What the token is for
        #[arg(long, default_value = "API 令牌")]
        label: String,
    },
    /// Revoke a token by its number.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Validate a plan file; errors name the file, line and column. Touches no database.
    Check {
        /// The plan file (TOML), see plans/README.md
        file: PathBuf,
    },
    /// Show the plan as loaded in the database.
    Show {
        /// Machine-readable JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
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
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { addr, plan } => {
            let prepared = init::prepare(&cli.db, plan.as_deref()).await?;
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                anyhow::anyhow!("无法监听 {addr}：{e}（端口被占用？可用 --addr 换一个）")
            })?;
            let local = listener.local_addr()?;
            println!(
                "bangfu 已启动：http://{local}/ （数据库：{}，方案：{}）",
                prepared.describe_db, prepared.state.plan.info.title
            );
            bangfu_web::serve(listener, prepared.state).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { plan } => {
            let prepared = init::prepare(&cli.db, plan.as_deref()).await?;
            println!(
                "数据库已就绪：{}（方案：{}）",
                prepared.describe_db, prepared.state.plan.info.title
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan(PlanCommand::Check { file }) => Ok(plan_cmd::check(&file)),
        Command::Plan(PlanCommand::Show { json }) => plan_cmd::show(&cli.db, json).await,
        Command::User(UserCommand::Add {
            login,
            role,
            unit,
            name,
            phone,
        }) => {
            let args = accounts::UserArgs {
                login,
                role,
                unit,
                name,
                phone,
            };
            accounts::add_user(&cli.db, args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create { login, label }) => {
            accounts::create_token(&cli.db, &login, &label).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Form(FormCommand::Export {
            period,
            unit,
            basis,
            approved_only,
            output,
        }) => {
            sheets_cmd::export_form(
                &cli.db,
                &period,
                unit.as_deref(),
                basis.as_deref(),
                approved_only,
                &output,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Form(FormCommand::Import {
            file,
            period,
            unit,
            dry_run,
        }) => sheets_cmd::import_form(&cli.db, &file, &period, &unit, dry_run).await,
        Command::Assess { year, json } => {
            sheets_cmd::assess(&cli.db, year, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            backup::backup(&cli.db, &file).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, force } => {
            backup::restore(&cli.db, &file, force).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => accounts::verify_audit(&cli.db).await,
        Command::Tasks(TasksCommand::Export { output }) => {
            sheets_cmd::export_tasks(&cli.db, &output).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            accounts::revoke_token(&cli.db, id).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
