//! Label selectors, as sent in the `labelSelector` query parameter.
//!
//! Supported requirement forms: `key=value`, `key==value`, `key!=value`,
//! `key in (a,b)`, `key notin (a,b)`, `key` (exists) and `!key` (absent).

use serde_json::Value;

use crate::status::ApiError;

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

/// A parsed label selector: all requirements must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses a selector; the empty selector matches everything.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let requirements = split_requirements(text)
            .into_iter()
            .map(|part| parse_requirement(part.trim()))
            .collect::<Result<_, _>>()?;
        Ok(Self(requirements))
    }

    /// Whether an object's `metadata.labels` satisfy the selector.
    pub fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        self.0.iter().all(|requirement| match requirement {
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            Requirement::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Requirement::In(key, values) => {
                label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::NotIn(key, values) => {
                !label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::Absent(key) => label(key).is_none(),
        })
    }
}

/// Splits on commas outside parentheses.
fn split_requirements(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .collect()
}

fn parse_requirement(part: &str) -> Result<Requirement, ApiError> {
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            key.trim().into(),
            value.trim().into(),
        ));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(Requirement::Equals(key.trim().into(), value.trim().into()));
    }
    if let Some((key, values)) = split_set(part, " notin ") {
        return Ok(Requirement::NotIn(key, values?));
    }
    if let Some((key, values)) = split_set(part, " in ") {
        return Ok(Requirement::In(key, values?));
    }
    match part.strip_prefix('!') {
        Some(key) => Ok(Requirement::Absent(key.trim().into())),
        None if !part.contains(char::is_whitespace) => Ok(Requirement::Exists(part.into())),
        None => Err(ApiError::BadRequest(format!(
            "unable to parse requirement: {part:?}"
        ))),
    }
}

type SetRequirement = (String, Result<Vec<String>, ApiError>);

fn split_set(part: &str, operator: &str) -> Option<SetRequirement> {
    let (key, rest) = part.split_once(operator)?;
    let values = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .map(|inner| inner.split(',').map(|v| v.trim().to_owned()).collect())
        .ok_or_else(|| ApiError::BadRequest(format!("unable to parse requirement: {part:?}")));
    Some((key.trim().to_owned(), values))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_requirement_form_filters_by_labels() {
        let object = json!({"metadata": {"labels": {"app": "runner", "tier": "ci"}}});
        let cases = [
            ("app=runner", true),
            ("app==runner,tier=ci", true),
            ("app!=runner", false),
            ("tier in (ci, cd)", true),
            ("tier notin (ci)", false),
            ("app", true),
            ("!app", false),
            ("", true),
        ];
        for (text, expected) in cases {
            let selector = Selector::parse(text).expect("valid selector");
            assert_eq!(selector.matches(&object), expected, "{text}");
        }
    }
}
