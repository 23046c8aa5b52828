//! Durations as users write them: Go's `time.ParseDuration` syntax
//! (`"30m"`, `"1h30m"`, `"90s"`) for timeouts, and Karpenter's stricter
//! whole-unit form (`"5m"`, `"720h"`, `"Never"`).

use super::{Problem, ensure};
use std::time::Duration;

/// Parses a non-negative Go duration such as `"1h30m"` or `"1.5h"`.
///
/// Go accepts a sign, `"0"` without a unit, and the units `ns`, `us`,
/// `µs`, `ms`, `s`, `m` and `h`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if unsigned == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = unsigned;
    let mut total = 0f64;
    while !rest.is_empty() {
        let (seconds, tail) = parse_term(rest)?;
        total += seconds;
        rest = tail;
    }
    (!unsigned.is_empty()).then(|| Duration::try_from_secs_f64(total).ok())?
}

/// One `<number><unit>` term: its length in seconds and what follows it.
fn parse_term(text: &str) -> Option<(f64, &str)> {
    let number_len = text.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (number, rest) = text.split_at(number_len);
    let unit_len = rest
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(rest.len());
    let (unit, tail) = rest.split_at(unit_len);
    let valid_number = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let value: f64 = number.parse().ok().filter(|_| valid_number)?;
    Some((value * unit_seconds(unit)?, tail))
}

fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1e-9,
        "us" | "µs" | "μs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    })
}

/// A positive Go duration, as `timeouts` attributes take.
pub fn go_duration(value: &str) -> Result<(), Problem> {
    let duration = parse_go_duration(value);
    ensure(
        duration.is_some_and(|d| !d.is_zero()),
        "Invalid duration",
        || {
            format!(
                "{value:?} is not a positive duration; write a number and a unit, \
             combined as needed: \"30m\", \"1h30m\", \"90s\"."
            )
        },
    )
}

/// A Karpenter duration: whole `s`, `m` and `h` terms, or `Never`.
pub fn karpenter_duration(value: &str) -> Result<(), Problem> {
    ensure(
        value == "Never" || is_whole_terms(value),
        "Invalid duration",
        || {
            format!(
                "{value:?} is not a Karpenter duration; write whole numbers of s, m and h \
             (\"30s\", \"5m\", \"720h\", \"1h30m\") or \"Never\"."
            )
        },
    )
}

/// `([0-9]+(s|m|h))+`, the pattern in Karpenter's CRDs.
fn is_whole_terms(value: &str) -> bool {
    let mut digits = 0;
    for c in value.chars() {
        match c {
            '0'..='9' => digits += 1,
            's' | 'm' | 'h' if digits > 0 => digits = 0,
            _ => return false,
        }
    }
    !value.is_empty() && digits == 0
}
