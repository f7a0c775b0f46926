//! The one way every date field in the system is read (problems, task progress, the ledger, the
//! audit search, token expiry): as people write dates in Chinese offices.

use chrono::NaiveDate;

/// `2018-06-30`, `2018/6/30`, `2018.6.30` or `2018年6月30日`; a refusal names `field` and shows
/// the expected form.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let normalized: String = t
        .replace(['年', '月', '/', '.'], "-")
        .trim_end_matches('日')
        .to_string();
    NaiveDate::parse_from_str(&normalized, "%Y-%m-%d")
        .map_err(|_| format!("{field}“{t}”无效，应写成 YYYY-MM-DD，例如 2018-06-30"))
}

/// An optional date field: empty is `None`.
pub fn parse_optional_date(field: &str, text: &str) -> Result<Option<NaiveDate>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(field, text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usual_way_of_writing_a_date_is_read() {
        let day = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        for text in [
            "2020-12-31",
            "2020/12/31",
            "2020年12月31日",
            "2020.12.31",
            " 2020-12-31 ",
        ] {
            assert_eq!(parse_date("办结期限", text), Ok(day), "{text}");
        }
        assert_eq!(
            parse_date("办结期限", "2020/2/3"),
            Ok(NaiveDate::from_ymd_opt(2020, 2, 3).unwrap())
        );
        assert_eq!(
            parse_date("办结期限", "年底").unwrap_err(),
            "办结期限“年底”无效，应写成 YYYY-MM-DD，例如 2018-06-30"
        );
        assert!(parse_date("日期", "2020-02-30").is_err());
        assert_eq!(parse_optional_date("日期", "  "), Ok(None));
    }
}
