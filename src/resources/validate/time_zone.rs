//! IANA time zone names, as EventBridge Scheduler takes them.
//!
//! The list is embedded (`time_zones.txt`, generated from tzdata 2025b's
//! Zone and Link entries) rather than matched by pattern: a pattern
//! accepts typos such as `Europe/Berln` that the scheduler would reject at
//! apply time, after other objects were already created.

use super::{Problem, ensure};

const TIME_ZONES: &str = include_str!("time_zones.txt");

/// Whether `name` is a known IANA time zone name (case-sensitive).
pub fn is_time_zone(name: &str) -> bool {
    TIME_ZONES
        .lines()
        .any(|line| line == name && !line.starts_with('#'))
}

/// An IANA time zone name such as `Europe/Berlin` or `UTC`.
pub fn time_zone(value: &str) -> Result<(), Problem> {
    ensure(is_time_zone(value), "Unknown time zone", || {
        let hint = case_insensitive_match(value)
            .map(|name| format!(" Did you mean {name:?}?"))
            .unwrap_or_default();
        format!(
            "{value:?} is not an IANA time zone name; use a name such as \
             \"Europe/Berlin\", \"America/New_York\" or \"UTC\".{hint}"
        )
    })
}

fn case_insensitive_match(value: &str) -> Option<&'static str> {
    TIME_ZONES
        .lines()
        .find(|line| line.eq_ignore_ascii_case(value))
}
