//! Pruning: dropping what a structural schema does not declare.
//!
//! A real API server removes from a custom object every field its schema
//! does not declare (unless `x-kubernetes-preserve-unknown-fields` keeps it)
//! and every `null` in a field that is not `nullable`. Which of those it tells
//! the client about depends on the request's `fieldValidation` directive; see
//! [`crate::write`]. Metadata is pruned to the fields of `ObjectMeta`.

use serde_json::{Map, Value};

use crate::field_error::FieldPath;
use crate::schema::{Schema, is_resource_header};

/// The fields of `meta/v1` `ObjectMeta`; anything else in `metadata` is
/// dropped, as decoding into the typed struct does in a real server.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// Prunes a whole custom object against its root schema and returns the
/// paths of the unknown fields removed (nulls are removed silently).
pub fn prune_object(object: &mut Value, root: &Schema) -> Vec<FieldPath> {
    let mut unknown = Vec::new();
    let Some(fields) = object.as_object_mut() else {
        return unknown;
    };
    for (key, value) in fields.iter_mut() {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => prune_metadata(value, &mut unknown),
            _ => {
                if let Some(schema) = root.field(key) {
                    prune(value, schema, &FieldPath::root().child(key), &mut unknown);
                }
            }
        }
    }
    fields.retain(|key, value| keep_top_level(key, value, root, &mut unknown));
    unknown
}

fn keep_top_level(key: &str, value: &Value, root: &Schema, unknown: &mut Vec<FieldPath>) -> bool {
    if is_resource_header(key) {
        return true;
    }
    keep_field(key, value, root, &FieldPath::root(), unknown)
}

fn prune_metadata(metadata: &mut Value, unknown: &mut Vec<FieldPath>) {
    let Some(fields) = metadata.as_object_mut() else {
        return;
    };
    let path = FieldPath::root().child("metadata");
    fields.retain(|key, value| {
        let known = OBJECT_META_FIELDS.contains(&key.as_str());
        if !known {
            unknown.push(path.child(key));
        }
        known && !value.is_null()
    });
}

/// Prunes `value` in place against `schema`; `path` is where it sits.
pub fn prune(value: &mut Value, schema: &Schema, path: &FieldPath, unknown: &mut Vec<FieldPath>) {
    match value {
        Value::Object(fields) => prune_fields(fields, schema, path, unknown),
        Value::Array(items) => {
            let Some(item_schema) = &schema.items else {
                return;
            };
            for (index, item) in items.iter_mut().enumerate() {
                prune(item, item_schema, &path.index(index), unknown);
            }
        }
        _ => {}
    }
}

fn prune_fields(
    fields: &mut Map<String, Value>,
    schema: &Schema,
    path: &FieldPath,
    unknown: &mut Vec<FieldPath>,
) {
    for (key, value) in fields.iter_mut() {
        if let Some(child) = schema.field(key) {
            prune(value, child, &path.child(key), unknown);
        }
    }
    fields.retain(|key, value| keep_field(key, value, schema, path, unknown));
}

/// Whether a field survives pruning; records it if it is unknown.
fn keep_field(
    key: &str,
    value: &Value,
    parent: &Schema,
    path: &FieldPath,
    unknown: &mut Vec<FieldPath>,
) -> bool {
    match parent.field(key) {
        Some(schema) => !value.is_null() || schema.nullable,
        None if parent.keeps_unknown(key) => true,
        None => {
            unknown.push(path.child(key));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn root() -> Schema {
        Schema::compile(&json!({
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "weight": {"type": "integer"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    },
                },
            },
        }))
    }

    #[test]
    fn unknown_fields_are_removed_and_reported() {
        let mut object = json!({
            "apiVersion": "x/v1", "kind": "X", "metadata": {"name": "a"},
            "spec": {"weight": 1, "typo": true, "labels": {"a": "b"}, "extra": {"any": 1}},
            "bogus": 1,
        });
        let unknown = prune_object(&mut object, &root());
        let paths: Vec<&str> = unknown.iter().map(FieldPath::as_str).collect();
        assert_eq!(paths, vec!["spec.typo", "bogus"]);
        assert_eq!(
            object["spec"],
            json!({"weight": 1, "labels": {"a": "b"}, "extra": {"any": 1}})
        );
    }

    #[test]
    fn nulls_in_fields_that_are_not_nullable_are_dropped_silently() {
        let mut object = json!({"spec": {"weight": null}});
        assert!(prune_object(&mut object, &root()).is_empty());
        assert_eq!(object, json!({"spec": {}}));
    }

    #[test]
    fn unknown_metadata_fields_are_dropped() {
        let mut object = json!({"metadata": {"name": "a", "colour": "red"}});
        let unknown = prune_object(&mut object, &root());
        assert_eq!(unknown[0].as_str(), "metadata.colour");
        assert_eq!(object["metadata"], json!({"name": "a"}));
    }
}
