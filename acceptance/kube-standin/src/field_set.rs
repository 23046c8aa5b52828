//! Field sets: the leaf fields of an object, as owned by managers.
//!
//! Server-side apply records, per manager, the set of fields that manager
//! set (`metadata.managedFields[].fieldsV1`). A **leaf** here is a scalar, a
//! list or an empty map; non-empty maps are walked into. Lists are treated as
//! atomic (owned whole), which is what `x-kubernetes-list-type: atomic`
//! means; the real server can also own list entries one by one for
//! `map`/`set` lists.
// TODO: own entries of `x-kubernetes-list-type: map` lists by key (`k:{...}`)
// instead of owning the whole list.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// A path of map keys from the object root to a leaf.
pub type LeafPath = Vec<String>;

/// Metadata fields the server writes, which no manager owns.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "managedFields",
];

/// A set of leaf paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet(BTreeSet<LeafPath>);

impl FieldSet {
    /// The leaves of `object` within `scope` that a client can own.
    pub fn of_object(object: &Value, scope: Scope) -> Self {
        let mut set = BTreeSet::new();
        let Some(fields) = object.as_object() else {
            return Self(set);
        };
        for (key, value) in fields {
            if scope.includes(key) {
                collect(value, vec![key.clone()], &mut set);
            }
        }
        set.retain(|path| !is_server_metadata(path));
        Self(set)
    }

    /// Reads a `fieldsV1` document (`{"f:spec": {"f:replicas": {}}}`).
    pub fn from_fields_v1(document: &Value) -> Self {
        let mut set = BTreeSet::new();
        read_fields_v1(document, Vec::new(), &mut set);
        Self(set)
    }

    /// Writes the set as a `fieldsV1` document.
    pub fn to_fields_v1(&self) -> Value {
        let mut root = Map::new();
        for path in &self.0 {
            insert_fields_v1(&mut root, path);
        }
        Value::Object(root)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, path: &LeafPath) -> bool {
        self.0.contains(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = &LeafPath> {
        self.0.iter()
    }

    pub fn union(&self, other: &Self) -> Self {
        Self(self.0.union(&other.0).cloned().collect())
    }

    pub fn difference(&self, other: &Self) -> Self {
        Self(self.0.difference(&other.0).cloned().collect())
    }

    pub fn intersection(&self, other: &Self) -> Self {
        Self(self.0.intersection(&other.0).cloned().collect())
    }
}

impl FromIterator<LeafPath> for FieldSet {
    fn from_iter<I: IntoIterator<Item = LeafPath>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Which top-level part of an object a write may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything a client may set (the main resource without a status
    /// subresource).
    Whole,
    /// Everything but `status` (the main resource of a kind with a status
    /// subresource).
    WithoutStatus,
    /// Only `status` (the status subresource).
    StatusOnly,
}

impl Scope {
    fn includes(self, key: &str) -> bool {
        match (self, key) {
            (_, "apiVersion" | "kind") => false,
            (Self::StatusOnly, key) => key == "status",
            (Self::WithoutStatus, key) => key != "status",
            (Self::Whole, _) => true,
        }
    }

    /// The `managedFields[].subresource` value for writes in this scope.
    pub fn subresource(self) -> &'static str {
        if self == Self::StatusOnly {
            "status"
        } else {
            ""
        }
    }
}

fn collect(value: &Value, path: LeafPath, set: &mut BTreeSet<LeafPath>) {
    match value.as_object() {
        Some(fields) if !fields.is_empty() => {
            for (key, child) in fields {
                let mut child_path = path.clone();
                child_path.push(key.clone());
                collect(child, child_path, set);
            }
        }
        _ => {
            set.insert(path);
        }
    }
}

fn is_server_metadata(path: &LeafPath) -> bool {
    match path.as_slice() {
        [first, second, ..] => first == "metadata" && SERVER_METADATA.contains(&second.as_str()),
        _ => false,
    }
}

fn read_fields_v1(node: &Value, path: LeafPath, set: &mut BTreeSet<LeafPath>) {
    let children: Vec<(&String, &Value)> = node
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .filter(|(key, _)| key.starts_with("f:"))
                .collect()
        })
        .unwrap_or_default();
    if children.is_empty() && !path.is_empty() {
        set.insert(path);
        return;
    }
    for (key, child) in children {
        let mut child_path = path.clone();
        child_path.push(key["f:".len()..].to_owned());
        read_fields_v1(child, child_path, set);
    }
}

fn insert_fields_v1(root: &mut Map<String, Value>, path: &LeafPath) {
    let mut node = root;
    for key in path {
        let entry = node
            .entry(format!("f:{key}"))
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(next) = entry else { return };
        node = next;
    }
}

/// The value at `path` in `object`, if present.
pub fn leaf<'a>(object: &'a Value, path: &LeafPath) -> Option<&'a Value> {
    path.iter().try_fold(object, |node, key| node.get(key))
}

/// Removes the value at `path` from `object`, if present.
pub fn remove_leaf(object: &mut Value, path: &LeafPath) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let parent = parents
        .iter()
        .try_fold(object, |node, key| node.get_mut(key));
    if let Some(Value::Object(fields)) = parent {
        fields.remove(last);
    }
}

/// Prints a leaf path as conflict messages do: `.spec.replicas`.
pub fn dotted(path: &LeafPath) -> String {
    path.iter().map(|key| format!(".{key}")).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn leaves_skip_server_metadata_and_round_trip_through_fields_v1() {
        let object = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "uid": "u", "labels": {"app": "x"}},
            "data": {"k": "v"},
        });
        let set = FieldSet::of_object(&object, Scope::Whole);
        let fields_v1 = set.to_fields_v1();
        assert_eq!(
            fields_v1,
            json!({"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:app": {}}}})
        );
        assert_eq!(FieldSet::from_fields_v1(&fields_v1), set);
    }

    #[test]
    fn removing_a_leaf_leaves_its_siblings() {
        let mut object = json!({"data": {"a": "1", "b": "2"}});
        remove_leaf(&mut object, &vec!["data".into(), "a".into()]);
        assert_eq!(object, json!({"data": {"b": "2"}}));
    }
}
