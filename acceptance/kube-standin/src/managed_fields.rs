//! `metadata.managedFields`: which manager owns which fields.
//!
//! Every write records ownership. An **apply** (server-side apply) makes its
//! manager own exactly the fields in the applied configuration; see
//! [`crate::apply`]. An **update** (create, replace, merge or JSON patch)
//! makes its manager own the fields it changed and takes them away from
//! everyone else, without conflicts, as the real server does.

use serde_json::{Value, json};

use crate::field_set::{FieldSet, Scope, leaf};

/// How a manager last wrote its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Self::Apply => "Apply",
            Self::Update => "Update",
        }
    }
}

/// One `managedFields` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    pub time: String,
    /// `""` for the main resource, `"status"` for the status subresource.
    pub subresource: String,
    pub fields: FieldSet,
}

/// Who is writing: the manager, with the apiVersion and time to record.
#[derive(Clone, Debug)]
pub struct Writer {
    pub manager: String,
    pub api_version: String,
    pub time: String,
}

impl Writer {
    /// A fresh entry for this writer.
    pub fn entry(&self, operation: Operation, scope: Scope, fields: FieldSet) -> Entry {
        Entry {
            manager: self.manager.clone(),
            operation,
            api_version: self.api_version.clone(),
            time: self.time.clone(),
            subresource: scope.subresource().to_owned(),
            fields,
        }
    }
}

/// Reads the entries of an object; malformed entries are skipped.
pub fn read(object: &Value) -> Vec<Entry> {
    let entries = object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array);
    entries
        .map(|list| list.iter().filter_map(read_entry).collect())
        .unwrap_or_default()
}

fn read_entry(entry: &Value) -> Option<Entry> {
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let operation = match entry.get("operation")?.as_str()? {
        "Apply" => Operation::Apply,
        _ => Operation::Update,
    };
    Some(Entry {
        manager: text("manager"),
        operation,
        api_version: text("apiVersion"),
        time: text("time"),
        subresource: text("subresource"),
        fields: FieldSet::from_fields_v1(entry.get("fieldsV1").unwrap_or(&Value::Null)),
    })
}

/// Writes `entries` into the object's metadata, dropping empty ones.
pub fn write(object: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(to_json)
        .collect();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if list.is_empty() {
            metadata.remove("managedFields");
        } else {
            metadata.insert("managedFields".to_owned(), Value::Array(list));
        }
    }
}

fn to_json(entry: &Entry) -> Value {
    let mut value = json!({
        "manager": entry.manager,
        "operation": entry.operation.as_str(),
        "apiVersion": entry.api_version,
        "time": entry.time,
        "fieldsType": "FieldsV1",
        "fieldsV1": entry.fields.to_fields_v1(),
    });
    if !entry.subresource.is_empty() {
        value["subresource"] = json!(entry.subresource);
    }
    value
}

/// Records an update from `old` (absent on create) to `new` by `writer`.
pub fn record_update(
    entries: &mut Vec<Entry>,
    old: Option<&Value>,
    new: &Value,
    writer: &Writer,
    scope: Scope,
) {
    let new_leaves = FieldSet::of_object(new, scope);
    let old_leaves = old
        .map(|o| FieldSet::of_object(o, scope))
        .unwrap_or_default();
    let changed: FieldSet = new_leaves
        .iter()
        .filter(|path| old.and_then(|o| leaf(o, path)) != leaf(new, path))
        .cloned()
        .collect();
    let touched = changed.union(&old_leaves.difference(&new_leaves));
    if touched.is_empty() {
        return;
    }
    let subresource = scope.subresource();
    for entry in entries.iter_mut().filter(|e| e.subresource == subresource) {
        entry.fields = entry.fields.difference(&touched);
    }
    let own = entries
        .iter()
        .position(|e| is_own(e, writer, Operation::Update, subresource));
    let index = own.unwrap_or_else(|| {
        entries.push(writer.entry(Operation::Update, scope, FieldSet::default()));
        entries.len() - 1
    });
    let entry = &mut entries[index];
    entry.fields = entry.fields.union(&changed);
    entry.time.clone_from(&writer.time);
    entry.api_version.clone_from(&writer.api_version);
}

/// Whether `entry` belongs to `writer` for this operation and subresource.
pub fn is_own(entry: &Entry, writer: &Writer, operation: Operation, subresource: &str) -> bool {
    entry.manager == writer.manager
        && entry.operation == operation
        && entry.subresource == subresource
}

/// Drops ownership of fields the final object no longer has (pruned, or
/// replaced by a map), so ownership always describes the stored object.
pub fn retain_existing(entries: &mut [Entry], object: &Value) {
    for entry in entries.iter_mut() {
        let scope = if entry.subresource == "status" {
            Scope::StatusOnly
        } else {
            Scope::Whole
        };
        entry.fields = entry
            .fields
            .intersection(&FieldSet::of_object(object, scope));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn writer(manager: &str) -> Writer {
        let time = "2024-01-01T00:00:00Z".to_owned();
        Writer {
            manager: manager.into(),
            api_version: "v1".into(),
            time,
        }
    }

    #[test]
    fn an_update_takes_changed_fields_from_other_managers() {
        let old = json!({"metadata": {"name": "a"}, "data": {"a": "1", "b": "2"}});
        let mut entries = Vec::new();
        record_update(&mut entries, None, &old, &writer("first"), Scope::Whole);

        let new = json!({"metadata": {"name": "a"}, "data": {"a": "9", "b": "2"}});
        record_update(
            &mut entries,
            Some(&old),
            &new,
            &writer("second"),
            Scope::Whole,
        );

        let data = |key: &str| vec!["data".to_owned(), key.to_owned()];
        assert!(entries[0].fields.contains(&data("b")) && !entries[0].fields.contains(&data("a")));
        assert!(entries[1].fields.contains(&data("a")));
    }
}
