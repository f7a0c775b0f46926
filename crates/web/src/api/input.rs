//! Helpers for reading JSON bodies as the document describes them.
//!
//! The document's types are what the server checks when it reads a body (400 when they do not
//! fit). The content of a text field — a decimal, a date, a code — is checked afterwards by the same
//! parsers as the pages' forms and the spreadsheets, which name the field in a 422.

use serde::{Deserialize, Deserializer};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
