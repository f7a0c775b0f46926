//! 佐证材料: which files are accepted (by extension and by their first bytes, never by name
//! alone), how their names are cleaned, and until when a report takes or gives back a file.

use crate::report::ReportStatus;

/// Evidence may be added to a report until it is approved (审核通过): the annual assessment
/// scores it, and a unit often finds a document after 报送.
pub fn report_takes_evidence(status: ReportStatus) -> bool {
    status != ReportStatus::Approved
}

/// A file may be removed by the person who uploaded it, until the report is approved.
pub fn may_remove_evidence(
    status: ReportStatus,
    uploaded_by: &str,
    actor: &str,
) -> Result<(), String> {
    if status == ReportStatus::Approved {
        return Err("报表已审核通过，佐证材料不能再删除".into());
    }
    if uploaded_by != actor {
        return Err("只能删除本人上传的佐证材料".into());
    }
    Ok(())
}

/// File types accepted as evidence (佐证材料), by extension, with the type they are served as.
const EVIDENCE_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("ofd", "application/ofd"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("bmp", "image/bmp"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("wps", "application/vnd.ms-works"),
    ("et", "application/vnd.ms-excel"),
    ("dps", "application/vnd.ms-powerpoint"),
];

/// Whether the first bytes are what the extension says: a file is never trusted by its name.
pub fn content_matches(ext: &str, bytes: &[u8]) -> bool {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    match ext {
        "pdf" => bytes.starts_with(b"%PDF-"),
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "gif" => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        "bmp" => bytes.starts_with(b"BM"),
        "tif" | "tiff" => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
        "docx" | "xlsx" | "pptx" | "ofd" => bytes.starts_with(b"PK\x03\x04"),
        "doc" | "xls" | "ppt" | "wps" | "et" | "dps" => bytes.starts_with(OLE),
        _ => false,
    }
}

/// A file name fit to store and show: no path, no control characters, a sane length.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| crate::report::check_text("", &c.to_string(), 1).is_ok())
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.chars().count() > 120 {
        let ext = cleaned
            .rsplit_once('.')
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        let stem: String = cleaned.chars().take(100).collect();
        format!("{stem}….{ext}")
    } else {
        cleaned
    }
}

/// The type a file is stored and served as, by its extension; refused in Chinese if not accepted.
pub fn evidence_type(file_name: &str) -> Result<&'static str, String> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    EVIDENCE_TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            format!("佐证材料“{file_name}”的类型不支持：请上传 PDF、图片或 Office/WPS 文件")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_taken_until_approval_and_removed_only_by_its_uploader() {
        assert!(report_takes_evidence(ReportStatus::Draft));
        assert!(report_takes_evidence(ReportStatus::Submitted));
        assert!(report_takes_evidence(ReportStatus::Returned));
        assert!(!report_takes_evidence(ReportStatus::Approved));
        assert!(may_remove_evidence(ReportStatus::Submitted, "jwclerk", "jwclerk").is_ok());
        assert_eq!(
            may_remove_evidence(ReportStatus::Draft, "jwclerk", "other").unwrap_err(),
            "只能删除本人上传的佐证材料"
        );
        assert!(may_remove_evidence(ReportStatus::Approved, "jwclerk", "jwclerk").is_err());
    }

    #[test]
    fn types_are_known_by_extension_and_checked_by_content() {
        assert_eq!(evidence_type("报告.PDF").unwrap(), "application/pdf");
        assert!(evidence_type("脚本.exe")
            .unwrap_err()
            .contains("类型不支持"));
        assert!(content_matches("pdf", b"%PDF-1.7"));
        assert!(!content_matches("pdf", b"MZ\x90"));
        assert_eq!(clean_file_name("C:\\Users\\a\\..\\证明.pdf"), "证明.pdf");
        assert_eq!(clean_file_name("../../.hidden"), "hidden");
    }
}
