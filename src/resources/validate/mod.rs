//! Reusable checks of configuration values.
//!
//! Each check takes the text the user wrote and returns a [`Problem`]: a
//! summary naming what is wrong ("Invalid AWS account ID") and a detail
//! saying what is expected and what to do. [`Field::check`] attaches the
//! attribute path and skips null and unknown values, so a check never sees
//! a value that is not yet known. The checks here know nothing about any
//! one resource; cross-attribute rules live with each resource.

mod aws;
mod cron;
mod duration;
mod iam_policy;
mod names;
mod network;
mod quantity;
mod time_zone;

pub use aws::{
    ArnKind, IAM_POLICY, IAM_ROLE, account_id, arn, availability_zone, aws_region, instance_family,
    instance_size, instance_type, security_group_id, subnet_id,
};
pub use cron::{CronExpression, schedule_cron};
pub use duration::{go_duration, karpenter_duration, parse_go_duration};
pub use iam_policy::{iam_policy, minified_len};
pub use names::{
    annotation_key, dns_label, dns_subdomain, eks_name, external_id, iam_role_name,
    iam_session_name, service_account_name, sqs_queue_name, tag_key, tag_value,
};
pub use network::{Url, cidr_block, http_url, https_url, oidc_issuer_url, parse_url};
pub use quantity::{Quantity, QuantityError, positive_quantity};
pub use time_zone::time_zone;

use super::field::Field;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::value::path::Path;
use std::collections::BTreeMap;

/// What is wrong with one value, before it is tied to a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct Problem {
    /// Names the problem, e.g. "Invalid AWS account ID".
    pub summary: String,
    /// Says what is expected and what to do.
    pub detail: String,
}

impl Problem {
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    /// The problem as an error diagnostic at `path`.
    pub fn at(self, path: Path) -> Diagnostic {
        Diagnostic::error(self.summary, self.detail).at(path)
    }
}

/// A check of one string value.
pub type Check = fn(&str) -> Result<(), Problem>;

/// `Ok` when `ok`, else the problem built from `summary` and `detail`.
pub fn ensure(ok: bool, summary: &str, detail: impl FnOnce() -> String) -> Result<(), Problem> {
    if ok {
        Ok(())
    } else {
        Err(Problem::new(summary, detail()))
    }
}

/// A check that the value is one of `allowed`, exactly as written.
pub fn one_of(
    what: &'static str,
    allowed: &'static [&'static str],
) -> impl Fn(&str) -> Result<(), Problem> {
    move |value| {
        ensure(allowed.contains(&value), &format!("Invalid {what}"), || {
            format!(
                "{value:?} is not a valid {what}; use one of: {}.",
                quoted(allowed)
            )
        })
    }
}

/// `"a", "b", "c"`.
pub fn quoted(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    quoted.join(", ")
}

/// Checks that a known number is a whole number within `min..=max`.
pub fn whole_number(field: &Field, diags: &mut Diagnostics, what: &str, min: i64, max: i64) {
    let Some(number) = field.number() else { return };
    let value = number.as_i64().filter(|n| number.as_f64() == *n as f64);
    if value.is_none_or(|n| n < min || n > max) {
        let detail = format!(
            "{what} must be a whole number from {min} to {max}; got {}.",
            number.as_f64()
        );
        diags.push(field.error(format!("Invalid {what}"), detail));
    }
}

/// Checks that a known list has no repeated known strings.
pub fn unique_strings(field: &Field, diags: &mut Diagnostics, what: &str) {
    let mut seen = BTreeMap::new();
    for element in field.elements().unwrap_or_default() {
        let Some(text) = element.str() else { continue };
        if seen.insert(text, ()).is_some() {
            let detail = format!("{text:?} appears more than once; list each {what} once.");
            diags.push(element.error(format!("Duplicate {what}"), detail));
        }
    }
}

/// Checks that a known list or map is not empty.
pub fn not_empty(field: &Field, diags: &mut Diagnostics, summary: &str, detail: &str) {
    let empty_list = field.value.elements().is_some_and(<[_]>::is_empty);
    let empty_map = field.value.entries().is_some_and(BTreeMap::is_empty);
    if empty_list || empty_map {
        diags.push(field.error(summary, detail));
    }
}

/// Checks the keys and values of a known tag map.
pub fn tags(field: &Field, diags: &mut Diagnostics) {
    for (key, value) in field.entries().unwrap_or_default() {
        if let Err(problem) = tag_key(key) {
            diags.push(problem.at(value.path.clone()));
        }
        value.check(diags, tag_value);
    }
}

#[cfg(test)]
mod tests;
