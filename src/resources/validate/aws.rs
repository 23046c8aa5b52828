//! AWS identifiers: account IDs, ARNs, regions, zones, VPC object IDs and
//! EC2 instance types.

use super::{Problem, ensure, names};

/// What kind of ARN an attribute expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnKind {
    /// Shown to the user, e.g. "IAM role".
    pub what: &'static str,
    pub service: &'static str,
    /// How the resource part starts, e.g. `role/`.
    pub resource_prefix: &'static str,
    /// An example shown in the error.
    pub example: &'static str,
}

pub const IAM_ROLE: ArnKind = ArnKind {
    what: "IAM role",
    service: "iam",
    resource_prefix: "role/",
    example: "arn:aws:iam::123456789012:role/ci-platform",
};

pub const IAM_POLICY: ArnKind = ArnKind {
    what: "IAM policy",
    service: "iam",
    resource_prefix: "policy/",
    example: "arn:aws:iam::aws:policy/ReadOnlyAccess",
};

/// A 12-digit AWS account ID.
pub fn account_id(value: &str) -> Result<(), Problem> {
    let digits = value.chars().all(|c| c.is_ascii_digit());
    let hint = if digits && value.len() < 12 {
        " If it was written as a number, leading zeros were lost: quote it as a string."
    } else {
        ""
    };
    ensure(
        digits && value.len() == 12,
        "Invalid AWS account ID",
        || format!("{value:?} is not an AWS account ID: use exactly 12 digits.{hint}"),
    )
}

/// An ARN of the given kind: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
pub fn arn(kind: ArnKind) -> impl Fn(&str) -> Result<(), Problem> {
    move |value| {
        let problem = || {
            format!(
                "{value:?} is not a valid {} ARN; expected the form {:?}.",
                kind.what, kind.example
            )
        };
        ensure(arn_matches(value, &kind), "Invalid ARN", problem)
    }
}

fn arn_matches(value: &str, kind: &ArnKind) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let account_ok = account.is_empty() || account == "aws" || account_id(account).is_ok();
    let global = kind.service == "iam";
    prefix == "arn"
        && is_partition(partition)
        && service == kind.service
        && (region.is_empty() || (!global && aws_region(region).is_ok()))
        && account_ok
        && resource_matches(resource, kind)
}

fn resource_matches(resource: &str, kind: &ArnKind) -> bool {
    let Some(rest) = resource.strip_prefix(kind.resource_prefix) else {
        return false;
    };
    let name = rest.rsplit('/').next().unwrap_or_default();
    !name.is_empty()
        && !resource.contains(char::is_whitespace)
        && (kind.resource_prefix != "role/" || names::iam_role_name(name).is_ok())
}

fn is_partition(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("aws") else {
        return false;
    };
    rest.split('-')
        .skip(1)
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && (rest.is_empty() || rest.starts_with('-'))
}

/// An AWS region code such as `eu-west-1` or `us-gov-west-1`.
pub fn aws_region(value: &str) -> Result<(), Problem> {
    ensure(is_region(value), "Invalid AWS region", || {
        format!("{value:?} is not an AWS region code; expected a code such as \"eu-west-1\".")
    })
}

fn is_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    let words_ok = words
        .iter()
        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()));
    let number_ok = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
    words.len() >= 2 && words[0].len() == 2 && words_ok && number_ok
}

/// An availability zone name such as `eu-west-1a`.
pub fn availability_zone(value: &str) -> Result<(), Problem> {
    let region = value.strip_suffix(|c: char| c.is_ascii_lowercase());
    ensure(
        region.is_some_and(is_region),
        "Invalid availability zone",
        || format!("{value:?} is not an availability zone name; expected e.g. \"eu-west-1a\"."),
    )
}

/// A VPC subnet ID.
pub fn subnet_id(value: &str) -> Result<(), Problem> {
    vpc_id(value, "subnet", "Invalid subnet ID")
}

/// A VPC security group ID.
pub fn security_group_id(value: &str) -> Result<(), Problem> {
    vpc_id(value, "sg", "Invalid security group ID")
}

fn vpc_id(value: &str, prefix: &str, summary: &str) -> Result<(), Problem> {
    let hex = value.strip_prefix(prefix).and_then(|v| v.strip_prefix('-'));
    let hex_ok = |h: &str| matches!(h.len(), 8 | 17) && h.chars().all(|c| c.is_ascii_hexdigit());
    ensure(hex.is_some_and(hex_ok), summary, || {
        format!("{value:?} is not a valid ID; expected \"{prefix}-\" and 8 or 17 hex digits.")
    })
}

/// An EC2 instance type, `family.size` (e.g. `c6i.2xlarge`).
pub fn instance_type(value: &str) -> Result<(), Problem> {
    let split = value.split_once('.');
    let ok = split.is_some_and(|(f, s)| is_instance_family(f) && is_instance_size(s));
    ensure(ok, "Invalid instance type", || {
        format!(
            "{value:?} is not an EC2 instance type; expected family.size such as \
             \"c6i.2xlarge\" or \"m5.large\"."
        )
    })
}

/// An EC2 instance family such as `c6a` or `m7i-flex`.
pub fn instance_family(value: &str) -> Result<(), Problem> {
    ensure(is_instance_family(value), "Invalid instance family", || {
        format!("{value:?} is not an EC2 instance family; expected e.g. \"c6i\" or \"m5a\".")
    })
}

/// An EC2 instance size such as `large`, `12xlarge` or `metal-24xl`.
pub fn instance_size(value: &str) -> Result<(), Problem> {
    ensure(is_instance_size(value), "Invalid instance size", || {
        format!(
            "{value:?} is not an EC2 instance size; expected e.g. \"nano\", \"large\", \
             \"24xlarge\" or \"metal\"."
        )
    })
}

fn is_instance_family(value: &str) -> bool {
    let starts_with_letter = value.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let parts_ok = value.split('-').all(|p| !p.is_empty());
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    starts_with_letter && parts_ok && chars_ok && value.contains(|c: char| c.is_ascii_digit())
}

fn is_instance_size(value: &str) -> bool {
    const NAMED: &[&str] = &[
        "nano", "micro", "small", "medium", "large", "xlarge", "metal",
    ];
    let numbered = |v: &str, suffix: &str| {
        v.strip_suffix(suffix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let metal = value
        .strip_prefix("metal-")
        .is_some_and(|rest| numbered(rest, "xl"));
    NAMED.contains(&value) || numbered(value, "xlarge") || metal
}
