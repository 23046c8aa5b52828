//! Structural schemas: the compiled form of a CRD version's
//! `openAPIV3Schema`.
//!
//! Kubernetes requires CRD schemas to be *structural*: every field has a
//! type, and value rules (`enum`, `pattern`, bounds, `anyOf`/`oneOf`/`not`)
//! sit beside the type rather than replacing it. This module keeps the
//! keywords the stand-in acts on; `description`, `format` and
//! `x-kubernetes-validations` (CEL) are read past.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// A JSON type named by the schema's `type` keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl JsonType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "object" => Self::Object,
            "array" => Self::Array,
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            _ => return None,
        })
    }

    /// The keyword spelling, as used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Object => "object",
            Self::Array => "array",
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
        }
    }
}

/// What `additionalProperties` allows for keys not in `properties`.
#[derive(Debug)]
pub enum Additional {
    /// Any value (`additionalProperties: true`).
    Any,
    /// Values matching a schema: the object is a map.
    Schema(Box<Schema>),
}

/// How entries of a list relate (`x-kubernetes-list-type`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ListType {
    /// The list is one value; no uniqueness rule.
    #[default]
    Atomic,
    /// Entries are unique scalars.
    Set,
    /// Entries are objects unique by the given keys.
    Map(Vec<String>),
}

/// A `pattern` keyword, compiled on first use.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written in the CRD.
    pub source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` matches. A pattern the regex engine cannot compile
    /// matches everything: the CRD author's intent cannot be checked here.
    pub fn matches(&self, text: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| Regex::new(&self.source).ok());
        compiled.as_ref().is_none_or(|regex| regex.is_match(text))
    }
}

/// One node of a structural schema.
#[derive(Debug, Default)]
pub struct Schema {
    pub json_type: Option<JsonType>,
    pub nullable: bool,
    /// `x-kubernetes-int-or-string`: an integer or a string.
    pub int_or_string: bool,
    /// `x-kubernetes-preserve-unknown-fields`: unknown fields are kept.
    pub preserve_unknown: bool,
    /// `x-kubernetes-embedded-resource`: apiVersion, kind, metadata are kept.
    pub embedded_resource: bool,
    pub properties: BTreeMap<String, Schema>,
    pub additional: Option<Additional>,
    pub items: Option<Box<Schema>>,
    pub required: Vec<String>,
    pub enumeration: Option<Vec<Value>>,
    pub pattern: Option<Pattern>,
    pub minimum: Option<f64>,
    pub exclusive_minimum: bool,
    pub maximum: Option<f64>,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub list_type: ListType,
    pub default: Option<Value>,
    pub all_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub one_of: Vec<Schema>,
    pub not: Option<Box<Schema>>,
}

impl Schema {
    /// Compiles an `openAPIV3Schema` document (or any node of one).
    pub fn compile(node: &Value) -> Self {
        let mut schema = Self::default();
        let Some(map) = node.as_object() else {
            return schema;
        };
        for (keyword, value) in map {
            schema.read_keyword(keyword, value);
        }
        schema
    }

    fn read_keyword(&mut self, keyword: &str, value: &Value) {
        match keyword {
            "type" => self.json_type = value.as_str().and_then(JsonType::parse),
            "nullable" => self.nullable = value.as_bool().unwrap_or(false),
            "x-kubernetes-int-or-string" => self.int_or_string = flag(value),
            "x-kubernetes-preserve-unknown-fields" => self.preserve_unknown = flag(value),
            "x-kubernetes-embedded-resource" => self.embedded_resource = flag(value),
            "x-kubernetes-list-type" | "x-kubernetes-list-map-keys" => {
                let current = std::mem::take(&mut self.list_type);
                self.list_type = list_type(current, keyword, value);
            }
            "properties" => self.properties = compile_map(value),
            "additionalProperties" => self.additional = compile_additional(value),
            "items" => self.items = Some(Box::new(Self::compile(value))),
            "required" => self.required = strings(value),
            "enum" => self.enumeration = value.as_array().cloned(),
            "pattern" => self.pattern = value.as_str().map(Pattern::new),
            "default" => self.default = Some(value.clone()),
            "allOf" => self.all_of = compile_list(value),
            "anyOf" => self.any_of = compile_list(value),
            "oneOf" => self.one_of = compile_list(value),
            "not" => self.not = Some(Box::new(Self::compile(value))),
            _ => self.read_bound(keyword, value),
        }
    }

    fn read_bound(&mut self, keyword: &str, value: &Value) {
        match keyword {
            "minimum" => self.minimum = value.as_f64(),
            "maximum" => self.maximum = value.as_f64(),
            "exclusiveMinimum" => self.exclusive_minimum = flag(value),
            "exclusiveMaximum" => self.exclusive_maximum = flag(value),
            "multipleOf" => self.multiple_of = value.as_f64(),
            "minLength" => self.min_length = value.as_u64(),
            "maxLength" => self.max_length = value.as_u64(),
            "minItems" => self.min_items = value.as_u64(),
            "maxItems" => self.max_items = value.as_u64(),
            "minProperties" => self.min_properties = value.as_u64(),
            "maxProperties" => self.max_properties = value.as_u64(),
            _ => {}
        }
    }

    /// The schema for the value under `key` of an object, if declared.
    pub fn field(&self, key: &str) -> Option<&Schema> {
        match (self.properties.get(key), &self.additional) {
            (Some(schema), _) => Some(schema),
            (None, Some(Additional::Schema(schema))) => Some(schema),
            _ => None,
        }
    }

    /// Whether a key absent from `properties` is kept rather than pruned.
    pub fn keeps_unknown(&self, key: &str) -> bool {
        let embedded = self.embedded_resource && is_resource_header(key);
        self.preserve_unknown || embedded || matches!(self.additional, Some(Additional::Any))
    }
}

/// The fields every embedded resource keeps whatever its schema says.
pub fn is_resource_header(key: &str) -> bool {
    matches!(key, "apiVersion" | "kind" | "metadata")
}

fn flag(value: &Value) -> bool {
    value.as_bool().unwrap_or(false)
}

fn strings(value: &Value) -> Vec<String> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn compile_map(value: &Value) -> BTreeMap<String, Schema> {
    let Some(map) = value.as_object() else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(key, node)| (key.clone(), Schema::compile(node)))
        .collect()
}

fn compile_list(value: &Value) -> Vec<Schema> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(Schema::compile).collect()
}

fn compile_additional(value: &Value) -> Option<Additional> {
    match value {
        Value::Bool(true) => Some(Additional::Any),
        Value::Object(_) => Some(Additional::Schema(Box::new(Schema::compile(value)))),
        _ => None,
    }
}

fn list_type(current: ListType, keyword: &str, value: &Value) -> ListType {
    match (keyword, value.as_str(), current) {
        ("x-kubernetes-list-type", Some("set"), _) => ListType::Set,
        ("x-kubernetes-list-type", Some("map"), ListType::Map(keys)) => ListType::Map(keys),
        ("x-kubernetes-list-type", Some("map"), _) => ListType::Map(Vec::new()),
        ("x-kubernetes-list-type", _, _) => ListType::Atomic,
        ("x-kubernetes-list-map-keys", _, _) => ListType::Map(strings(value)),
        (_, _, current) => current,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn compiles_nested_properties_and_bounds() {
        let schema = Schema::compile(&json!({
            "type": "object",
            "required": ["weight"],
            "properties": {"weight": {"type": "integer", "minimum": 1, "maximum": 100}},
        }));
        let weight = schema.field("weight").expect("weight is declared");
        assert_eq!(weight.json_type, Some(JsonType::Integer));
        assert_eq!((weight.minimum, weight.maximum), (Some(1.0), Some(100.0)));
        assert_eq!(schema.required, vec!["weight".to_owned()]);
    }

    #[test]
    fn list_map_keys_are_kept_whatever_the_keyword_order() {
        let first =
            json!({"x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map"});
        let second =
            json!({"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]});
        for node in [first, second] {
            let keys = vec!["type".to_owned()];
            assert_eq!(Schema::compile(&node).list_type, ListType::Map(keys));
        }
    }
}
