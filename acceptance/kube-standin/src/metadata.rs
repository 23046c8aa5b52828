//! Server-written metadata: uids, timestamps, generated names, and the
//! rules object names must follow.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::field_error::{FieldError, FieldPath};

/// Which naming rule a kind's `metadata.name` follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 subdomain: most kinds (`my-app.v2`).
    Subdomain,
    /// RFC 1123 label: namespaces (`team-a`).
    Label,
    /// Any path segment: RBAC kinds (`system:reader`).
    PathSegment,
}

const SUBDOMAIN_HELP: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
    alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character \
    (e.g. 'example.com', regex used for validation is \
    '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const LABEL_HELP: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric \
    characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', \
    or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

impl NameRule {
    /// Checks `name` and returns the error the real server reports.
    pub fn check(self, name: &str) -> Option<FieldError> {
        let path = FieldPath::root().child("metadata").child("name");
        let detail = match self {
            Self::Subdomain if name.len() > 253 => "must be no more than 253 characters",
            Self::Subdomain if !is_subdomain(name) => SUBDOMAIN_HELP,
            Self::Label if name.len() > 63 => "must be no more than 63 characters",
            Self::Label if !is_label(name) => LABEL_HELP,
            Self::PathSegment if matches!(name, "." | "..") => "may not be '.' or '..'",
            Self::PathSegment if name.contains(['/', '%']) => "may not contain '/' or '%'",
            _ => return None,
        };
        Some(FieldError::invalid(
            path,
            Value::String(name.to_owned()),
            detail,
        ))
    }
}

const QUALIFIED_NAME_HELP: &str = "name part must consist of alphanumeric characters, '-', '_' \
    or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  \
    or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const LABEL_VALUE_HELP: &str = "a valid label must be an empty string or consist of alphanumeric \
    characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
    'MyValue',  or 'my_value',  or '12345', regex used for validation is \
    '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// Checks `metadata.labels` keys and values and `metadata.annotations`
/// keys, as the real server does for every kind.
pub fn check_labels_and_annotations(metadata: &Value) -> Vec<FieldError> {
    let path = FieldPath::root().child("metadata");
    let mut errors = Vec::new();
    let entries = |field: &str| metadata[field].as_object().into_iter().flatten();
    for (key, value) in entries("labels") {
        let labels = path.child("labels");
        errors.extend(check_qualified_name(&labels, key));
        let text = value.as_str().unwrap_or_default();
        if let Some(detail) = label_value_problem(text) {
            errors.push(FieldError::invalid(
                labels,
                Value::String(text.to_owned()),
                detail,
            ));
        }
    }
    for (key, _) in entries("annotations") {
        errors.extend(check_qualified_name(&path.child("annotations"), key));
    }
    errors
}

/// `prefix/name` or `name`: the prefix a DNS subdomain, the name up to 63
/// characters of the label alphabet.
fn check_qualified_name(path: &FieldPath, key: &str) -> Option<FieldError> {
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let detail = match (prefix, name) {
        (_, "") => "name part must be non-empty",
        (_, name) if name.len() > 63 => "name part must be no more than 63 characters",
        (_, name) if !is_label_text(name) => QUALIFIED_NAME_HELP,
        (prefix, _) if key.contains('/') && !is_subdomain(prefix) => {
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
             characters, '-' or '.', and must start and end with an alphanumeric character"
        }
        _ => return None,
    };
    Some(FieldError::invalid(
        path.clone(),
        Value::String(key.to_owned()),
        detail,
    ))
}

fn label_value_problem(text: &str) -> Option<&'static str> {
    match text {
        "" => None,
        text if text.len() > 63 => Some("must be no more than 63 characters"),
        text if !is_label_text(text) => Some(LABEL_VALUE_HELP),
        _ => None,
    }
}

/// Alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
fn is_label_text(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let inner_ok = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b));
    edge_ok(bytes.first()) && edge_ok(bytes.last()) && inner_ok
}

fn is_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let inner_ok = bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    edge_ok(bytes.first()) && edge_ok(bytes.last()) && inner_ok
}

fn is_subdomain(text: &str) -> bool {
    text.split('.').all(is_label)
}

/// The current time as RFC 3339 in UTC with whole seconds, as Kubernetes
/// writes `creationTimestamp`.
pub fn now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_date(days);
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, counting in
/// 400-year eras that start on 1 March so leap days fall at the end.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A random 64-bit number. Randomness comes from the standard library's
/// per-process hash keys mixed with a counter: enough for test identities.
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A new version-4-shaped UUID for `metadata.uid`.
pub fn new_uid() -> String {
    let (high, low) = (random(), random());
    let high = (high & !0xF000) | 0x4000;
    let low = (low & !(0xC << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

/// The five characters the server appends to a `generateName` prefix. The
/// alphabet leaves out vowels and look-alike digits, like the real one.
pub fn name_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut bits = random();
    (0..5)
        .map(|_| {
            let index = (bits % ALPHABET.len() as u64) as usize;
            bits /= ALPHABET.len() as u64;
            char::from(ALPHABET[index])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_704_067_199), "2023-12-31T23:59:59Z");
    }

    #[test]
    fn uids_look_like_version_4_uuids() {
        let uid = new_uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        assert_ne!(uid, new_uid());
    }

    #[test]
    fn label_keys_and_values_follow_the_label_alphabet() {
        let metadata = serde_json::json!({
            "labels": {"ci.example.com/pool": "team-a", "bad key!": "x", "ok": "bad value!"},
            "annotations": {"example.com/note": "anything goes here"},
        });
        let errors = check_labels_and_annotations(&metadata);
        let values: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{values:?}");
        assert!(values[0].starts_with("metadata.labels: Invalid value: \"bad key!\""));
        assert!(values[1].starts_with("metadata.labels: Invalid value: \"bad value!\""));
    }

    #[test]
    fn names_follow_their_kind_rule() {
        assert!(NameRule::Subdomain.check("runner.team-a").is_none());
        assert!(NameRule::Subdomain.check("Runner_A").is_some());
        assert!(NameRule::Label.check("team.a").is_some());
        assert!(NameRule::PathSegment.check("system:reader").is_none());
        assert!(NameRule::PathSegment.check("a/b").is_some());
    }
}
