//! Test helpers: configurations from JSON, paths from text, and a runner
//! for tables of bad inputs.
//!
//! Configurations are written as JSON and completed against the schema the
//! way Terraform sends them: absent attributes are null, absent list and
//! set blocks empty, and the string `"${unknown}"` stands for an unknown
//! value anywhere.

use crate::diagnostics::{Diagnostics, Severity};
use crate::schema::{AttributeKind, Block, NestedBlock, Nesting};
use crate::value::path::Path;
use crate::value::{Number, Type, Value};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

pub const UNKNOWN: &str = "${unknown}";

/// The configuration value for `json`, completed against `block`.
pub fn config(block: &Block, json: &Json) -> Value {
    if is_unknown(json) {
        return unknown();
    }
    let empty = serde_json::Map::new();
    let object = json.as_object().unwrap_or(&empty);
    let mut values = BTreeMap::new();
    for attribute in &block.attributes {
        let ty = attribute_type(&attribute.kind);
        let value = object
            .get(&attribute.name)
            .map_or(Value::Null, |j| convert(&ty, j));
        values.insert(attribute.name.clone(), value);
    }
    for nested in &block.blocks {
        values.insert(
            nested.name.clone(),
            nested_block(nested, object.get(&nested.name)),
        );
    }
    Value::Object(values)
}

fn attribute_type(kind: &AttributeKind) -> Type {
    match kind {
        AttributeKind::Type(ty) => ty.clone(),
        AttributeKind::Nested(nested) => nested.value_type(),
    }
}

fn nested_block(nested: &NestedBlock, json: Option<&Json>) -> Value {
    let json = json.unwrap_or(&Json::Null);
    if is_unknown(json) {
        return unknown();
    }
    let items = || {
        json.as_array()
            .into_iter()
            .flatten()
            .map(|j| config(&nested.block, j))
    };
    match nested.nesting {
        Nesting::Single if json.is_null() => Value::Null,
        Nesting::Single | Nesting::Group => config(&nested.block, json),
        Nesting::List => Value::List(items().collect()),
        Nesting::Set => Value::Set(items().collect()),
        Nesting::Map => {
            let entries = json.as_object().into_iter().flatten();
            Value::Map(
                entries
                    .map(|(k, j)| (k.clone(), config(&nested.block, j)))
                    .collect(),
            )
        }
    }
}

/// The value of type `ty` for `json`.
pub fn convert(ty: &Type, json: &Json) -> Value {
    if is_unknown(json) {
        return unknown();
    }
    match (ty, json) {
        (_, Json::Null) => Value::Null,
        (Type::String, Json::String(s)) => Value::String(s.clone()),
        (Type::String, other) => Value::String(other.to_string()),
        (Type::Number, Json::Number(n)) => Value::Number(number(&n.to_string())),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::List(element), Json::Array(items)) => Value::List(convert_all(element, items)),
        (Type::Set(element), Json::Array(items)) => Value::Set(convert_all(element, items)),
        (Type::Map(element), Json::Object(entries)) => Value::Map(
            entries
                .iter()
                .map(|(k, j)| (k.clone(), convert(element, j)))
                .collect(),
        ),
        (Type::Object(types), Json::Object(entries)) => Value::Object(
            types
                .iter()
                .map(|(k, t)| {
                    (
                        k.clone(),
                        entries.get(k).map_or(Value::Null, |j| convert(t, j)),
                    )
                })
                .collect(),
        ),
        (ty, json) => panic!("test JSON {json} does not fit type {ty:?}"),
    }
}

fn convert_all(element: &Type, items: &[Json]) -> Vec<Value> {
    items.iter().map(|j| convert(element, j)).collect()
}

fn number(text: &str) -> Number {
    Number::parse(text).unwrap_or_else(|_| panic!("bad test number {text}"))
}

fn unknown() -> Value {
    Value::unknown()
}

fn is_unknown(json: &Json) -> bool {
    json.as_str() == Some(UNKNOWN)
}

/// A path from text such as `group[0].name` or `tags["aws:x"]`.
pub fn path(text: &str) -> Path {
    let mut path = Path::root();
    let mut rest = text;
    while !rest.is_empty() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if let Some(inner) = rest.strip_prefix("[\"") {
            let (key, tail) = inner.split_once("\"]").expect("closed key");
            path = path.key(key);
            rest = tail;
        } else if let Some(inner) = rest.strip_prefix('[') {
            let (index, tail) = inner.split_once(']').expect("closed index");
            path = path.index(index.parse().expect("numeric index"));
            rest = tail;
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            path = path.attribute(&rest[..end]);
            rest = &rest[end..];
        }
    }
    path
}

/// Sets the value at a JSON pointer, creating missing object members.
pub fn set(json: &mut Json, pointer: &str, value: Json) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer starts with /");
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = if parent.is_empty() {
        Some(&mut *json)
    } else {
        json.pointer_mut(parent)
    };
    match parent.unwrap_or_else(|| panic!("no parent for {pointer}")) {
        Json::Object(map) => {
            map.insert(last, value);
        }
        Json::Array(items) => items[last.parse::<usize>().expect("index")] = value,
        other => panic!("cannot set {pointer} inside {other}"),
    }
}

/// Errors as `(summary, path)` pairs, for assertions.
pub fn errors(diags: &Diagnostics) -> Vec<(String, String)> {
    let errors = diags.0.iter().filter(|d| d.severity == Severity::Error);
    errors
        .map(|d| {
            (
                d.summary.clone(),
                d.path.clone().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// One bad input: changes to a good configuration (JSON pointer, new
/// value) and the single error they must produce.
pub struct Case {
    pub changes: Vec<(&'static str, Json)>,
    pub summary: &'static str,
    pub path: &'static str,
}

/// `Case` in one line: `bad("/name", json!("x"), "Invalid ...", "name")`.
pub fn bad(pointer: &'static str, value: Json, summary: &'static str, path: &'static str) -> Case {
    Case {
        changes: vec![(pointer, value)],
        summary,
        path,
    }
}

impl Case {
    /// The same case with one more change applied first.
    pub fn after(mut self, pointer: &'static str, value: Json) -> Case {
        self.changes.insert(0, (pointer, value));
        self
    }
}

/// Runs every case against `validate` and fails listing each case that
/// did not give exactly its one expected error.
pub fn run_cases(
    block: &Block,
    good: &Json,
    cases: &[Case],
    validate: impl Fn(&Value) -> Diagnostics,
) {
    let mut failures = Vec::new();
    for case in cases {
        let mut json = good.clone();
        for (pointer, value) in &case.changes {
            set(&mut json, pointer, value.clone());
        }
        let got = errors(&validate(&config(block, &json)));
        let want = vec![(case.summary.to_string(), path(case.path).to_string())];
        if got != want {
            let changes: Vec<String> = case
                .changes
                .iter()
                .map(|(p, v)| format!("{p} = {v}"))
                .collect();
            failures.push(format!(
                "{}: want {want:?}, got {got:?}",
                changes.join(", ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replaces each value in `good`, one at a time, by an unknown and fails
/// listing every replacement that produced an error.
pub fn assert_unknowns_tolerated(
    block: &Block,
    good: &Json,
    validate: impl Fn(&Value) -> Diagnostics,
) {
    let mut failures = Vec::new();
    for pointer in pointers(good, String::new()) {
        let mut json = good.clone();
        set(&mut json, &pointer, Json::String(UNKNOWN.into()));
        let got = errors(&validate(&config(block, &json)));
        if !got.is_empty() {
            failures.push(format!("{pointer} unknown: {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "unknowns gave errors:\n{}",
        failures.join("\n")
    );
}

fn pointers(json: &Json, at: String) -> Vec<String> {
    let children: Vec<(String, &Json)> = match json {
        Json::Object(map) => map.iter().map(|(k, v)| (format!("{at}/{k}"), v)).collect(),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{at}/{i}"), v))
            .collect(),
        _ => Vec::new(),
    };
    let nested = children.iter().flat_map(|(p, v)| pointers(v, p.clone()));
    let mut all: Vec<String> = children.iter().map(|(p, _)| p.clone()).collect();
    all.extend(nested.collect::<Vec<_>>());
    all
}

/// Asserts that `validate` finds no error in `json`.
pub fn assert_valid(block: &Block, json: &Json, validate: impl Fn(&Value) -> Diagnostics) {
    let got = errors(&validate(&config(block, json)));
    assert!(got.is_empty(), "expected no errors, got {got:?}");
}

/// Values that have broken parsers elsewhere: empty, huge, non-ASCII,
/// control characters, wildcards, numbers out of every range.
fn hostile_values() -> Vec<Json> {
    let strings = [
        String::new(),
        " ".into(),
        "\u{0}".into(),
        "ü-ñ.é".into(),
        "*".into(),
        "-".into(),
        "/".into(),
        "a".repeat(5000),
        "9".repeat(400),
        "1e999999".into(),
        "cron(".into(),
        "arn:::::".into(),
        "https://[".into(),
        "1.5.".into(),
        "{\"Statement\":[null]}".into(),
    ];
    let numbers = [json!(-1), json!(0), json!(0.5), json!(1e300), json!(-1e300)];
    strings
        .into_iter()
        .map(Json::String)
        .chain(numbers)
        .collect()
}

/// Replaces each leaf of `good` with each hostile value of the same
/// kind and validates: nothing may panic.
pub fn assert_hostile_values_never_panic(
    block: &Block,
    good: &Json,
    validate: impl Fn(&Value) -> Diagnostics,
) {
    for pointer in pointers(good, String::new()) {
        let leaf = good.pointer(&pointer).expect("pointer from good");
        if leaf.is_object() || leaf.is_array() {
            continue;
        }
        let same_kind =
            |v: &Json| v.is_string() == leaf.is_string() && v.is_number() == leaf.is_number();
        for value in hostile_values().into_iter().filter(same_kind) {
            let mut json = good.clone();
            set(&mut json, &pointer, value);
            validate(&config(block, &json));
        }
    }
}
