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

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalized: String = text
            .trim()
            .chars()
            .map(full_width_to_ascii)
            .filter(|c| *c != ',')
            .collect();
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
