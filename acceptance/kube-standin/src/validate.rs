//! Validation of custom objects against their structural schema.
//!
//! The checks and their messages follow the API server's OpenAPI validator,
//! so that a rejected object reads as it would against a real cluster:
//! `spec.disruption.consolidateAfter: Invalid value: "soon":
//! spec.disruption.consolidateAfter in body should match '^...$'`.
//!
//! Not checked: `format` (the real server checks a few formats such as
//! `date-time`; the CRDs used here only put formats on status fields and
//! integer widths) and CEL rules in `x-kubernetes-validations`, which would
//! need a CEL interpreter.
// TODO: evaluate `x-kubernetes-validations` (CEL); they are skipped today.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::field_error::{FieldError, FieldErrorKind, FieldPath, type_name};
use crate::schema::{JsonType, ListType, Schema};

/// Validates a whole custom object; metadata, apiVersion and kind are left to
/// the generic object checks.
pub fn validate_object(object: &Value, root: &Schema) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(fields) = object.as_object() else {
        let detail = "object must be a JSON object";
        errors.push(FieldError::invalid(
            FieldPath::root(),
            object.clone(),
            detail,
        ));
        return errors;
    };
    for key in &root.required {
        if !fields.contains_key(key) && !matches!(key.as_str(), "apiVersion" | "kind") {
            errors.push(FieldError::required(FieldPath::root().child(key)));
        }
    }
    for (key, value) in fields {
        if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        if let Some(schema) = root.field(key) {
            validate(value, schema, &FieldPath::root().child(key), &mut errors);
        }
    }
    errors
}

/// Validates `value` against `schema`, appending errors for `path`.
pub fn validate(value: &Value, schema: &Schema, path: &FieldPath, errors: &mut Vec<FieldError>) {
    if value.is_null() && schema.nullable {
        return;
    }
    if !type_matches(value, schema) {
        errors.push(type_error(value, schema, path));
        return;
    }
    check_enum(value, schema, path, errors);
    match value {
        Value::String(text) => check_string(text, schema, path, errors),
        Value::Number(number) => {
            check_number(number.as_f64().unwrap_or(0.0), value, schema, path, errors)
        }
        Value::Array(items) => check_array(items, schema, path, errors),
        Value::Object(fields) => check_object(fields, schema, path, errors),
        _ => {}
    }
    check_composition(value, schema, path, errors);
}

/// Whether `value` satisfies `schema` without reporting why not.
fn satisfies(value: &Value, schema: &Schema, path: &FieldPath) -> bool {
    let mut errors = Vec::new();
    validate(value, schema, path, &mut errors);
    errors.is_empty()
}

fn type_matches(value: &Value, schema: &Schema) -> bool {
    if schema.int_or_string {
        return value.is_string() || is_integer(value);
    }
    match schema.json_type {
        None => true,
        Some(JsonType::Object) => value.is_object(),
        Some(JsonType::Array) => value.is_array(),
        Some(JsonType::String) => value.is_string(),
        Some(JsonType::Integer) => is_integer(value),
        Some(JsonType::Number) => value.is_number(),
        Some(JsonType::Boolean) => value.is_boolean(),
    }
}

/// JSON has one number type; `2.0` counts as an integer, as in Go's decoder.
fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(number) if number.is_f64() => {
            number.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        Value::Number(_) => true,
        _ => false,
    }
}

fn type_error(value: &Value, schema: &Schema, path: &FieldPath) -> FieldError {
    let expected = match schema.json_type {
        _ if schema.int_or_string => "integer,string",
        Some(json_type) => json_type.name(),
        None => "any",
    };
    let actual = type_name(value);
    let detail = format!("{path} in body must be of type {expected}: \"{actual}\"");
    FieldError::invalid(path.clone(), json!(actual), detail)
}

fn check_enum(value: &Value, schema: &Schema, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let Some(allowed) = &schema.enumeration else {
        return;
    };
    if !allowed.contains(value) {
        let kind = FieldErrorKind::NotSupported {
            value: value.clone(),
            supported: allowed.clone(),
        };
        errors.push(FieldError {
            path: path.clone(),
            kind,
        });
    }
}

fn check_string(text: &str, schema: &Schema, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let length = text.chars().count() as u64;
    if let Some(max) = schema.max_length.filter(|max| length > *max) {
        errors.push(FieldError {
            path: path.clone(),
            kind: FieldErrorKind::TooLong { max },
        });
    }
    if let Some(min) = schema.min_length.filter(|min| length < *min) {
        let detail = format!("{path} in body should be at least {min} chars long");
        errors.push(FieldError::invalid(path.clone(), json!(text), detail));
    }
    if let Some(pattern) = schema.pattern.as_ref().filter(|p| !p.matches(text)) {
        let detail = format!("{path} in body should match '{}'", pattern.source);
        errors.push(FieldError::invalid(path.clone(), json!(text), detail));
    }
}

fn check_number(
    number: f64,
    value: &Value,
    schema: &Schema,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    let mut fail =
        |detail: String| errors.push(FieldError::invalid(path.clone(), value.clone(), detail));
    if let Some(min) = schema.minimum {
        if schema.exclusive_minimum && number <= min {
            fail(format!(
                "{path} in body should be greater than {}",
                bound(min)
            ));
        } else if number < min {
            fail(format!(
                "{path} in body should be greater than or equal to {}",
                bound(min)
            ));
        }
    }
    if let Some(max) = schema.maximum {
        if schema.exclusive_maximum && number >= max {
            fail(format!("{path} in body should be less than {}", bound(max)));
        } else if number > max {
            fail(format!(
                "{path} in body should be less than or equal to {}",
                bound(max)
            ));
        }
    }
    if let Some(factor) = schema
        .multiple_of
        .filter(|f| *f != 0.0 && (number / f).fract() != 0.0)
    {
        fail(format!(
            "{path} in body should be a multiple of {}",
            bound(factor)
        ));
    }
}

/// Prints a bound as Go does: `1`, not `1.0`.
fn bound(number: f64) -> String {
    if number.fract() == 0.0 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}

fn check_array(items: &[Value], schema: &Schema, path: &FieldPath, errors: &mut Vec<FieldError>) {
    let count = items.len();
    if let Some(max) = schema.max_items.filter(|max| count as u64 > *max) {
        let kind = FieldErrorKind::TooMany { actual: count, max };
        errors.push(FieldError {
            path: path.clone(),
            kind,
        });
    }
    if let Some(min) = schema.min_items.filter(|min| (count as u64) < *min) {
        let detail = format!("{path} in body should have at least {min} items");
        errors.push(FieldError::invalid(path.clone(), json!(count), detail));
    }
    check_unique(items, &schema.list_type, path, errors);
    if let Some(item_schema) = &schema.items {
        for (index, item) in items.iter().enumerate() {
            validate(item, item_schema, &path.index(index), errors);
        }
    }
}

/// Enforces `x-kubernetes-list-type: set` and `map` uniqueness.
fn check_unique(
    items: &[Value],
    list_type: &ListType,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    let mut seen = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let identity = match list_type {
            ListType::Atomic => return,
            ListType::Set => item.clone(),
            ListType::Map(keys) => map_key(item, keys),
        };
        if !seen.insert(identity.to_string()) {
            let kind = FieldErrorKind::Duplicate { value: identity };
            errors.push(FieldError {
                path: path.index(index),
                kind,
            });
        }
    }
}

fn map_key(item: &Value, keys: &[String]) -> Value {
    let pairs = keys
        .iter()
        .map(|key| (key.clone(), item.get(key).cloned().unwrap_or(Value::Null)));
    Value::Object(pairs.collect())
}

fn check_object(
    fields: &Map<String, Value>,
    schema: &Schema,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    for key in &schema.required {
        if !fields.contains_key(key) {
            errors.push(FieldError::required(path.child(key)));
        }
    }
    check_property_count(fields.len(), schema, path, errors);
    for (key, value) in fields {
        if let Some(child) = schema.field(key) {
            validate(value, child, &path.child(key), errors);
        }
    }
}

fn check_property_count(
    count: usize,
    schema: &Schema,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    if let Some(max) = schema.max_properties.filter(|max| count as u64 > *max) {
        let kind = FieldErrorKind::TooMany { actual: count, max };
        errors.push(FieldError {
            path: path.clone(),
            kind,
        });
    }
    if let Some(min) = schema.min_properties.filter(|min| (count as u64) < *min) {
        let detail = format!("{path} in body should have at least {min} properties");
        errors.push(FieldError::invalid(path.clone(), json!(count), detail));
    }
}

/// `allOf`, `anyOf`, `oneOf` and `not`, which only add value rules in a
/// structural schema.
fn check_composition(
    value: &Value,
    schema: &Schema,
    path: &FieldPath,
    errors: &mut Vec<FieldError>,
) {
    for part in &schema.all_of {
        validate(value, part, path, errors);
    }
    let mut fail = |detail: &str| {
        let detail = format!("{path} in body {detail}");
        errors.push(FieldError::invalid(path.clone(), value.clone(), detail));
    };
    let passing = |parts: &[Schema]| parts.iter().filter(|p| satisfies(value, p, path)).count();
    if !schema.any_of.is_empty() && !schema.int_or_string && passing(&schema.any_of) == 0 {
        fail("must validate at least one schema (anyOf)");
    }
    if !schema.one_of.is_empty() && passing(&schema.one_of) != 1 {
        fail("must validate one and only one schema (oneOf)");
    }
    if schema
        .not
        .as_deref()
        .is_some_and(|not| satisfies(value, not, path))
    {
        fail("must not validate the schema (not)");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn messages(schema: serde_json::Value, value: serde_json::Value) -> Vec<String> {
        let schema = Schema::compile(&schema);
        let mut errors = Vec::new();
        validate(
            &value,
            &schema,
            &FieldPath::root().child("spec").child("x"),
            &mut errors,
        );
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_rule_reports_the_field_and_the_rule_it_broke() {
        let cases = [
            (
                json!({"type": "integer"}),
                json!("one"),
                r#"spec.x: Invalid value: "string": spec.x in body must be of type integer: "string""#,
            ),
            (
                json!({"type": "string", "enum": ["A", "B"]}),
                json!("C"),
                r#"spec.x: Unsupported value: "C": supported values: "A", "B""#,
            ),
            (
                json!({"type": "string", "pattern": "^[0-9]+s$"}),
                json!("soon"),
                r#"spec.x: Invalid value: "soon": spec.x in body should match '^[0-9]+s$'"#,
            ),
            (
                json!({"type": "integer", "minimum": 1}),
                json!(0),
                "spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1",
            ),
            (
                json!({"type": "integer", "maximum": 100}),
                json!(101),
                "spec.x: Invalid value: 101: spec.x in body should be less than or equal to 100",
            ),
            (
                json!({"type": "string", "maxLength": 3}),
                json!("abcd"),
                "spec.x: Too long: may not be more than 3 bytes",
            ),
            (
                json!({"type": "string", "minLength": 1}),
                json!(""),
                r#"spec.x: Invalid value: "": spec.x in body should be at least 1 chars long"#,
            ),
            (
                json!({"type": "array", "maxItems": 1}),
                json!([1, 2]),
                "spec.x: Too many: 2: must have at most 1 items",
            ),
            (
                json!({"type": "array", "minItems": 1}),
                json!([]),
                "spec.x: Invalid value: 0: spec.x in body should have at least 1 items",
            ),
            (
                json!({"type": "object", "required": ["name"]}),
                json!({}),
                "spec.x.name: Required value",
            ),
            (
                json!({"type": "array", "x-kubernetes-list-type": "set"}),
                json!(["a", "a"]),
                r#"spec.x[1]: Duplicate value: "a""#,
            ),
        ];
        for (schema, value, expected) in cases {
            assert_eq!(messages(schema, value), vec![expected.to_owned()]);
        }
    }

    #[test]
    fn int_or_string_accepts_both_and_checks_patterns_on_strings_only() {
        let schema = json!({
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "x-kubernetes-int-or-string": true,
            "pattern": "^[0-9]+m?$",
        });
        assert!(messages(schema.clone(), json!(3)).is_empty());
        assert!(messages(schema.clone(), json!("500m")).is_empty());
        assert_eq!(messages(schema.clone(), json!("lots")).len(), 1);
        assert_eq!(messages(schema, json!(true)).len(), 1);
    }

    #[test]
    fn one_of_and_not_reject_what_they_exclude() {
        let one_of = json!({"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]});
        assert!(messages(one_of.clone(), json!({"a": 1})).is_empty());
        assert_eq!(messages(one_of, json!({"a": 1, "b": 2})).len(), 1);
        let not = json!({"type": "object", "not": {"required": ["a"]}});
        assert_eq!(messages(not, json!({"a": 1})).len(), 1);
    }
}
