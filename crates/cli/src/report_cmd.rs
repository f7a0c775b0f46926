//! `bangfu report docx`: the written reports as Word documents, from the command line.

use bangfu_app::written_report::{district_report, pairing_report, year_report};
use bangfu_domain::summary::ReportScope;
use std::path::Path;

/// Which document: a quarter's report, a year's summary, or one pairing's year.
pub enum Written {
    Quarter(String),
    Year(i32),
    Pairing(String, i32),
}

pub async fn docx(
    db_url: &str,
    what: Written,
    scope: ReportScope,
    out: &Path,
) -> anyhow::Result<()> {
    let state = crate::sheets_cmd::state(db_url).await?;
    let (covers, report) = match what {
        Written::Quarter(period) => {
            let (period, report) = district_report(&state, &period, scope).await?;
            (period.label(), report)
        }
        Written::Year(year) => (format!("{year}年"), year_report(&state, year, scope).await?),
        Written::Pairing(area, year) => {
            let report = pairing_report(&state, &area, year, scope)
                .await
                .map_err(|e| match e {
                    bangfu_app::AppError::NotFound => {
                        anyhow::anyhow!("受援地代码“{area}”不在本方案中")
                    }
                    other => other.into(),
                })?;
            (format!("{}，{year}年", state.plan.area_name(&area)), report)
        }
    };
    let bytes = bangfu_docx::write(&report).map_err(anyhow::Error::msg)?;
    std::fs::write(out, &bytes)?;
    println!(
        "已写入 {}（{covers}，{}，{} 字节）",
        out.display(),
        scope.label(),
        bytes.len()
    );
    Ok(())
}
