//! Names of AWS and Kubernetes objects, and AWS tags.
//!
//! The rules are the services' own: IAM role names are 1-64 characters of
//! `[A-Za-z0-9_+=,.@-]`; Kubernetes names are lowercase RFC 1123 labels
//! (namespaces) or subdomains (service accounts and most objects);
//! annotation and label keys are *qualified names* with an optional DNS
//! prefix.

use super::{Problem, ensure};

const IAM_NAME_PUNCTUATION: &str = "_+=,.@-";

/// A lowercase RFC 1123 label: a namespace, or a name used as one.
pub fn dns_label(value: &str) -> Result<(), Problem> {
    ensure(is_dns_label(value), "Invalid Kubernetes name", || {
        format!(
            "{value:?} is not a valid Kubernetes name: use at most 63 lowercase letters, \
             digits and '-', starting and ending with a letter or digit (e.g. \"payments\")."
        )
    })
}

/// A lowercase RFC 1123 subdomain: the name of most Kubernetes objects.
pub fn dns_subdomain(value: &str) -> Result<(), Problem> {
    ensure(is_dns_subdomain(value), "Invalid Kubernetes name", || {
        format!(
            "{value:?} is not a valid Kubernetes object name: use at most 253 lowercase \
             letters, digits, '-' and '.', each dot-separated part starting and ending \
             with a letter or digit."
        )
    })
}

/// A Kubernetes service account name, with wildcards called out.
///
/// An IAM trust policy pins exactly one service account; a wildcard
/// would let every matching account assume the role.
pub fn service_account_name(value: &str) -> Result<(), Problem> {
    let wildcard = value.contains(['*', '?']);
    ensure(!wildcard, "Wildcard in service account name", || {
        format!(
            "{value:?} contains a wildcard. Access is granted to exactly one named \
             service account; create one access per service account instead."
        )
    })?;
    dns_subdomain(value)
}

/// An annotation or label key: `[prefix/]name`.
pub fn annotation_key(value: &str) -> Result<(), Problem> {
    let (prefix, name) = value
        .rsplit_once('/')
        .map_or((None, value), |(p, n)| (Some(p), n));
    let prefix_ok = prefix.is_none_or(|p| p.len() <= 253 && is_dns_subdomain(p));
    let name_ok = name.len() <= 63 && is_qualified_name_part(name);
    ensure(prefix_ok && name_ok, "Invalid annotation key", || {
        format!(
            "{value:?} is not a valid Kubernetes annotation key: use an optional DNS \
             prefix and '/', then at most 63 letters, digits, '-', '_' or '.' starting \
             and ending with a letter or digit (e.g. \"k8s.gitlab.runner/capacity-type\")."
        )
    })
}

/// An IAM role name.
pub fn iam_role_name(value: &str) -> Result<(), Problem> {
    let ok = (1..=64).contains(&value.len()) && value.chars().all(is_iam_name_char);
    ensure(ok, "Invalid IAM role name", || {
        format!(
            "{value:?} is not a valid IAM role name: use 1 to 64 letters, digits and \
             any of {IAM_NAME_PUNCTUATION:?}."
        )
    })
}

/// The session name of an assumed role.
pub fn iam_session_name(value: &str) -> Result<(), Problem> {
    let ok = (2..=64).contains(&value.len()) && value.chars().all(is_iam_name_char);
    ensure(ok, "Invalid session name", || {
        format!(
            "{value:?} is not a valid role session name: use 2 to 64 letters, digits and \
             any of {IAM_NAME_PUNCTUATION:?}."
        )
    })
}

/// The external ID a role's trust policy may require.
pub fn external_id(value: &str) -> Result<(), Problem> {
    let chars_ok = value
        .chars()
        .all(|c| is_iam_name_char(c) || c == ':' || c == '/');
    ensure(
        (2..=1224).contains(&value.len()) && chars_ok,
        "Invalid external ID",
        || "An external ID is 2 to 1224 letters, digits and any of \"_+=,.@:/-\".".to_string(),
    )
}

/// An EKS cluster or node group name (at most `max` characters).
pub fn eks_name(max: usize) -> impl Fn(&str) -> Result<(), Problem> {
    move |value| {
        let mut chars = value.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let ok = first_ok && rest_ok && value.len() <= max;
        ensure(ok, "Invalid EKS name", || {
            format!(
                "{value:?} is not a valid EKS name: use 1 to {max} letters, digits, '-' \
                 and '_', starting with a letter or digit."
            )
        })
    }
}

/// An SQS standard queue name.
pub fn sqs_queue_name(value: &str) -> Result<(), Problem> {
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ensure(
        (1..=80).contains(&value.len()) && chars_ok,
        "Invalid SQS queue name",
        || {
            format!(
                "{value:?} is not a valid queue name: use 1 to 80 letters, digits, '-' and '_'."
            )
        },
    )
}

/// An AWS tag key.
pub fn tag_key(value: &str) -> Result<(), Problem> {
    ensure(
        !value.to_ascii_lowercase().starts_with("aws:"),
        "Invalid tag",
        || format!("Tag key {value:?} uses the \"aws:\" prefix, which AWS reserves for itself."),
    )?;
    let ok = (1..=128).contains(&value.chars().count()) && value.chars().all(is_tag_char);
    ensure(ok, "Invalid tag", || {
        format!(
            "Tag key {value:?} must be 1 to 128 letters, digits, spaces and any of \
             \"_.:/=+-@\"."
        )
    })
}

/// An AWS tag value.
pub fn tag_value(value: &str) -> Result<(), Problem> {
    let ok = value.chars().count() <= 256 && value.chars().all(is_tag_char);
    ensure(ok, "Invalid tag", || {
        format!(
            "Tag value {value:?} must be at most 256 letters, digits, spaces and any of \
             \"_.:/=+-@\"."
        )
    })
}

fn is_dns_label(value: &str) -> bool {
    let edges_ok =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    value.len() <= 63
        && chars_ok
        && edges_ok(value.chars().next())
        && edges_ok(value.chars().last())
}

fn is_dns_subdomain(value: &str) -> bool {
    value.len() <= 253 && value.split('.').all(is_dns_label)
}

fn is_qualified_name_part(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let inner = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    edge(name.chars().next()) && edge(name.chars().last()) && name.chars().all(inner)
}

fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || IAM_NAME_PUNCTUATION.contains(c)
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}
