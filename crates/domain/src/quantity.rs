//! Exact quantities (money, counts, people) as decimals, never floats.
//!
//! Storage keeps a quantity as an integer scaled by 10^[`STORAGE_SCALE`] so that SQL `SUM` is exact on
//! every backend; this module is the one place that converts between the two forms.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// Decimal places kept in storage. The finest unit of measure in a plan (亿元 or 万人) has four.
pub const STORAGE_SCALE: u32 = 4;

/// An exact, non-negative-or-negative decimal amount in some unit of measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("“{0}”不是数字")]
    NotANumber(String),
    #[error("“{value}”的小数位数超过 {precision} 位")]
    TooPrecise { value: String, precision: u32 },
    #[error("“{0}”超出可存储的范围")]
    OutOfRange(String),
    #[error("“{0}”的千位分隔符位置不对：逗号只能每三位一组（如 1,200），否则请去掉逗号")]
    BadGrouping(String),
    #[error("不能为负数（填写的是“{0}”）")]
    Negative(String),
}

impl Quantity {
    pub const ZERO: Quantity = Quantity(Decimal::ZERO);

    pub fn new(value: Decimal) -> Self {
        Quantity(value.normalize())
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// Parses user text ("600", "12.50", "１２") and checks it has at most `precision` decimals.
    pub fn parse_with_precision(text: &str, precision: u32) -> Result<Self, QuantityError> {
        let q: Quantity = text.parse()?;
        q.check_precision(precision)?;
        Ok(q)
    }

    /// The one parser for amounts that cannot be negative (report rows, money, task progress,
    /// scores): any minus sign is refused, "-0" included, since in a count it is a typing mistake.
    pub fn parse_non_negative(text: &str, precision: u32) -> Result<Self, QuantityError> {
        let q = Quantity::parse_with_precision(text, precision)?;
        if q < Quantity::ZERO || text.trim().starts_with(['-', '－']) {
            return Err(QuantityError::Negative(text.trim().to_string()));
        }
        Ok(q)
    }

    pub fn check_precision(self, precision: u32) -> Result<(), QuantityError> {
        if self.0.normalize().scale() > precision {
            return Err(QuantityError::TooPrecise {
                value: self.to_string(),
                precision,
            });
        }
        Ok(())
    }

    /// The integer stored in the database: the value times 10^STORAGE_SCALE, exactly.
    pub fn to_scaled(self) -> Result<i64, QuantityError> {
        self.check_precision(STORAGE_SCALE)?;
        // Rescaling to four places makes the mantissa exactly value * 10^4.
        let mut exact = self.0;
        exact.rescale(STORAGE_SCALE);
        let mantissa = exact.mantissa();
        i64::try_from(mantissa).map_err(|_| QuantityError::OutOfRange(self.to_string()))
    }

    pub fn from_scaled(scaled: i64) -> Self {
        Quantity::new(Decimal::from_i128_with_scale(scaled as i128, STORAGE_SCALE))
    }

    /// The value formatted with exactly `precision` decimals, as on the paper form.
    pub fn format_fixed(self, precision: u32) -> String {
        let mut d = self.0;
        d.rescale(precision);
        d.to_string()
    }
}

/// A decimal as the JSON API writes it: `rust_decimal`'s plain notation, never an exponent.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// A string schema for a decimal amount, for the OpenAPI document.
#[cfg(feature = "openapi")]
pub fn decimal_schema(
    pattern: &str,
    description: &str,
    example: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
        .into()
}

/// In the OpenAPI document: a decimal string, never a JSON number.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Quantity {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        decimal_schema(
            DECIMAL_PATTERN,
            "十进制数字字符串（不用浮点数），例如 \"12.5\"",
            "12.5",
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Quantity {
    fn name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let ascii: String = text.trim().chars().map(full_width_to_ascii).collect();
        if ascii.contains(',') && !well_grouped(&ascii) {
            return Err(QuantityError::BadGrouping(text.trim().to_string()));
        }
        let normalized: String = ascii.chars().filter(|c| *c != ',').collect();
        if normalized.is_empty()
            || !normalized
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return Err(QuantityError::NotANumber(text.trim().to_string()));
        }
        let well_formed = normalized.trim_start_matches('-').split('.').count() <= 2
            && !normalized[1..].contains('-')
            && normalized.chars().any(|c| c.is_ascii_digit());
        Decimal::from_str_exact(&normalized)
            .map(Quantity::new)
            .map_err(|_| {
                if well_formed {
                    QuantityError::OutOfRange(text.trim().to_string())
                } else {
                    QuantityError::NotANumber(text.trim().to_string())
                }
            })
    }
}

/// Thousands separators are accepted only where they belong: "1,200.50", never "1,5" (which a
/// clerk may mean as 1.5) nor "12,34,5". Commas only in the whole part, in groups of three.
fn well_grouped(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut groups = whole.split(',');
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && !fraction.contains(',')
}

/// Clerks type on Chinese keyboards: accept full-width digits, point and comma.
fn full_width_to_ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' | '。' => '.',
        '，' => ',',
        '－' => '-',
        other => other,
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number as a string or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::new(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::new(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Quantity, E> {
                Err(E::custom(
                    "小数请写成带引号的字符串（例如 \"0.5\"），以免浮点误差",
                ))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_full_width_and_thousands_separators() {
        assert_eq!("１２．５".parse::<Quantity>().unwrap().to_string(), "12.5");
        assert_eq!("1,200.00".parse::<Quantity>().unwrap().to_string(), "1200");
        assert!("12万".parse::<Quantity>().is_err());
        assert!(matches!(
            "1234567890123456789012345678901234567890".parse::<Quantity>(),
            Err(QuantityError::OutOfRange(_))
        ));
        assert!("1e5".parse::<Quantity>().is_err());
        assert!("NaN".parse::<Quantity>().is_err());
        assert!("-Infinity".parse::<Quantity>().is_err());
        assert!("1.2.3".parse::<Quantity>().is_err());
        assert!("5-3".parse::<Quantity>().is_err());
        assert_eq!("-0".parse::<Quantity>().unwrap(), Quantity::ZERO);
        assert!("".parse::<Quantity>().is_err());
    }

    #[test]
    fn thousands_separators_only_in_groups_of_three() {
        assert_eq!(
            "1,234,567.5".parse::<Quantity>().unwrap().to_string(),
            "1234567.5"
        );
        assert_eq!(
            "１，２００".parse::<Quantity>().unwrap().to_string(),
            "1200"
        );
        assert_eq!("-1,000".parse::<Quantity>().unwrap().to_string(), "-1000");
        for bad in [
            "1,5", "12,34,5", "1,2345", ",123", "1,,234", "1234,567", "1.2,3", "1,",
        ] {
            assert!(
                matches!(bad.parse::<Quantity>(), Err(QuantityError::BadGrouping(_))),
                "{bad} must be refused"
            );
        }
        let message = "1,5".parse::<Quantity>().unwrap_err().to_string();
        assert!(
            message.contains("“1,5”") && message.contains("千位分隔符"),
            "{message}"
        );
    }

    #[test]
    fn non_negative_parser_refuses_every_minus_sign() {
        for bad in ["-0", "－0", "-0.00", "-3", " -1"] {
            assert!(
                matches!(
                    Quantity::parse_non_negative(bad, 2),
                    Err(QuantityError::Negative(_))
                ),
                "{bad} must be refused"
            );
        }
        assert_eq!(
            Quantity::parse_non_negative("0", 0).unwrap(),
            Quantity::ZERO
        );
        assert!(matches!(
            Quantity::parse_non_negative("1.234", 2),
            Err(QuantityError::TooPrecise { .. })
        ));
    }

    #[test]
    fn precision_is_enforced() {
        assert!(Quantity::parse_with_precision("600.12", 2).is_ok());
        let err = Quantity::parse_with_precision("600.123", 2).unwrap_err();
        assert_eq!(err.to_string(), "“600.123”的小数位数超过 2 位");
        assert!(Quantity::parse_with_precision("3.0", 0).is_ok());
    }

    #[test]
    fn scaled_form_is_exact() {
        let q: Quantity = "0.1".parse().unwrap();
        assert_eq!(q.to_scaled().unwrap(), 1000);
        let sum = Quantity::from_scaled(
            "0.1".parse::<Quantity>().unwrap().to_scaled().unwrap()
                + "0.2".parse::<Quantity>().unwrap().to_scaled().unwrap(),
        );
        assert_eq!(sum, "0.3".parse().unwrap());
        assert!("0.00001".parse::<Quantity>().unwrap().to_scaled().is_err());
    }

    #[test]
    fn fixed_format_pads_decimals() {
        let q: Quantity = "600".parse().unwrap();
        assert_eq!(q.format_fixed(2), "600.00");
    }

    proptest! {
        #[test]
        fn scaled_roundtrip(mantissa in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=4) {
            let q = Quantity::new(Decimal::new(mantissa, scale));
            let back = Quantity::from_scaled(q.to_scaled().unwrap());
            prop_assert_eq!(back, q);
        }
    }
}
