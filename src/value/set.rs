//! Set semantics: when two elements are the same element.
//!
//! A cty set holds each element once. Two wholly known elements are the
//! same when they are equal values; an element with anything unknown inside
//! is never the same as another, because it may yet turn out to differ (as
//! in go-cty, where an unknown never equals anything). Equality is decided
//! through an *identity key*: bytes that are equal exactly when the values
//! are, so that removing duplicates from `n` elements takes a hash set
//! instead of `n²` comparisons.

use std::collections::HashSet;

use super::Value;

/// Drops every element that repeats an earlier one, keeping the order.
pub(crate) fn dedupe(elements: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    elements
        .into_iter()
        .filter(|element| !element.is_wholly_known() || seen.insert(identity_key(element)))
        .collect()
}

/// Bytes equal for two wholly known values exactly when the values are
/// equal, whatever order their sets list elements in.
fn identity_key(value: &Value) -> Vec<u8> {
    let mut key = Vec::new();
    write_key(value, &mut key);
    key
}

fn write_key(value: &Value, key: &mut Vec<u8>) {
    match value {
        Value::Null => key.push(b'z'),
        Value::Unknown(_) => key.push(b'?'),
        Value::Bool(flag) => key.push(if *flag { b't' } else { b'f' }),
        Value::Number(number) => tagged_text(b'n', &number.to_string(), key),
        Value::String(text) => tagged_text(b's', text, key),
        Value::List(items) => tagged_items(b'l', items, key),
        Value::Tuple(items) => tagged_items(b'u', items, key),
        Value::Set(items) => write_set_key(items, key),
        Value::Map(entries) | Value::Object(entries) => {
            key.push(if matches!(value, Value::Map(_)) {
                b'm'
            } else {
                b'o'
            });
            write_length(entries.len(), key);
            for (name, item) in entries {
                tagged_text(b'k', name, key);
                write_key(item, key);
            }
        }
        Value::Dynamic(ty, inner) => {
            key.push(b'd');
            write_bytes(&ty.to_json_bytes(), key);
            write_key(inner, key);
        }
    }
}

/// A set's key lists its elements' keys sorted, so that order is ignored.
fn write_set_key(items: &[Value], key: &mut Vec<u8>) {
    let mut keys: Vec<Vec<u8>> = items.iter().map(identity_key).collect();
    keys.sort();
    key.push(b'e');
    write_length(keys.len(), key);
    keys.iter().for_each(|item| write_bytes(item, key));
}

fn tagged_items(tag: u8, items: &[Value], key: &mut Vec<u8>) {
    key.push(tag);
    write_length(items.len(), key);
    items.iter().for_each(|item| write_key(item, key));
}

fn tagged_text(tag: u8, text: &str, key: &mut Vec<u8>) {
    key.push(tag);
    write_bytes(text.as_bytes(), key);
}

fn write_bytes(bytes: &[u8], key: &mut Vec<u8>) {
    write_length(bytes.len(), key);
    key.extend_from_slice(bytes);
}

fn write_length(length: usize, key: &mut Vec<u8>) {
    key.extend_from_slice(&(length as u64).to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Number, Type};

    #[test]
    fn equal_elements_are_kept_once_in_first_seen_order() {
        let elements = vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
            Value::Number(Number::parse("1.0").unwrap()),
            Value::from(1),
        ];
        let expected = vec![Value::string("b"), Value::string("a"), Value::from(1)];
        assert_eq!(dedupe(elements), expected);
    }

    #[test]
    fn elements_with_unknowns_are_never_merged() {
        let unknown = Value::list([Value::unknown()]);
        assert_eq!(dedupe(vec![unknown.clone(), unknown.clone()]).len(), 2);
    }

    #[test]
    fn nested_sets_compare_without_regard_to_order() {
        let one = Value::Set(vec![Value::from(1), Value::from(2)]);
        let other = Value::Set(vec![Value::from(2), Value::from(1)]);
        assert_eq!(dedupe(vec![one, other]).len(), 1);
    }

    #[test]
    fn values_that_differ_only_in_kind_or_type_stay_apart() {
        let elements = vec![
            Value::list([Value::string("a")]),
            Value::Tuple(vec![Value::string("a")]),
            Value::map([("k", Value::Null)]),
            Value::object([("k", Value::Null)]),
            Value::dynamic(Type::String, Value::string("1")),
            Value::dynamic(Type::Number, Value::from(1)),
            Value::string("ab"),
            Value::Tuple(vec![Value::string("a"), Value::string("b")]),
        ];
        assert_eq!(dedupe(elements.clone()), elements);
    }
}
