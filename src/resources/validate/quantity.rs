//! Kubernetes resource quantities: `500m`, `2`, `4Gi`, `1.5G`, `1e3`.
//!
//! A quantity is a decimal number followed by a binary suffix (`Ki` ..
//! `Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M` .. `E`) or a decimal
//! exponent (`e3`, `E-2`). [`Quantity`] holds the value in billionths
//! (nano-units) in an `i128`, so quantities of any suffix compare exactly;
//! like Kubernetes, anything finer than a nano-unit rounds up.

use super::{Problem, ensure};
use std::fmt;
use std::str::FromStr;

/// A parsed quantity, comparable across suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    nanos: i128,
}

/// Why a quantity did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("it does not start with a number")]
    NoNumber,
    #[error(
        "{0:?} is not a quantity suffix (use Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E)"
    )]
    BadSuffix(String),
    #[error("it is too large")]
    TooLarge,
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;

impl Quantity {
    /// `units` whole units (cores, bytes).
    pub fn from_units(units: i64) -> Self {
        Quantity {
            nanos: i128::from(units) * NANOS_PER_UNIT,
        }
    }

    /// `millis` thousandths of a unit (millicores).
    pub fn from_millis(millis: i64) -> Self {
        Quantity {
            nanos: i128::from(millis) * (NANOS_PER_UNIT / 1000),
        }
    }

    /// The value in billionths of a unit.
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    /// The value in units, rounded towards zero.
    pub fn units(self) -> i128 {
        self.nanos / NANOS_PER_UNIT
    }

    /// Whether the quantity is above zero.
    pub fn is_positive(self) -> bool {
        self.nanos > 0
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (negative, unsigned) = strip_sign(text);
        let number_len = unsigned.find(|c: char| !c.is_ascii_digit() && c != '.');
        let (number, suffix) = unsigned.split_at(number_len.unwrap_or(unsigned.len()));
        let (mantissa, scale) = parse_decimal(number)?;
        let nanos = scale_to_nanos(mantissa, scale, suffix)?;
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }
}

fn strip_sign(text: &str) -> (bool, &str) {
    match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    }
}

/// `"1.25"` → `(125, 2)`: the digits as an integer and the fraction length.
fn parse_decimal(number: &str) -> Result<(i128, u32), QuantityError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(QuantityError::NoNumber);
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let mantissa = if digits.is_empty() {
        Ok(0)
    } else {
        digits.parse()
    };
    let scale = u32::try_from(fraction.len());
    Ok((
        mantissa.map_err(|_| QuantityError::TooLarge)?,
        scale.map_err(|_| QuantityError::TooLarge)?,
    ))
}

fn scale_to_nanos(mantissa: i128, scale: u32, suffix: &str) -> Result<i128, QuantityError> {
    if let Some(power) = binary_power(suffix) {
        let units = mantissa
            .checked_mul(1 << power)
            .ok_or(QuantityError::TooLarge)?;
        return shift_decimal(units, 9 - i64::from(scale));
    }
    let exponent = decimal_exponent(suffix)?;
    shift_decimal(mantissa, exponent + 9 - i64::from(scale))
}

fn binary_power(suffix: &str) -> Option<u32> {
    let index = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        .iter()
        .position(|s| *s == suffix)?;
    Some(10 * (index as u32 + 1))
}

fn decimal_exponent(suffix: &str) -> Result<i64, QuantityError> {
    let named = match suffix {
        "n" => -9,
        "u" => -6,
        "m" => -3,
        "" => 0,
        "k" => 3,
        "M" => 6,
        "G" => 9,
        "T" => 12,
        "P" => 15,
        "E" => 18,
        _ => return exponent_form(suffix),
    };
    Ok(named)
}

/// `e3`, `E-2`, `e+6`.
fn exponent_form(suffix: &str) -> Result<i64, QuantityError> {
    let bad = || QuantityError::BadSuffix(suffix.to_string());
    let digits = suffix.strip_prefix(['e', 'E']).ok_or_else(bad)?;
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|e| e.abs() <= 40)
        .ok_or(QuantityError::TooLarge)
}

/// `value × 10^exponent`, rounding up any fraction as Kubernetes does.
fn shift_decimal(value: i128, exponent: i64) -> Result<i128, QuantityError> {
    if exponent >= 0 {
        let factor = 10i128
            .checked_pow(exponent as u32)
            .ok_or(QuantityError::TooLarge)?;
        return value.checked_mul(factor).ok_or(QuantityError::TooLarge);
    }
    let Some(divisor) = 10i128.checked_pow(exponent.unsigned_abs() as u32) else {
        return Ok(i128::from(value > 0));
    };
    Ok(value / divisor + i128::from(value % divisor != 0))
}

impl fmt::Display for Quantity {
    /// Units with up to nine decimals, e.g. `0.5` for `500m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let whole = self.nanos.abs() / NANOS_PER_UNIT;
        let fraction = self.nanos.abs() % NANOS_PER_UNIT;
        let fraction = format!("{fraction:09}");
        let fraction = fraction.trim_end_matches('0');
        match fraction {
            "" => write!(f, "{sign}{whole}"),
            _ => write!(f, "{sign}{whole}.{fraction}"),
        }
    }
}

/// A quantity above zero, as CPU and memory requests and limits must be.
pub fn positive_quantity(value: &str) -> Result<(), Problem> {
    let summary = "Invalid Kubernetes quantity";
    let quantity: Quantity = value.parse().map_err(|e: QuantityError| {
        let detail = format!(
            "{value:?} is not a Kubernetes quantity: {e}. Write e.g. \"500m\" or \"2\" for \
             CPU and \"512Mi\" or \"4Gi\" for memory."
        );
        Problem::new(summary, detail)
    })?;
    ensure(quantity.is_positive(), summary, || {
        format!("{value:?} must be above zero.")
    })
}
