//! `bangfu report docx`: the quarterly written report as a Word document, from the command line.

use bangfu_app::written_report::district_report;
use bangfu_domain::summary::ReportScope;
use std::path::Path;

pub async fn docx(
    db_url: &str,
    period: &str,
    include_drafts: bool,
    out: &Path,
) -> anyhow::Result<()> {
    let state = crate::sheets_cmd::state(db_url).await?;
    let scope = ReportScope::from_switches(false, include_drafts);
    let (period, report) = district_report(&state, period, scope).await?;
    let bytes = bangfu_docx::write(&report).map_err(anyhow::Error::msg)?;
    std::fs::write(out, &bytes)?;
    println!(
        "已写入 {}（{}，{}，{} 字节）",
        out.display(),
        period.label(),
        scope.label(),
        bytes.len()
    );
    Ok(())
}
