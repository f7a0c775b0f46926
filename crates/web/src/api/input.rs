//! Text fields of JSON bodies whose form the API fixes: what the document's `pattern` says is what
//! the server accepts, so a request is refused (400) exactly when it breaks the document. The
//! values then go through the same parsers as the pages' forms and the spreadsheets, which check
//! the rules (decimals allowed, ranges, real dates) and answer 422.

use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A decimal as text, `"12.50"` or `"-3"`; empty for none. No exponent, spaces or separators.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct DecimalText(pub String);

/// A date as text, `"2018-06-30"`; empty for none.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct DateText(pub String);

pub const DECIMAL_TEXT_PATTERN: &str = r"^(-?[0-9]+(\.[0-9]+)?)?$";
pub const DATE_TEXT_PATTERN: &str = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$";

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// [`DECIMAL_TEXT_PATTERN`], spelled out.
fn is_decimal_text(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        None => digits(unsigned),
        Some((whole, fraction)) => digits(whole) && digits(fraction),
    }
}

/// [`DATE_TEXT_PATTERN`], spelled out.
fn is_date_text(text: &str) -> bool {
    let b = text.as_bytes();
    text.is_empty()
        || (b.len() == 10
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                _ => c.is_ascii_digit(),
            }))
}

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if is_decimal_text(&text) {
            Ok(DecimalText(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "“{text}”不是十进制数字字符串（应如 \"12.50\"，不用千位分隔符、空格或科学计数法）"
            )))
        }
    }
}

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if is_date_text(&text) {
            Ok(DateText(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "日期“{text}”应写成 YYYY-MM-DD，例如 2018-06-30"
            )))
        }
    }
}

/// The largest integer a JSON number carries exactly everywhere (2^53 − 1); the document says so.
pub const MAX_JSON_INTEGER: i64 = 9_007_199_254_740_991;

/// An optional integer as JSON Schema reads one: `3` or `3.0` (a number without a fraction),
/// within ±[`MAX_JSON_INTEGER`]; for `#[serde(deserialize_with = …)]`.
pub fn optional_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let value = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= MAX_JSON_INTEGER as f64 => Some(f as i64),
        _ => None,
    };
    match value {
        Some(i) if i.abs() <= MAX_JSON_INTEGER => Ok(Some(i)),
        _ => Err(serde::de::Error::custom(format!(
            "{n} 应为绝对值不超过 {MAX_JSON_INTEGER} 的整数"
        ))),
    }
}

fn string_schema(pattern: &str, description: &str, example: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
        .build()
}

impl PartialSchema for DecimalText {
    fn schema() -> RefOr<Schema> {
        string_schema(
            DECIMAL_TEXT_PATTERN,
            "十进制数字字符串，例如 \"12.50\"；空字符串表示未填",
            "12.50",
        )
        .into()
    }
}

impl ToSchema for DecimalText {
    fn name() -> Cow<'static, str> {
        "DecimalText".into()
    }
}

impl PartialSchema for DateText {
    fn schema() -> RefOr<Schema> {
        string_schema(
            DATE_TEXT_PATTERN,
            "日期 YYYY-MM-DD，例如 \"2018-06-30\"；空字符串表示未填",
            "2018-06-30",
        )
        .into()
    }
}

impl ToSchema for DateText {
    fn name() -> Cow<'static, str> {
        "DateText".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_is_the_pattern() {
        for ok in ["", "0", "12", "-3", "12.50", "0.0001"] {
            assert!(is_decimal_text(ok), "{ok}");
        }
        for bad in ["-", ".5", "5.", "1,200", " 1", "1 ", "1e5", "１２", "+1", "--1", "1.2.3"] {
            assert!(!is_decimal_text(bad), "{bad}");
        }
    }

    #[test]
    fn integers_as_json_schema_reads_them() {
        let read = |text: &str| {
            let mut d = serde_json::Deserializer::from_str(text);
            optional_integer(&mut d).ok()
        };
        assert_eq!(read("3"), Some(Some(3)));
        assert_eq!(read("-41422.0"), Some(Some(-41422)));
        assert_eq!(read("null"), Some(None));
        assert_eq!(read("1.5"), None);
        assert_eq!(read("9007199254740992"), None);
        assert_eq!(read("5155904729068558919402898063360"), None);
        assert_eq!(read("\"3\""), None);
    }

    #[test]
    fn date_text_is_the_pattern() {
        for ok in ["", "2018-06-30", "2018-13-45"] {
            assert!(is_date_text(ok), "{ok}");
        }
        for bad in ["2018/06/30", "2018-6-30", " 2018-06-30", "2018年6月30日", "２018-06-30"] {
            assert!(!is_date_text(bad), "{bad}");
        }
    }
}
