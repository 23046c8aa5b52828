//! Cron expressions as EventBridge Scheduler takes them.
//!
//! `cron(minutes hours day-of-month month day-of-week year)`: six fields,
//! each a comma list of `*`, values, `a-b` ranges and `/step`s. Months and
//! weekdays may be names (`JAN`, `MON`); weekdays count from `1` = Sunday.
//! Exactly one of day-of-month and day-of-week is `?`. Day-of-month also
//! takes `L`, `LW` and `nW`; day-of-week takes `L`, `nL` and `n#k`.

use super::Problem;

/// A cron expression split into its six fields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpression {
    pub fields: [String; 6],
}

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [FieldSpec; 6] = [
    FieldSpec {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
    },
    FieldSpec {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
    },
    FieldSpec {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    FieldSpec {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: WEEKDAYS,
    },
    FieldSpec {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
    },
];

const DAY_OF_MONTH: usize = 2;
const DAY_OF_WEEK: usize = 4;

impl CronExpression {
    /// Parses `cron(...)`, or says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let inner = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')'));
        let inner = inner.ok_or(
            "it must be written as cron(minutes hours day-of-month month day-of-week year)",
        )?;
        let fields: Vec<String> = inner.split_whitespace().map(str::to_string).collect();
        let fields: [String; 6] = fields.try_into().map_err(|f: Vec<String>| {
            format!(
                "it has {} fields; EventBridge Scheduler takes exactly six",
                f.len()
            )
        })?;
        for (field, spec) in fields.iter().zip(&FIELDS) {
            check_field(field, spec).map_err(|why| format!("{} {field:?}: {why}", spec.name))?;
        }
        check_question_marks(&fields)?;
        Ok(CronExpression { fields })
    }
}

fn check_question_marks(fields: &[String; 6]) -> Result<(), String> {
    let dom = fields[DAY_OF_MONTH] == "?";
    let dow = fields[DAY_OF_WEEK] == "?";
    match (dom, dow) {
        (true, true) => Err("day-of-month and day-of-week cannot both be ?".into()),
        (false, false) => Err("one of day-of-month and day-of-week must be ?".into()),
        _ => Ok(()),
    }
}

fn check_field(field: &str, spec: &FieldSpec) -> Result<(), String> {
    let day_field = spec.name.starts_with("day");
    if field == "?" {
        return if day_field {
            Ok(())
        } else {
            Err("? is only allowed in day fields".into())
        };
    }
    field.split(',').try_for_each(|item| check_item(item, spec))
}

fn check_item(item: &str, spec: &FieldSpec) -> Result<(), String> {
    match spec.name {
        "day-of-month" if is_day_of_month_special(item) => return Ok(()),
        "day-of-week" if is_day_of_week_special(item) => return Ok(()),
        _ => {}
    }
    let (base, step) = item
        .split_once('/')
        .map_or((item, None), |(b, s)| (b, Some(s)));
    if let Some(step) = step {
        step.parse::<u32>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or(format!("{step:?} is not a step"))?;
    }
    check_range(base, spec)
}

fn check_range(base: &str, spec: &FieldSpec) -> Result<(), String> {
    if base == "*" {
        return Ok(());
    }
    let (low, high) = base.split_once('-').unwrap_or((base, base));
    let (low, high) = (value_of(low, spec)?, value_of(high, spec)?);
    if low > high {
        return Err(format!("the range {base:?} runs backwards"));
    }
    Ok(())
}

fn value_of(text: &str, spec: &FieldSpec) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    let named = spec
        .names
        .iter()
        .position(|n| *n == upper)
        .map(|i| i as u32 + 1);
    let value = named.or_else(|| text.parse().ok());
    value
        .filter(|v| (spec.min..=spec.max).contains(v))
        .ok_or_else(|| format!("{text:?} is not a value from {} to {}", spec.min, spec.max))
}

/// `L`, `LW`, `nW`.
fn is_day_of_month_special(item: &str) -> bool {
    let day = |d: &str| d.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    item == "L" || item == "LW" || item.strip_suffix('W').is_some_and(day)
}

/// `L`, `nL`, `n#k`.
fn is_day_of_week_special(item: &str) -> bool {
    let weekday = |d: &str| value_of(d, &FIELDS[DAY_OF_WEEK]).is_ok();
    let nth = |k: &str| k.parse::<u32>().is_ok_and(|k| (1..=5).contains(&k));
    let hash = item
        .split_once('#')
        .is_some_and(|(d, k)| weekday(d) && nth(k));
    item == "L" || item.strip_suffix('L').is_some_and(weekday) || hash
}

/// A cron expression for an EventBridge Scheduler schedule.
pub fn schedule_cron(value: &str) -> Result<(), Problem> {
    CronExpression::parse(value).map(drop).map_err(|why| {
        let detail = format!(
            "{value:?} is not a valid schedule: {why}. Example: \"cron(0 19 ? * FRI *)\" \
             runs at 19:00 every Friday."
        );
        Problem::new("Invalid cron expression", detail)
    })
}
