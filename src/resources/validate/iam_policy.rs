//! IAM identity policy documents.
//!
//! A policy is a JSON object with `Version` and `Statement`; each statement
//! has an `Effect` of `Allow` or `Deny`, exactly one of `Action` and
//! `NotAction`, exactly one of `Resource` and `NotResource`, and optionally
//! `Sid` and `Condition`. Identity policies (attached to a role) name no
//! `Principal`. Every mistake found is listed in one diagnostic, so a user
//! fixes them in one round.

use super::Problem;
use serde_json::{Map, Value as Json};

const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
const POLICY_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// A JSON IAM identity policy.
pub fn iam_policy(value: &str) -> Result<(), Problem> {
    let mistakes = policy_mistakes(value);
    if mistakes.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = mistakes.iter().map(|m| format!("- {m}")).collect();
    let detail = format!(
        "The policy is not a valid IAM policy document:\n{}\nSee \
         https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",
        list.join("\n")
    );
    Err(Problem::new("Invalid IAM policy", detail))
}

/// The length IAM counts against its size quotas: the document without
/// insignificant whitespace.
pub fn minified_len(document: &Json) -> usize {
    document.to_string().chars().count()
}

fn policy_mistakes(text: &str) -> Vec<String> {
    let document: Json = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(e) => return vec![format!("it is not valid JSON ({e})")],
    };
    let Some(policy) = document.as_object() else {
        return vec!["it must be a JSON object".into()];
    };
    let mut mistakes = unknown_keys(policy, POLICY_KEYS, "the policy");
    check_version(policy.get("Version"), &mut mistakes);
    for (i, statement) in statements(policy.get("Statement"), &mut mistakes)
        .iter()
        .enumerate()
    {
        check_statement(i, statement, &mut mistakes);
    }
    check_sids_unique(policy.get("Statement"), &mut mistakes);
    mistakes
}

fn unknown_keys(object: &Map<String, Json>, allowed: &[&str], place: &str) -> Vec<String> {
    let unknown = object.keys().filter(|k| !allowed.contains(&k.as_str()));
    unknown
        .map(|k| format!("{place} has an unknown key {k:?}"))
        .collect()
}

fn check_version(version: Option<&Json>, mistakes: &mut Vec<String>) {
    match version.and_then(Json::as_str) {
        Some(v) if VERSIONS.contains(&v) => {}
        Some(v) => mistakes.push(format!("Version {v:?} is not \"2012-10-17\"")),
        None => mistakes.push("Version is missing; add \"Version\": \"2012-10-17\"".into()),
    }
}

/// The statements as a list: one object, or an array of objects.
fn statements<'a>(statement: Option<&'a Json>, mistakes: &mut Vec<String>) -> Vec<&'a Json> {
    match statement {
        None => mistakes.push("Statement is missing".into()),
        Some(Json::Array(list)) if list.is_empty() => mistakes.push("Statement is empty".into()),
        Some(Json::Array(list)) => return list.iter().collect(),
        Some(object @ Json::Object(_)) => return vec![object],
        Some(_) => mistakes.push("Statement must be an object or a list of objects".into()),
    }
    Vec::new()
}

fn check_statement(index: usize, statement: &Json, mistakes: &mut Vec<String>) {
    let place = format!("statement {index}");
    let Some(statement) = statement.as_object() else {
        mistakes.push(format!("{place} is not an object"));
        return;
    };
    if statement.contains_key("Principal") || statement.contains_key("NotPrincipal") {
        mistakes.push(format!(
            "{place} names a Principal, which identity policies cannot"
        ));
    }
    let allowed_here = [STATEMENT_KEYS, &["Principal", "NotPrincipal"]].concat();
    mistakes.extend(unknown_keys(statement, &allowed_here, &place));
    check_effect(&place, statement.get("Effect"), mistakes);
    check_pair(
        &place,
        statement,
        ["Action", "NotAction"],
        is_action,
        mistakes,
    );
    check_pair(
        &place,
        statement,
        ["Resource", "NotResource"],
        is_resource,
        mistakes,
    );
    check_condition(&place, statement.get("Condition"), mistakes);
    check_sid(&place, statement.get("Sid"), mistakes);
}

fn check_effect(place: &str, effect: Option<&Json>, mistakes: &mut Vec<String>) {
    match effect.and_then(Json::as_str) {
        Some("Allow" | "Deny") => {}
        Some(other) => mistakes.push(format!("{place}: Effect {other:?} must be Allow or Deny")),
        None => mistakes.push(format!("{place}: Effect is missing (Allow or Deny)")),
    }
}

/// Exactly one of `Action`/`NotAction` (or `Resource`/`NotResource`),
/// holding a string or a non-empty list of strings that each pass `valid`.
fn check_pair(
    place: &str,
    statement: &Map<String, Json>,
    keys: [&str; 2],
    valid: fn(&str) -> bool,
    mistakes: &mut Vec<String>,
) {
    let present: Vec<&str> = keys
        .into_iter()
        .filter(|k| statement.contains_key(*k))
        .collect();
    let [key] = present[..] else {
        mistakes.push(format!(
            "{place}: needs exactly one of {} and {}",
            keys[0], keys[1]
        ));
        return;
    };
    match strings(&statement[key]) {
        Some(values) => {
            let bad = values.into_iter().filter(|v| !valid(v));
            mistakes.extend(bad.map(|v| format!("{place}: {key} {v:?} is not valid")));
        }
        None => mistakes.push(format!(
            "{place}: {key} must be a string or a list of strings"
        )),
    }
}

fn strings(value: &Json) -> Option<Vec<&str>> {
    match value {
        Json::String(s) => Some(vec![s]),
        Json::Array(list) if !list.is_empty() => list.iter().map(Json::as_str).collect(),
        _ => None,
    }
}

/// `*` or `service:Action`, where the action may hold `*` and `?`.
fn is_action(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return action == "*";
    };
    let service_ok = service
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let name_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?');
    !service.is_empty() && service_ok && !name.is_empty() && name_ok
}

fn is_resource(resource: &str) -> bool {
    resource == "*" || resource.starts_with("arn:")
}

fn check_condition(place: &str, condition: Option<&Json>, mistakes: &mut Vec<String>) {
    let Some(condition) = condition else { return };
    let operators = condition
        .as_object()
        .filter(|ops| ops.values().all(Json::is_object));
    if operators.is_none() {
        mistakes.push(format!(
            "{place}: Condition must map operators to objects, e.g. \
             {{\"StringEquals\": {{\"aws:RequestedRegion\": \"eu-west-1\"}}}}"
        ));
    }
}

fn check_sid(place: &str, sid: Option<&Json>, mistakes: &mut Vec<String>) {
    let Some(sid) = sid else { return };
    let ok = sid
        .as_str()
        .is_some_and(|s| s.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        mistakes.push(format!(
            "{place}: Sid must be a string of letters and digits"
        ));
    }
}

fn check_sids_unique(statement: Option<&Json>, mistakes: &mut Vec<String>) {
    let Some(Json::Array(list)) = statement else {
        return;
    };
    let sids: Vec<&str> = list.iter().filter_map(|s| s.get("Sid")?.as_str()).collect();
    for (i, sid) in sids.iter().enumerate() {
        if sids[..i].contains(sid) {
            mistakes.push(format!("Sid {sid:?} is used by more than one statement"));
        }
    }
}
