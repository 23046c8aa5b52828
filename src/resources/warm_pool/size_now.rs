//! "Size right now": which size the schedules say each group has at a
//! given instant.
//!
//! The *weekend* is the window from a firing of the scale-down schedule to
//! the next firing of the scale-up one, whatever days the expressions
//! name; the rest is the *week*. At an instant, the groups are in the
//! weekend when the latest scale-down firing is later than the latest
//! scale-up one. When both fire at the same minute the scale-up is taken
//! to win (the two run concurrently, so neither order is certain); when
//! the schedules are disabled it is always the week.
//!
//! The *clock* is the real time, unless the environment variable
//! [`CLOCK_ENV`] holds an RFC 3339 timestamp: acceptance tests set it so
//! that their expectations do not depend on the day they run. It is not a
//! configuration attribute and nothing else should set it.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::cron::Cron;
use crate::diagnostics::Diagnostic;

/// Environment variable that replaces the clock, for tests only.
pub const CLOCK_ENV: &str = "CI_WARM_POOL_NOW";

/// Whether the groups should be at their size or at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Between a scale-up and the next scale-down: the configured sizes.
    Week,
    /// Between a scale-down and the next scale-up: zero.
    Weekend,
}

/// The `schedule` block, parsed.
#[derive(Debug, Clone)]
pub struct Timing {
    pub enabled: bool,
    pub zone: TimeZone,
    pub scale_down: Cron,
    pub scale_up: Cron,
}

impl Timing {
    /// Parses the block's values; the error names the value that is wrong.
    pub fn parse(enabled: bool, zone: &str, down: &str, up: &str) -> Result<Timing, String> {
        let zone = TimeZone::get(zone).map_err(|e| format!("time zone {zone:?}: {e}"))?;
        let cron = |text: &str| Cron::parse(text).map_err(|e| format!("{text:?}: {e}"));
        Ok(Timing {
            enabled,
            zone,
            scale_down: cron(down)?,
            scale_up: cron(up)?,
        })
    }

    /// The phase at `now`.
    pub fn phase_at(&self, now: Timestamp) -> Phase {
        if !self.enabled {
            return Phase::Week;
        }
        let down = self.scale_down.last_firing(&self.zone, now);
        let up = self.scale_up.last_firing(&self.zone, now);
        match (down, up) {
            (Some(down), Some(up)) if down > up => Phase::Weekend,
            (Some(_), None) => Phase::Weekend,
            _ => Phase::Week,
        }
    }
}

/// Now, by [`CLOCK_ENV`] when set.
pub fn now() -> Result<Timestamp, Diagnostic> {
    let Ok(text) = std::env::var(CLOCK_ENV) else {
        return Ok(Timestamp::now());
    };
    text.parse().map_err(|error| {
        Diagnostic::error(
            "Invalid test clock",
            format!(
                "{CLOCK_ENV} is set to {text:?}, which is not an RFC 3339 timestamp ({error}). \
                 It replaces the clock in tests only; unset it, or write e.g. \
                 2026-03-25T10:00:00Z."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Friday 19:00 to Monday 06:00, Berlin time: the default times in a
    /// zone with daylight saving.
    fn berlin() -> Timing {
        let (down, up) = (
            super::super::DEFAULT_SCALE_DOWN,
            super::super::DEFAULT_SCALE_UP,
        );
        Timing::parse(true, "Europe/Berlin", down, up).unwrap()
    }

    fn phase(timing: &Timing, at: &str) -> Phase {
        timing.phase_at(at.parse().unwrap())
    }

    /// (instant, phase, why) rows, checked in one table.
    fn check(timing: &Timing, rows: &[(&str, Phase, &str)]) {
        for (at, expected, why) in rows {
            assert_eq!(phase(timing, at), *expected, "{at}: {why}");
        }
    }

    #[test]
    fn the_weekend_before_spring_forward_starts_and_ends_at_the_exact_minute() {
        // Friday 2026-03-27 19:00 CET is 18:00Z; the clocks go forward on
        // Sunday the 29th; Monday the 30th 06:00 CEST is 04:00Z.
        use Phase::*;
        check(
            &berlin(),
            &[
                (
                    "2026-03-27T17:59:59Z",
                    Week,
                    "a second before Friday 19:00 CET",
                ),
                ("2026-03-27T18:00:00Z", Weekend, "Friday 19:00 CET"),
                (
                    "2026-03-29T00:59:59Z",
                    Weekend,
                    "just before the clocks go forward",
                ),
                ("2026-03-29T01:00:00Z", Weekend, "03:00 CEST, just after"),
                (
                    "2026-03-30T03:59:59Z",
                    Weekend,
                    "a second before Monday 06:00 CEST",
                ),
                ("2026-03-30T04:00:00Z", Week, "Monday 06:00 CEST"),
                (
                    "2026-03-30T04:30:00Z",
                    Week,
                    "06:30 CEST (05:30 if CET were assumed)",
                ),
            ],
        );
    }

    #[test]
    fn the_weekend_of_fall_back_starts_in_summer_time_and_ends_in_winter_time() {
        // Friday 2026-10-23 19:00 CEST is 17:00Z; the clocks go back on
        // Sunday the 25th; Monday the 26th 06:00 CET is 05:00Z.
        use Phase::*;
        check(
            &berlin(),
            &[
                (
                    "2026-10-23T16:59:59Z",
                    Week,
                    "a second before Friday 19:00 CEST",
                ),
                ("2026-10-23T17:00:00Z", Weekend, "Friday 19:00 CEST"),
                ("2026-10-25T00:30:00Z", Weekend, "02:30 CEST, first pass"),
                ("2026-10-25T01:30:00Z", Weekend, "02:30 CET, second pass"),
                (
                    "2026-10-26T04:30:00Z",
                    Weekend,
                    "05:30 CET (06:30 if CEST were assumed)",
                ),
                (
                    "2026-10-26T04:59:59Z",
                    Weekend,
                    "a second before Monday 06:00 CET",
                ),
                ("2026-10-26T05:00:00Z", Week, "Monday 06:00 CET"),
            ],
        );
    }

    #[test]
    fn transitions_inside_the_changing_hour_follow_the_scheduler() {
        // Scale down Saturday 23:00, up at 02:30 on Sunday: on the spring
        // forward Sunday 02:30 does not exist, the scale-up is skipped and
        // the groups sleep until the next Sunday; on the fall-back Sunday
        // it fires once, at the first 02:30.
        use Phase::*;
        let timing = Timing::parse(
            true,
            "Europe/Berlin",
            "cron(0 23 ? * SAT *)",
            "cron(30 2 ? * SUN *)",
        )
        .unwrap();
        check(
            &timing,
            &[
                (
                    "2026-03-28T21:59:59Z",
                    Week,
                    "a second before Saturday 23:00 CET",
                ),
                ("2026-03-28T22:00:00Z", Weekend, "Saturday 23:00 CET"),
                ("2026-03-29T06:00:00Z", Weekend, "02:30 was skipped"),
                ("2026-10-24T21:00:00Z", Weekend, "Saturday 23:00 CEST"),
                (
                    "2026-10-25T00:29:59Z",
                    Weekend,
                    "a second before the first 02:30",
                ),
                ("2026-10-25T00:30:00Z", Week, "the first 02:30 (CEST)"),
                (
                    "2026-10-25T01:30:00Z",
                    Week,
                    "the second 02:30 fires nothing",
                ),
            ],
        );
    }

    #[test]
    fn disabled_schedules_keep_the_week_size() {
        let timing = Timing {
            enabled: false,
            ..berlin()
        };
        assert_eq!(phase(&timing, "2026-03-28T12:00:00Z"), Phase::Week);
    }

    #[test]
    fn a_scale_up_at_the_same_minute_wins() {
        let at_once = "cron(0 6 ? * MON *)";
        let timing = Timing::parse(true, "UTC", at_once, "cron(0 6 ? * MON,TUE *)").unwrap();
        assert_eq!(phase(&timing, "2026-03-30T06:00:00Z"), Phase::Week);
    }

    #[test]
    fn a_scale_down_that_never_fired_keeps_the_week_size() {
        let timing = Timing::parse(
            true,
            "UTC",
            "cron(0 19 ? * FRI 2030)",
            "cron(0 6 ? * MON *)",
        )
        .unwrap();
        assert_eq!(phase(&timing, "2026-03-28T12:00:00Z"), Phase::Week);
    }

    #[test]
    fn bad_zones_and_expressions_are_named() {
        let zone = Timing::parse(
            true,
            "Mars/Olympus",
            "cron(0 1 ? * MON *)",
            "cron(0 2 ? * MON *)",
        );
        assert!(zone.unwrap_err().contains("Mars/Olympus"));
        let cron = Timing::parse(true, "UTC", "cron(0 25 ? * MON *)", "cron(0 2 ? * MON *)");
        assert!(cron.unwrap_err().contains("cron(0 25"));
    }
}
