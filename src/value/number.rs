//! Arbitrary-precision numbers.
//!
//! Terraform's `number` is a big decimal-ish float: configurations may hold
//! `123456789012345678901234567890` or `0.1` exactly, and Terraform compares
//! what a provider returns with what it planned digit for digit. So a
//! [`Number`] never passes through `f64` or `i64`; it keeps a *coefficient*
//! (a string of decimal digits) and a power-of-ten *exponent*, in one
//! *normalised* form per value, so that `1`, `1.0` and `1e0` are equal.

use std::cmp::Ordering;
use std::fmt;

use thiserror::Error;

/// Exponents beyond this are refused when parsing: they would describe
/// numbers no configuration holds, and keeping them bounded keeps every
/// exponent sum far from `i64` overflow.
const MAX_EXPONENT: i64 = 1_000_000_000;

/// [`Display`](fmt::Display) writes at most this many zeros of padding
/// before switching to scientific notation, so that printing `1e999999999`
/// cannot use a gigabyte.
const PLAIN_ZEROS_LIMIT: i64 = 1024;

/// A number as Terraform sends it: possibly beyond i64 and f64.
///
/// The value is `±coefficient × 10^exponent`. The coefficient has no
/// leading or trailing zeros and is empty for zero; zero is never negative.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Why a text is not a number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberError {
    /// Not digits with an optional sign, decimal point and exponent.
    #[error("\"{0}\" is not a number")]
    Syntax(String),
    /// The exponent is so large that no real number is meant.
    #[error("the exponent of \"{0}\" is too large")]
    ExponentTooLarge(String),
}

impl Number {
    /// Parses decimal text as cty and JSON write it: `42`, `-0.5`,
    /// `1.5e300`, `+7`, `.5`, `123456789012345678901234567890`.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let syntax = || NumberError::Syntax(excerpt(text));
        let (negative, unsigned) = split_sign(text);
        let (mantissa, exponent_text) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, Some(exponent)),
            None => (unsigned, None),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(syntax());
        }
        let exponent = match exponent_text {
            Some(exponent) => parse_exponent(exponent).ok_or_else(syntax)?,
            None => 0,
        };
        let too_large = || NumberError::ExponentTooLarge(excerpt(text));
        let exponent = exponent
            .checked_sub(fraction.len() as i64)
            .ok_or_else(too_large)?;
        let number = Number::normalised(negative, format!("{whole}{fraction}"), exponent);
        if number.exponent.abs() > MAX_EXPONENT || number.point().abs() > MAX_EXPONENT {
            return Err(too_large());
        }
        Ok(number)
    }

    /// The number with exactly the value of `value`, or `None` for NaN and
    /// the infinities.
    ///
    /// The result is the float's exact binary value written in decimal, as
    /// go-cty's `NumberFloatVal` keeps it: `from_f64(0.1)` is
    /// `0.1000000000000000055511151231257827021181583404541015625`.
    pub fn from_f64(value: f64) -> Option<Number> {
        if !value.is_finite() {
            return None;
        }
        let (mantissa, binary_exponent) = decompose(value);
        let negative = value.is_sign_negative();
        if binary_exponent >= 0 {
            let digits = BigDecimal::from(mantissa).times_power(2, binary_exponent.unsigned_abs());
            return Some(Number::normalised(negative, digits.to_string(), 0));
        }
        // m × 2^-k = m × 5^k × 10^-k
        let shift = binary_exponent.unsigned_abs();
        let digits = BigDecimal::from(mantissa).times_power(5, shift);
        Some(Number::normalised(
            negative,
            digits.to_string(),
            -i64::from(shift),
        ))
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_integer() || self.point() > 19 {
            return None;
        }
        self.to_string().parse().ok()
    }

    /// The nearest `f64`; infinite beyond `f64`'s range.
    pub fn as_f64(&self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        let sign = if self.negative { "-" } else { "" };
        // Rust's float parser rounds correctly for any number of digits.
        format!("{sign}{}e{}", self.digits, self.exponent)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The value as an `f64` if that `f64` is exactly this number.
    pub fn to_f64_exact(&self) -> Option<f64> {
        // No f64 has more than 767 significant decimal digits.
        if self.digits.len() > 767 {
            return None;
        }
        let float = self.as_f64();
        (Number::from_f64(float).as_ref() == Some(self)).then_some(float)
    }

    /// Whether the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    /// Whether the number is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Builds the normalised form from raw parts.
    fn normalised(negative: bool, digits: String, exponent: i64) -> Number {
        let significant = digits.trim_start_matches('0');
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() {
            return Number::default();
        }
        let dropped = (significant.len() - trimmed.len()) as i64;
        Number {
            negative,
            digits: trimmed.to_string(),
            exponent: exponent.saturating_add(dropped),
        }
    }

    /// Where the decimal point falls, counted in digits from the left of
    /// the coefficient: the number is `0.DIGITS × 10^point`.
    fn point(&self) -> i64 {
        self.exponent.saturating_add(self.digits.len() as i64)
    }

    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        // Both are 0.DIGITS × 10^point with a non-zero first digit, so the
        // point decides first and then the digits, compared as fractions.
        self.point()
            .cmp(&other.point())
            .then_with(|| self.digits.cmp(&other.digits))
    }

    fn write_scientific(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, rest) = self.digits.split_at(1);
        f.write_str(first)?;
        if !rest.is_empty() {
            write!(f, ".{rest}")?;
        }
        let exponent = self.point() - 1;
        if exponent >= 0 {
            write!(f, "e+{exponent}")
        } else {
            write!(f, "e{exponent}")
        }
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest)
    } else {
        (false, text.strip_prefix('+').unwrap_or(text))
    }
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

/// Parses `[+-]digits`, or `None` if that is not what it is. Exponents too
/// large for `i64` are clamped: [`Number::parse`] refuses them afterwards.
fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = split_sign(text);
    if digits.is_empty() || !all_digits(digits) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    let magnitude = if significant.len() > 18 {
        i64::MAX
    } else {
        significant.parse().unwrap_or(0)
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The first characters of a text, for error messages about huge inputs.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// Splits a finite, non-zero float into `mantissa × 2^exponent` with an odd
/// mantissa (or zero).
fn decompose(value: f64) -> (u64, i32) {
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | (1 << 52), biased - 1075),
    };
    if mantissa == 0 {
        return (0, 0);
    }
    let zeros = mantissa.trailing_zeros();
    (mantissa >> zeros, exponent + zeros as i32)
}

/// A non-negative integer in base 10^9 limbs, least significant first:
/// just enough arithmetic to write a float's exact value in decimal.
struct BigDecimal(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl From<u64> for BigDecimal {
    fn from(mut value: u64) -> Self {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push((value % LIMB) as u32);
            value /= LIMB;
        }
        BigDecimal(limbs)
    }
}

impl BigDecimal {
    /// Multiplies by `base^power` for a small base.
    fn times_power(mut self, base: u32, power: u32) -> Self {
        // Multiply by the largest power of `base` that fits in 32 bits at
        // a time, then by what remains.
        let chunk = (1..)
            .take_while(|&n| u64::from(base).pow(n) < 1 << 32)
            .last()
            .unwrap_or(1);
        let mut left = power;
        while left > 0 {
            let step = left.min(chunk);
            self.multiply(base.pow(step));
            left -= step;
        }
        self
    }

    fn multiply(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (product % LIMB) as u32;
            carry = product / LIMB;
        }
        while carry > 0 {
            self.0.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }
}

impl fmt::Display for BigDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut limbs = self.0.iter().rev();
        match limbs.next() {
            Some(top) => write!(f, "{top}")?,
            None => return f.write_str("0"),
        }
        limbs.try_for_each(|limb| write!(f, "{limb:09}"))
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        let magnitude = Number::from(value.unsigned_abs());
        Number {
            negative: value < 0 && !magnitude.digits.is_empty(),
            ..magnitude
        }
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        Number::normalised(false, value.to_string(), 0)
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Self {
        Number::from(i64::from(value))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain decimal text (`-12.5`, `0.001`, `1` followed by 400 zeros) as
/// go-cty writes numbers in msgpack strings and JSON; scientific notation
/// only for exponents too large to pad with zeros.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let point = self.point();
        if self.exponent > PLAIN_ZEROS_LIMIT || -point > PLAIN_ZEROS_LIMIT {
            return self.write_scientific(f);
        }
        if self.exponent >= 0 {
            return write!(f, "{}{}", self.digits, "0".repeat(self.exponent as usize));
        }
        if point > 0 {
            let (whole, fraction) = self.digits.split_at(point as usize);
            return write!(f, "{whole}.{fraction}");
        }
        write!(
            f,
            "0.{}{}",
            "0".repeat(point.unsigned_abs() as usize),
            self.digits
        )
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        Number::parse(text).expect(text)
    }

    #[test]
    fn equal_values_written_differently_are_equal() {
        let groups: &[&[&str]] = &[
            &["1", "1.0", "1e0", "10e-1", "+1", "0.1e1", "001.000"],
            &["0", "-0", "0.0", "0e99", "-0.000e-5", ".0"],
            &["-12.5", "-125e-1", "-0.125E2"],
            &["1500", "1.5e3", "15E+2", "1500.00"],
            &["0.5", ".5", "5e-1", "5.e-1"],
        ];
        for group in groups {
            for text in group.iter() {
                assert_eq!(number(text), number(group[0]), "{text} vs {}", group[0]);
            }
        }
    }

    #[test]
    fn display_writes_canonical_plain_decimals() {
        let cases = [
            ("1.0", "1"),
            ("-0", "0"),
            ("1.5e3", "1500"),
            ("0.001", "0.001"),
            ("-125e-1", "-12.5"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1e2000", "1e+2000"),
            ("-1.25e-2000", "-1.25e-2000"),
        ];
        for (text, shown) in cases {
            assert_eq!(number(text).to_string(), shown, "{text}");
        }
        assert_eq!(
            number("-1e400").to_string(),
            format!("-1{}", "0".repeat(400))
        );
    }

    #[test]
    fn display_output_parses_back_to_the_same_number() {
        for text in ["-1e400", "1e2000", "3.14159", "-7e-1500", "12345e-3"] {
            let value = number(text);
            assert_eq!(number(&value.to_string()), value, "{text}");
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        let bad = [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "1_000", " 1", "NaN",
        ];
        for text in bad {
            assert!(Number::parse(text).is_err(), "{text:?} parsed");
        }
        assert!(matches!(
            Number::parse("1e9999999999"),
            Err(NumberError::ExponentTooLarge(_))
        ));
        assert!(Number::parse("1e99999999999999999999999").is_err());
    }

    #[test]
    fn ordering_follows_numeric_value() {
        let ascending = [
            "-1e400", "-100", "-99.5", "-1", "-0.001", "0", "1e-400", "0.1", "0.12", "1", "1.5",
            "10", "1e400",
        ];
        for pair in ascending.windows(2) {
            assert!(
                number(pair[0]) < number(pair[1]),
                "{} < {}",
                pair[0],
                pair[1]
            );
            assert!(
                number(pair[1]) > number(pair[0]),
                "{} > {}",
                pair[1],
                pair[0]
            );
        }
        assert_eq!(number("2.50").cmp(&number("25e-1")), Ordering::Equal);
    }

    #[test]
    fn integers_convert_exactly() {
        for value in [0, 1, -1, i64::MAX, i64::MIN, 1_000_000] {
            assert_eq!(Number::from(value).as_i64(), Some(value));
            assert_eq!(number(&value.to_string()), Number::from(value));
        }
        assert_eq!(Number::from(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Number::from(u64::MAX).as_i64(), None);
        assert_eq!(number("9223372036854775808").as_i64(), None);
        assert_eq!(number("1.5").as_i64(), None);
        assert_eq!(number("1e30").as_i64(), None);
        assert_eq!(number("4.2e1").as_i64(), Some(42));
    }

    #[test]
    fn floats_convert_to_their_exact_binary_value() {
        let cases = [
            (0.5, "0.5"),
            (-2.0, "-2"),
            (
                0.1,
                "0.1000000000000000055511151231257827021181583404541015625",
            ),
            (1e20, "100000000000000000000"),
            (-1024.375, "-1024.375"),
        ];
        for (float, text) in cases {
            let exact = Number::from_f64(float).expect("finite");
            assert_eq!(exact, number(text), "{float}");
            assert_eq!(exact.as_f64(), float);
        }
        assert_eq!(Number::from_f64(f64::NAN), None);
        assert_eq!(Number::from_f64(f64::INFINITY), None);
        assert_eq!(Number::from_f64(-0.0), Some(Number::default()));
        for float in [
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::from_bits(1),
            1e300,
            -3.3e-200,
        ] {
            let exact = Number::from_f64(float).expect("finite");
            assert_eq!(exact.as_f64(), float);
            assert_eq!(exact.to_f64_exact(), Some(float));
        }
    }

    #[test]
    fn only_exactly_representable_numbers_have_an_exact_f64() {
        assert_eq!(number("0.5").to_f64_exact(), Some(0.5));
        assert_eq!(number("-1.25e3").to_f64_exact(), Some(-1250.0));
        assert_eq!(number("0.1").to_f64_exact(), None);
        assert_eq!(number("1e400").to_f64_exact(), None);
        assert_eq!(number("9007199254740993").to_f64_exact(), None);
        let tiny = Number::from_f64(f64::from_bits(1)).expect("finite");
        assert_eq!(tiny.to_f64_exact(), Some(f64::from_bits(1)));
    }

    #[test]
    fn as_f64_rounds_to_nearest_and_saturates() {
        assert_eq!(number("0.1").as_f64(), 0.1);
        assert_eq!(number("1e400").as_f64(), f64::INFINITY);
        assert_eq!(number("-1e400").as_f64(), f64::NEG_INFINITY);
        assert_eq!(number("1e-400").as_f64(), 0.0);
        assert_eq!(
            number("123456789012345678901234567890").as_f64(),
            1.2345678901234568e29
        );
    }
}
