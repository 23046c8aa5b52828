//! Defaulting: filling absent fields from the schema's `default` values.
//!
//! A real API server applies CRD defaults on every write (and on reads from
//! storage), after pruning and before validation. A default is applied where
//! the field is absent; defaults inside a defaulted value apply in turn.
//! Clients therefore read back fields they never sent, which is exactly what
//! the provider's drift detection has to tolerate.

use serde_json::Value;

use crate::schema::Schema;

/// Applies defaults to a whole custom object, skipping its metadata.
pub fn default_object(object: &mut Value, root: &Schema) {
    let Some(fields) = object.as_object_mut() else {
        return;
    };
    for (key, schema) in &root.properties {
        if key == "metadata" {
            continue;
        }
        insert_default(fields, key, schema);
    }
    for (key, value) in fields.iter_mut() {
        if key == "metadata" {
            continue;
        }
        if let Some(schema) = root.field(key) {
            apply_defaults(value, schema);
        }
    }
}

/// Applies defaults below `value`, which `schema` describes.
pub fn apply_defaults(value: &mut Value, schema: &Schema) {
    match value {
        Value::Object(fields) => {
            for (key, child) in &schema.properties {
                insert_default(fields, key, child);
            }
            for (key, child_value) in fields.iter_mut() {
                if let Some(child) = schema.field(key) {
                    apply_defaults(child_value, child);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = &schema.items else {
                return;
            };
            items
                .iter_mut()
                .for_each(|item| apply_defaults(item, item_schema));
        }
        _ => {}
    }
}

fn insert_default(fields: &mut serde_json::Map<String, Value>, key: &str, schema: &Schema) {
    if let (None, Some(default)) = (fields.get(key), &schema.default) {
        fields.insert(key.to_owned(), default.clone());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_fields_get_defaults_and_present_ones_keep_their_values() {
        let root = Schema::compile(&json!({
            "type": "object",
            "properties": {"spec": {"type": "object", "default": {}, "properties": {
                "policy": {"type": "string", "default": "WhenEmpty"},
                "after": {"type": "string", "default": "0s"},
            }}},
        }));
        let mut object = json!({"metadata": {"name": "a"}, "spec": {"after": "1m"}});
        default_object(&mut object, &root);
        assert_eq!(
            object["spec"],
            json!({"policy": "WhenEmpty", "after": "1m"})
        );

        let mut empty = json!({"metadata": {"name": "b"}});
        default_object(&mut empty, &root);
        assert_eq!(empty["spec"], json!({"policy": "WhenEmpty", "after": "0s"}));
    }
}
