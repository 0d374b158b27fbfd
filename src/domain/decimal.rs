//! Exact decimal numbers for configured values (W bands such as 0.5, thresholds such as 2.5):
//! read as written, never as binary floating point, so that comparisons are exact.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i64,
    scale: u32,
}

/// Most decimal places a configured value may have.
const MAX_SCALE: u32 = 9;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a decimal number with at most 9 decimal places")]
pub struct DecimalError(String);

impl Decimal {
    pub const ZERO: Decimal = Decimal::from_int(0);

    pub const fn from_int(value: i64) -> Decimal {
        Decimal {
            mantissa: value,
            scale: 0,
        }
    }

    /// `mantissa / 10^scale`, e.g. `new(5, 1)` is 0.5.
    pub const fn new(mantissa: i64, scale: u32) -> Decimal {
        Decimal { mantissa, scale }
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// Numerator and power-of-ten denominator, for exact comparisons with counts.
    pub fn as_ratio(self) -> (i128, i128) {
        (i128::from(self.mantissa), 10_i128.pow(self.scale))
    }

    /// The product, exact (fails only on overflow, far beyond configured values).
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale: self.scale + other.scale,
        })
    }

    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10_f64.powi(self.scale as i32)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, da) = self.as_ratio();
        let (b, db) = other.as_ratio();
        (a * db).cmp(&(b * da))
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = || DecimalError(s.to_owned());
        let text = s.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(fail());
        }
        let fraction = fraction.trim_end_matches('0');
        let scale = u32::try_from(fraction.len()).map_err(|_| fail())?;
        if scale > MAX_SCALE {
            return Err(fail());
        }
        let mantissa: i64 = format!("{whole}{fraction}").parse().map_err(|_| fail())?;
        Ok(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        let fraction = fraction.trim_end_matches('0');
        if fraction.is_empty() {
            write!(f, "{sign}{whole}")
        } else {
            write!(f, "{sign}{whole}.{fraction}")
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.to_f64())
    }
}

/// Accepts TOML/JSON integers and floats. A float is read through its shortest decimal
/// representation (`0.2` stays 2/10, not 0.2000000000000000111…).
impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal::from_int(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
                i64::try_from(v).map(Decimal::from_int).map_err(E::custom)
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
                if !v.is_finite() {
                    return Err(E::custom("not a finite number"));
                }
                format!("{v}").parse().map_err(E::custom)
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn decimals_parse_print_and_compare_exactly() {
        assert_eq!(d("0.5"), Decimal::new(5, 1));
        assert_eq!(d("2.50").to_string(), "2.5");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(d("10").to_string(), "10");
        assert!(d("0.1") < d("0.2") && d("5") == d("5.000"));
        for bad in ["", ".5", "1.2.3", "abc", "1e5", "0.0000000001"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn products_are_exact() {
        // 0.1 × 3 is exactly 0.3, unlike in binary floating point.
        assert_eq!(d("0.1").checked_mul(d("3")).unwrap(), d("0.3"));
        assert_eq!(
            d("0.5")
                .checked_mul(d("0.5"))
                .unwrap()
                .checked_mul(d("80"))
                .unwrap(),
            d("20")
        );
    }

    #[test]
    fn toml_floats_are_read_as_written() {
        #[derive(Deserialize)]
        struct Doc {
            w: Decimal,
            n: Decimal,
        }
        let doc: Doc = toml::from_str("w = 0.2\nn = 7").unwrap();
        assert_eq!(doc.w, Decimal::new(2, 1));
        assert_eq!(doc.n, Decimal::from_int(7));
    }
}
