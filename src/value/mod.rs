//! cty-compatible types and values.
//!
//! Terraform describes every configuration, plan and state as a value of a
//! *type*: primitives (`string`, `number`, `bool`), collections (`list`,
//! `set`, `map`), structural types (`object`, `tuple`) and `dynamic`, whose
//! concrete type travels with the value. Any value may be *null* (absent) or
//! *unknown* (not known until apply). This module holds those two ideas;
//! the wire codecs live in [`msgpack`] and [`json`], attribute paths in
//! [`path`] and the check of a value against a type in [`conform`].
//!
//! A value is *wholly known* when neither it nor anything inside it is
//! unknown: what `ApplyResourceChange` must return.

pub mod conform;
pub mod json;
pub mod msgpack;
mod number;
pub mod path;
mod set;
#[cfg(test)]
pub(crate) mod test_support;
mod ty;

pub use number::{Number, NumberError};
pub use path::{Path, Step};
pub use ty::{Type, TypeError};

use std::collections::BTreeMap;

/// What Terraform 1.6+ knows about an unknown value ("refinements").
///
/// Every field is optional: an unknown without refinements is the plain
/// unknown older Terraform versions send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refinements {
    /// `Some(false)`: the value will not be null.
    pub nullable: Option<bool>,
    /// A prefix every possible string value starts with.
    pub string_prefix: Option<String>,
    /// Lower bound of a number and whether it is inclusive.
    pub number_lower: Option<(Number, bool)>,
    /// Upper bound of a number and whether it is inclusive.
    pub number_upper: Option<(Number, bool)>,
    /// Lower bound on the length of a collection.
    pub length_lower: Option<u64>,
    /// Upper bound on the length of a collection.
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Whether nothing is known at all.
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

/// A value. Its type is not stored: codecs take the type alongside, as
/// go-cty's do, except in `dynamic` positions where [`Value::Dynamic`]
/// carries the concrete type that arrived on the wire.
///
/// The accessors look through [`Value::Dynamic`]: a `dynamic` attribute
/// holding a string answers [`Value::as_str`] like a `string` attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Unknown(Box<Refinements>),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in the order they were received; duplicates removed.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value in a position typed `dynamic`, with its concrete type.
    Dynamic(Box<Type>, Box<Value>),
}

impl Value {
    /// An unknown value with no refinements.
    pub fn unknown() -> Value {
        Value::Unknown(Box::default())
    }

    /// A string value.
    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// A number value.
    pub fn number(number: impl Into<Number>) -> Value {
        Value::Number(number.into())
    }

    /// An object value from `(attribute name, value)` pairs.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Value)>) -> Value {
        Value::Object(attributes.into_iter().map(|(n, v)| (n.into(), v)).collect())
    }

    /// A map value from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A list value.
    pub fn list(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::List(elements.into_iter().collect())
    }

    /// A set value; later duplicates of an element are dropped.
    pub fn set(elements: impl IntoIterator<Item = Value>) -> Value {
        Value::Set(set::dedupe(elements.into_iter().collect()))
    }

    /// A value for a `dynamic` position, carrying its concrete type.
    pub fn dynamic(ty: Type, value: Value) -> Value {
        Value::Dynamic(Box::new(ty), Box::new(value))
    }

    /// The value itself, or for [`Value::Dynamic`] the value it wraps.
    pub fn inner(&self) -> &Value {
        match self {
            Value::Dynamic(_, inner) => inner.inner(),
            other => other,
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self.inner(), Value::Null)
    }

    /// Whether the value itself is unknown (not whether something inside
    /// it is: see [`Value::is_wholly_known`]).
    pub fn is_unknown(&self) -> bool {
        matches!(self.inner(), Value::Unknown(_))
    }

    /// Whether neither this value nor any value inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self.inner() {
            Value::Unknown(_) => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            _ => true,
        }
    }

    /// What is known about an unknown value.
    pub fn refinements(&self) -> Option<&Refinements> {
        match self.inner() {
            Value::Unknown(refinements) => Some(refinements),
            _ => None,
        }
    }

    /// The text of a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.inner() {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.inner() {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// A known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.inner() {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// A known number that is an integer within `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The elements of a known list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.inner() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a known map or the attributes of a known object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.inner() {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// One attribute of a known object.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.inner() {
            Value::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    /// What kind of value this is, with an article, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(..) => "a value with its own type",
        }
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::string(text)
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(text)
    }
}

impl From<Number> for Value {
    fn from(number: Number) -> Self {
        Value::Number(number)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Value::number(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Value {
        Value::object([
            ("name", Value::string("ci")),
            ("size", Value::from(3)),
            ("spot", Value::Bool(true)),
            ("tags", Value::map([("team", Value::string("build"))])),
            ("zones", Value::list([Value::string("a"), Value::unknown()])),
            ("extra", Value::dynamic(Type::String, Value::string("x"))),
        ])
    }

    #[test]
    fn accessors_read_known_values() {
        let value = cluster();
        assert_eq!(value.attr("name").and_then(Value::as_str), Some("ci"));
        assert_eq!(value.attr("size").and_then(Value::as_i64), Some(3));
        assert_eq!(value.attr("spot").and_then(Value::as_bool), Some(true));
        assert_eq!(
            value
                .attr("zones")
                .and_then(Value::elements)
                .map(<[_]>::len),
            Some(2)
        );
        let tags = value.attr("tags").and_then(Value::entries).expect("map");
        assert_eq!(tags.get("team").and_then(Value::as_str), Some("build"));
        assert_eq!(value.attr("missing"), None);
        assert_eq!(value.entries().map(BTreeMap::len), Some(6));
    }

    #[test]
    fn accessors_look_through_dynamic_values() {
        let value = cluster();
        assert_eq!(value.attr("extra").and_then(Value::as_str), Some("x"));
        let wrapped = Value::dynamic(Type::object::<String>([]), cluster());
        assert_eq!(wrapped.attr("name").and_then(Value::as_str), Some("ci"));
        assert!(Value::dynamic(Type::String, Value::Null).is_null());
        assert!(Value::dynamic(Type::String, Value::unknown()).is_unknown());
    }

    #[test]
    fn wholly_known_looks_inside_collections() {
        assert!(!cluster().is_wholly_known());
        assert!(!cluster().is_unknown());
        assert!(Value::list([Value::from(1), Value::Null]).is_wholly_known());
        let nested = Value::object([("a", Value::map([("k", Value::unknown())]))]);
        assert!(!nested.is_wholly_known());
        assert!(
            !Value::dynamic(Type::list(Type::String), Value::list([Value::unknown()]))
                .is_wholly_known()
        );
    }

    #[test]
    fn accessors_answer_none_for_other_kinds() {
        let value = Value::string("x");
        assert_eq!(value.as_bool(), None);
        assert_eq!(value.as_number(), None);
        assert_eq!(value.elements(), None);
        assert_eq!(value.entries(), None);
        assert_eq!(Value::Null.as_str(), None);
        assert_eq!(
            Value::unknown().refinements(),
            Some(&Refinements::default())
        );
    }

    #[test]
    fn set_constructor_drops_duplicates() {
        let set = Value::set([Value::from(1), Value::from(2), Value::from(1)]);
        assert_eq!(set, Value::Set(vec![Value::from(1), Value::from(2)]));
    }
}
