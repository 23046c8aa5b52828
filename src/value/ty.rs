//! Types as Terraform writes them in schemas: `"string"`,
//! `["list","string"]`, `["object",{"a":"number"}]` and so on.
//!
//! This *type JSON* is go-cty's: primitives and `dynamic` are strings;
//! collections are `[KIND, ELEMENT]`; an object is `["object", ATTRIBUTES]`
//! (Terraform 1.3+ may add a third element listing optional attributes,
//! which only matters while converting configuration, so it is read and
//! dropped); a tuple is `["tuple", [ELEMENTS...]]`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Value as Json, json};
use thiserror::Error;

/// Type JSON nested deeper than this is refused rather than recursed into.
const MAX_DEPTH: usize = 256;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type; values carry their concrete type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

/// Why some JSON is not a type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TypeError {
    /// The bytes are not JSON at all.
    #[error("type description is not valid JSON: {0}")]
    Syntax(String),
    /// A string that names no type.
    #[error("\"{0}\" is not a type name")]
    UnknownName(String),
    /// An array whose first element names no kind of type.
    #[error("\"{0}\" is not a kind of type (expected list, set, map, object or tuple)")]
    UnknownKind(String),
    /// A `[KIND, ...]` array of the wrong length or element shapes.
    #[error("a {kind} type must be written {shape}")]
    Shape {
        kind: &'static str,
        shape: &'static str,
    },
    /// Neither a string nor an array.
    #[error("a type must be a string or an array, not {0}")]
    NotAType(&'static str),
    /// Nested past the depth this decoder follows.
    #[error("type description is nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
}

impl Type {
    /// Shorthand for `Type::List(Box::new(element))`.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// Shorthand for `Type::Set(Box::new(element))`.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// Shorthand for `Type::Map(Box::new(element))`.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type from `(name, type)` pairs.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Type)>) -> Type {
        Type::Object(attributes.into_iter().map(|(n, t)| (n.into(), t)).collect())
    }

    /// The type of the element at `index` of a list, set or tuple.
    pub fn element_type(&self, index: usize) -> Option<&Type> {
        match self {
            Type::List(element) | Type::Set(element) => Some(element),
            Type::Tuple(elements) => elements.get(index),
            _ => None,
        }
    }

    /// How many elements a tuple of this type has; `None` for other types,
    /// whose values may have any number.
    pub fn element_count(&self) -> Option<usize> {
        match self {
            Type::Tuple(elements) => Some(elements.len()),
            _ => None,
        }
    }

    /// The type of the element at `key` of a map, or of the attribute
    /// named `key` of an object.
    pub fn member_type(&self, key: &str) -> Option<&Type> {
        match self {
            Type::Map(element) => Some(element),
            Type::Object(attributes) => attributes.get(key),
            _ => None,
        }
    }

    /// The type JSON for this type.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Dynamic => json!("dynamic"),
            Type::List(element) => json!(["list", element.to_json()]),
            Type::Set(element) => json!(["set", element.to_json()]),
            Type::Map(element) => json!(["map", element.to_json()]),
            Type::Object(attributes) => {
                let attributes: serde_json::Map<String, Json> = attributes
                    .iter()
                    .map(|(name, ty)| (name.clone(), ty.to_json()))
                    .collect();
                json!(["object", attributes])
            }
            Type::Tuple(elements) => {
                json!([
                    "tuple",
                    elements.iter().map(Type::to_json).collect::<Vec<_>>()
                ])
            }
        }
    }

    /// The type JSON as compact bytes, as go-cty writes it.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serialising a `serde_json::Value` to memory cannot fail.
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }

    /// Reads type JSON.
    pub fn from_json(json: &Json) -> Result<Type, TypeError> {
        from_json_at(json, 0)
    }

    /// Reads type JSON from bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, TypeError> {
        let json: Json =
            serde_json::from_slice(bytes).map_err(|e| TypeError::Syntax(e.to_string()))?;
        Type::from_json(&json)
    }

    /// The type in words with an article, for messages: `a string`,
    /// `a list of number`, `an object`.
    pub fn describe(&self) -> String {
        match self {
            Type::Object(_) => "an object".to_string(),
            Type::Dynamic => "a value of any type".to_string(),
            other => format!("a {other}"),
        }
    }
}

fn from_json_at(json: &Json, depth: usize) -> Result<Type, TypeError> {
    if depth > MAX_DEPTH {
        return Err(TypeError::TooDeep);
    }
    match json {
        Json::String(name) => primitive(name),
        Json::Array(items) => compound(items, depth),
        Json::Null => Err(TypeError::NotAType("null")),
        Json::Bool(_) => Err(TypeError::NotAType("a bool")),
        Json::Number(_) => Err(TypeError::NotAType("a number")),
        Json::Object(_) => Err(TypeError::NotAType("an object")),
    }
}

fn primitive(name: &str) -> Result<Type, TypeError> {
    match name {
        "string" => Ok(Type::String),
        "number" => Ok(Type::Number),
        "bool" => Ok(Type::Bool),
        "dynamic" => Ok(Type::Dynamic),
        other => Err(TypeError::UnknownName(other.to_string())),
    }
}

fn compound(items: &[Json], depth: usize) -> Result<Type, TypeError> {
    let kind = match items.first() {
        Some(Json::String(kind)) => kind.as_str(),
        _ => {
            return Err(TypeError::Shape {
                kind: "compound",
                shape: "[\"KIND\", ...]",
            });
        }
    };
    let rest = &items[1..];
    match kind {
        "list" => Ok(Type::list(element(rest, "list", depth)?)),
        "set" => Ok(Type::set(element(rest, "set", depth)?)),
        "map" => Ok(Type::map(element(rest, "map", depth)?)),
        "object" => object(rest, depth),
        "tuple" => tuple(rest, depth),
        other => Err(TypeError::UnknownKind(other.to_string())),
    }
}

fn element(rest: &[Json], kind: &'static str, depth: usize) -> Result<Type, TypeError> {
    match rest {
        [element] => from_json_at(element, depth + 1),
        _ => Err(TypeError::Shape {
            kind,
            shape: "[KIND, ELEMENT_TYPE]",
        }),
    }
}

fn object(rest: &[Json], depth: usize) -> Result<Type, TypeError> {
    let shape = TypeError::Shape {
        kind: "object",
        shape: "[\"object\", {NAME: TYPE, ...}] with an optional list of optional names",
    };
    let attributes = match rest {
        [Json::Object(attributes)] => attributes,
        [Json::Object(attributes), Json::Array(optional)]
            if optional.iter().all(Json::is_string) =>
        {
            attributes
        }
        _ => return Err(shape),
    };
    let attributes = attributes
        .iter()
        .map(|(name, ty)| Ok((name.clone(), from_json_at(ty, depth + 1)?)))
        .collect::<Result<_, TypeError>>()?;
    Ok(Type::Object(attributes))
}

fn tuple(rest: &[Json], depth: usize) -> Result<Type, TypeError> {
    let [Json::Array(elements)] = rest else {
        return Err(TypeError::Shape {
            kind: "tuple",
            shape: "[\"tuple\", [TYPE, ...]]",
        });
    };
    let elements = elements.iter().map(|ty| from_json_at(ty, depth + 1));
    Ok(Type::Tuple(elements.collect::<Result<_, _>>()?))
}

/// The type's name as Terraform's messages write it: `string`,
/// `list of number`, `map of object`, `tuple`, `dynamic`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list of {element}"),
            Type::Set(element) => write!(f, "set of {element}"),
            Type::Map(element) => write!(f, "map of {element}"),
            Type::Object(_) => f.write_str("object"),
            Type::Tuple(_) => f.write_str("tuple"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_types() -> Vec<(Type, &'static str)> {
        vec![
            (Type::String, r#""string""#),
            (Type::Number, r#""number""#),
            (Type::Bool, r#""bool""#),
            (Type::Dynamic, r#""dynamic""#),
            (Type::list(Type::String), r#"["list","string"]"#),
            (Type::set(Type::Number), r#"["set","number"]"#),
            (
                Type::map(Type::list(Type::Bool)),
                r#"["map",["list","bool"]]"#,
            ),
            (
                Type::object([("b", Type::Number), ("a", Type::String)]),
                r#"["object",{"a":"string","b":"number"}]"#,
            ),
            (Type::object::<String>([]), r#"["object",{}]"#),
            (
                Type::Tuple(vec![Type::String, Type::Dynamic]),
                r#"["tuple",["string","dynamic"]]"#,
            ),
            (Type::Tuple(vec![]), r#"["tuple",[]]"#),
        ]
    }

    #[test]
    fn types_round_trip_through_type_json() {
        for (ty, text) in sample_types() {
            assert_eq!(String::from_utf8(ty.to_json_bytes()).unwrap(), text);
            assert_eq!(
                Type::from_json_bytes(text.as_bytes()),
                Ok(ty.clone()),
                "{text}"
            );
            assert_eq!(Type::from_json(&ty.to_json()), Ok(ty));
        }
    }

    #[test]
    fn object_types_with_optional_attributes_decode_without_them() {
        let text = r#"["object",{"name":"string","size":"number"},["size"]]"#;
        let expected = Type::object([("name", Type::String), ("size", Type::Number)]);
        assert_eq!(Type::from_json_bytes(text.as_bytes()), Ok(expected));
    }

    fn variant(error: &TypeError) -> &'static str {
        match error {
            TypeError::Syntax(_) => "Syntax",
            TypeError::UnknownName(_) => "UnknownName",
            TypeError::UnknownKind(_) => "UnknownKind",
            TypeError::Shape { .. } => "Shape",
            TypeError::NotAType(_) => "NotAType",
            TypeError::TooDeep => "TooDeep",
        }
    }

    #[test]
    fn malformed_type_json_is_refused_with_a_reason() {
        let cases = [
            (r#""strung""#, "UnknownName"),
            (r#"["lust","string"]"#, "UnknownKind"),
            (r#"["list"]"#, "Shape"),
            (r#"["list","string","x"]"#, "Shape"),
            (r#"["object",["string"]]"#, "Shape"),
            (r#"["object",{},[1]]"#, "Shape"),
            (r#"["tuple","string"]"#, "Shape"),
            (r#"{"type":"string"}"#, "NotAType"),
            (r#"[]"#, "Shape"),
            (r#"["list",""#, "Syntax"),
        ];
        for (text, expected) in cases {
            let error = Type::from_json_bytes(text.as_bytes()).expect_err(text);
            assert_eq!(variant(&error), expected, "{text}: {error}");
        }
        let error = Type::from_json_bytes(br#"["list"]"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a list type must be written [KIND, ELEMENT_TYPE]"
        );
    }

    #[test]
    fn deeply_nested_type_json_is_refused_not_overflowed() {
        let mut json = json!("string");
        for _ in 0..1000 {
            json = json!(["list", json]);
        }
        assert_eq!(Type::from_json(&json), Err(TypeError::TooDeep));
    }

    #[test]
    fn element_and_member_types_follow_the_structure() {
        let tuple = Type::Tuple(vec![Type::String, Type::Bool]);
        assert_eq!(tuple.element_type(1), Some(&Type::Bool));
        assert_eq!(tuple.element_type(2), None);
        assert_eq!(tuple.element_count(), Some(2));
        assert_eq!(Type::list(Type::Bool).element_count(), None);
        assert_eq!(Type::set(Type::Number).element_type(9), Some(&Type::Number));
        assert_eq!(
            Type::map(Type::Number).member_type("any"),
            Some(&Type::Number)
        );
        let object = Type::object([("a", Type::String)]);
        assert_eq!(object.member_type("a"), Some(&Type::String));
        assert_eq!(object.member_type("b"), None);
        assert_eq!(Type::String.element_type(0), None);
    }

    #[test]
    fn types_describe_themselves_in_words() {
        assert_eq!(Type::list(Type::String).describe(), "a list of string");
        assert_eq!(Type::object::<String>([]).describe(), "an object");
        assert_eq!(Type::map(Type::Number).to_string(), "map of number");
    }
}
