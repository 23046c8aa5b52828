//! When an EventBridge Scheduler cron expression fires.
//!
//! Validation (`resources::validate::cron`) says whether an expression is
//! well formed; this module says when it *fires*, that is, at which
//! instants the scheduler invokes its target, in a given time zone:
//!
//! - a *day* fires when its year, month and its day-of-month (or, when
//!   that field is `?`, its day-of-week) match; weekdays count `1` =
//!   Sunday to `7` = Saturday, as in EventBridge;
//! - on such a day every matching *local time* (hour and minute) fires;
//! - a local time that a spring-forward transition skips does not fire
//!   that day, and one that a fall-back repeats fires once, at its first
//!   occurrence. EventBridge Scheduler documents both: "your schedule
//!   invocation gets skipped if the cron expression falls on a
//!   non-existent date and time" and "your schedule runs only once and
//!   doesn't repeat its invocation" (it does not say which of the two
//!   occurrences; the first is assumed).
//!
//! Only the latest firing at or before a given instant is needed, so the
//! search walks local days backwards from that instant.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::resources::validate::CronExpression;

/// How far back a firing is looked for: long enough for a leap day.
const LOOKBACK_DAYS: usize = 5 * 366;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A parsed cron expression that knows when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<i16>,
    hours: Vec<i16>,
    days: Days,
    months: Vec<i16>,
    years: Vec<i16>,
}

/// The day rule: exactly one of the two day fields is `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    OfMonth(Vec<MonthDay>),
    OfWeek(Vec<WeekDay>),
}

/// One item of the day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MonthDay {
    Values(Vec<i16>),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Monday to Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest to day `n`, within the month.
    NearestWeekday(i16),
}

/// One item of the day-of-week field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum WeekDay {
    Values(Vec<i16>),
    /// `nL`: the last weekday `n` of the month.
    LastOfMonth(i16),
    /// `n#k`: the `k`-th weekday `n` of the month.
    Nth(i16, i16),
}

impl Cron {
    /// Parses `cron(...)`; the error says what is wrong, as validation
    /// does.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let [minutes, hours, day_of_month, month, day_of_week, year] =
            CronExpression::parse(text)?.fields;
        let days = match day_of_month.as_str() {
            "?" => Days::OfWeek(items(&day_of_week, week_day)?),
            _ => Days::OfMonth(items(&day_of_month, month_day)?),
        };
        Ok(Cron {
            minutes: values(&minutes, 0, 59, &[])?,
            hours: values(&hours, 0, 23, &[])?,
            days,
            months: values(&month, 1, 12, &MONTHS)?,
            years: values(&year, 1970, 2199, &[])?,
        })
    }

    /// The latest instant at or before `now` at which this expression
    /// fires in `zone`; `None` when it has not fired in the last five
    /// years.
    pub fn last_firing(&self, zone: &TimeZone, now: Timestamp) -> Option<Timestamp> {
        let today = now.to_zoned(zone.clone()).date();
        let days = std::iter::successors(Some(today), |day| day.yesterday().ok());
        days.take(LOOKBACK_DAYS)
            .filter(|day| self.fires_on(*day))
            .find_map(|day| self.latest_on(day, zone, now))
    }

    /// The latest firing on local `day` at or before `now`. Local times
    /// map to instants in order (repeated ones count once, first), so the
    /// first one found walking back is the latest.
    fn latest_on(&self, day: Date, zone: &TimeZone, now: Timestamp) -> Option<Timestamp> {
        let times = self.hours.iter().rev().flat_map(|hour| {
            let minutes = self.minutes.iter().rev();
            minutes.filter_map(move |minute| Time::new(*hour as i8, *minute as i8, 0, 0).ok())
        });
        times
            .filter_map(|time| instant(zone, day.to_datetime(time)))
            .find(|instant| *instant <= now)
    }

    fn fires_on(&self, day: Date) -> bool {
        let in_year = self.years.contains(&day.year());
        let in_month = self.months.contains(&i16::from(day.month()));
        in_year && in_month && self.days.match_day(day)
    }
}

impl Days {
    fn match_day(&self, day: Date) -> bool {
        match self {
            Days::OfMonth(items) => items.iter().any(|item| item.matches(day)),
            Days::OfWeek(items) => items.iter().any(|item| item.matches(day)),
        }
    }
}

impl MonthDay {
    fn matches(&self, day: Date) -> bool {
        let last = day.days_in_month();
        match self {
            MonthDay::Values(values) => values.contains(&i16::from(day.day())),
            MonthDay::Last => day.day() == last,
            MonthDay::LastWeekday => day.day() == weekday_near(day, last, true),
            MonthDay::NearestWeekday(n) => {
                let target = i8::try_from(*n).unwrap_or(i8::MAX);
                target <= last && day.day() == weekday_near(day, target, false)
            }
        }
    }
}

impl WeekDay {
    fn matches(&self, day: Date) -> bool {
        let weekday = i16::from(day.weekday().to_sunday_one_offset());
        match self {
            WeekDay::Values(values) => values.contains(&weekday),
            WeekDay::LastOfMonth(n) => weekday == *n && day.day() + 7 > day.days_in_month(),
            WeekDay::Nth(n, k) => weekday == *n && i16::from((day.day() - 1) / 7 + 1) == *k,
        }
    }
}

/// The weekday nearest to day `target` of `day`'s month, never leaving the
/// month; `backwards_only` for `LW`, which looks back from the last day.
fn weekday_near(day: Date, target: i8, backwards_only: bool) -> i8 {
    let last = day.days_in_month();
    let Ok(date) = day.with().day(target).build() else {
        return 0;
    };
    match date.weekday() {
        Weekday::Saturday if target == 1 && !backwards_only => 3,
        Weekday::Saturday => target - 1,
        Weekday::Sunday if backwards_only => target - 2,
        Weekday::Sunday if target == last => target - 2,
        Weekday::Sunday => target + 1,
        _ => target,
    }
}

/// The instant of local `datetime` in `zone`: `None` in a gap, the first
/// occurrence in a fold.
fn instant(zone: &TimeZone, datetime: DateTime) -> Option<Timestamp> {
    let offset = match zone.to_ambiguous_timestamp(datetime).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { .. } => return None,
        AmbiguousOffset::Fold { before, .. } => before,
    };
    offset.to_timestamp(datetime).ok()
}

/// The comma-separated items of one field.
fn items<T>(field: &str, item: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    field.split(',').map(item).collect()
}

fn month_day(item: &str) -> Result<MonthDay, String> {
    Ok(match item {
        "L" => MonthDay::Last,
        "LW" => MonthDay::LastWeekday,
        _ => match item.strip_suffix('W') {
            Some(n) => MonthDay::NearestWeekday(number(n)?),
            None => MonthDay::Values(values(item, 1, 31, &[])?),
        },
    })
}

fn week_day(item: &str) -> Result<WeekDay, String> {
    let weekday = |text: &str| value(text, &WEEKDAYS);
    if item == "L" {
        return Ok(WeekDay::Values(vec![7]));
    }
    if let Some((n, k)) = item.split_once('#') {
        return Ok(WeekDay::Nth(weekday(n)?, number(k)?));
    }
    match item.strip_suffix('L') {
        Some(n) => Ok(WeekDay::LastOfMonth(weekday(n)?)),
        None => Ok(WeekDay::Values(values(item, 1, 7, &WEEKDAYS)?)),
    }
}

/// Every value a plain field (`*`, values, ranges, steps, names) selects,
/// sorted.
fn values(field: &str, min: i16, max: i16, names: &[&str]) -> Result<Vec<i16>, String> {
    let mut all = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, number(step)?),
            None => (item, 1),
        };
        let (low, high) = match range.split_once('-') {
            _ if range == "*" => (min, max),
            Some((low, high)) => (value(low, names)?, value(high, names)?),
            None if step > 1 => (value(range, names)?, max),
            None => (value(range, names)?, value(range, names)?),
        };
        let step = usize::try_from(step.max(1)).unwrap_or(1);
        all.extend((low..=high).step_by(step));
    }
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

/// A number, or a name's position counted from 1.
fn value(text: &str, names: &[&str]) -> Result<i16, String> {
    let upper = text.to_ascii_uppercase();
    match names.iter().position(|name| *name == upper) {
        Some(index) => Ok(index as i16 + 1),
        None => number(text),
    }
}

fn number(text: &str) -> Result<i16, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn last(cron: &str, zone: &TimeZone, now: &str) -> Option<String> {
        let cron = Cron::parse(cron).unwrap();
        cron.last_firing(zone, at(now)).map(|t| t.to_string())
    }

    #[test]
    fn fields_select_values_ranges_steps_and_names() {
        assert_eq!(values("*/15", 0, 59, &[]).unwrap(), [0, 15, 30, 45]);
        assert_eq!(values("5/20", 0, 59, &[]).unwrap(), [5, 25, 45]);
        assert_eq!(values("MON-FRI", 1, 7, &WEEKDAYS).unwrap(), [2, 3, 4, 5, 6]);
        assert_eq!(values("1,JAN,3-4", 1, 12, &MONTHS).unwrap(), [1, 3, 4]);
    }

    #[test]
    fn a_weekly_expression_fires_at_its_local_time() {
        let utc = TimeZone::UTC;
        let friday = "cron(0 19 ? * FRI *)";
        // 2026-03-27 is a Friday.
        let expected = Some("2026-03-27T19:00:00Z".to_string());
        assert_eq!(last(friday, &utc, "2026-03-27T19:00:00Z"), expected);
        assert_eq!(last(friday, &utc, "2026-03-30T08:00:00Z"), expected);
        let week_before = Some("2026-03-20T19:00:00Z".to_string());
        assert_eq!(last(friday, &utc, "2026-03-27T18:59:59Z"), week_before);
    }

    #[test]
    fn local_times_follow_the_zone_across_daylight_saving() {
        let zone = berlin();
        // 19:00 CET is 18:00Z in March, 19:00 CEST is 17:00Z in April.
        let cron = "cron(0 19 ? * FRI *)";
        let march = Some("2026-03-27T18:00:00Z".to_string());
        assert_eq!(last(cron, &zone, "2026-03-29T12:00:00Z"), march);
        let april = Some("2026-04-03T17:00:00Z".to_string());
        assert_eq!(last(cron, &zone, "2026-04-03T17:00:00Z"), april);
    }

    #[test]
    fn a_time_skipped_by_spring_forward_does_not_fire_that_day() {
        // 02:30 does not exist in Berlin on 2026-03-29.
        let skipped = last("cron(30 2 ? * SUN *)", &berlin(), "2026-03-29T12:00:00Z");
        assert_eq!(skipped, Some("2026-03-22T01:30:00Z".to_string()));
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_once_at_its_first_occurrence() {
        // 02:30 happens at 00:30Z (CEST) and 01:30Z (CET) on 2026-10-25.
        let cron = "cron(30 2 ? * SUN *)";
        let first = Some("2026-10-25T00:30:00Z".to_string());
        assert_eq!(last(cron, &berlin(), "2026-10-25T00:30:00Z"), first);
        assert_eq!(last(cron, &berlin(), "2026-10-25T01:45:00Z"), first);
        let week_before = Some("2026-10-18T00:30:00Z".to_string());
        assert_eq!(last(cron, &berlin(), "2026-10-25T00:29:59Z"), week_before);
    }

    #[test]
    fn special_days_of_the_month_and_week() {
        let utc = TimeZone::UTC;
        let now = "2026-05-31T12:00:00Z";
        let day = |cron: &str| last(cron, &utc, now).map(|t| t[..10].to_string());
        // May 2026: the 31st is a Sunday, the 16th a Saturday.
        assert_eq!(day("cron(0 0 L * ? *)").as_deref(), Some("2026-05-31"));
        assert_eq!(day("cron(0 0 LW * ? *)").as_deref(), Some("2026-05-29"));
        assert_eq!(day("cron(0 0 16W * ? *)").as_deref(), Some("2026-05-15"));
        assert_eq!(day("cron(0 0 ? * 6L *)").as_deref(), Some("2026-05-29"));
        assert_eq!(day("cron(0 0 ? * 2#1 *)").as_deref(), Some("2026-05-04"));
        assert_eq!(day("cron(0 0 ? * L *)").as_deref(), Some("2026-05-30"));
        // 1W on a Saturday moves forward to Monday the 3rd (August 2026).
        let august = last("cron(0 0 1W AUG ? 2026)", &utc, "2026-09-01T00:00:00Z");
        assert_eq!(august.as_deref(), Some("2026-08-03T00:00:00Z"));
    }

    #[test]
    fn an_expression_that_never_fired_has_no_last_firing() {
        let future = last(
            "cron(0 0 1 JAN ? 2030)",
            &TimeZone::UTC,
            "2026-03-27T00:00:00Z",
        );
        assert_eq!(future, None);
    }
}
