//! The object store: every object the stand-in holds, by resource and name.
//!
//! Objects are stored once per group and plural, whatever version they were
//! written at, as the real server stores one version per resource; readers
//! get `apiVersion` set to the version they asked for. Each write takes the
//! next value of one global counter as the object's `resourceVersion`, like
//! etcd's revision.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Which resource an object belongs to: its group and plural.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ResourceKey {
    pub group: String,
    pub plural: String,
}

/// An object's identity within its resource: namespace (empty for
/// cluster-scoped objects) and name.
pub type ObjectKey = (String, String);

/// The in-memory store.
#[derive(Debug, Default)]
pub struct Store {
    objects: BTreeMap<ResourceKey, BTreeMap<ObjectKey, Value>>,
    revision: u64,
}

impl Store {
    /// The object with this namespace and name.
    pub fn get(&self, resource: &ResourceKey, namespace: &str, name: &str) -> Option<&Value> {
        let key = (namespace.to_owned(), name.to_owned());
        self.objects.get(resource)?.get(&key)
    }

    /// The objects of a resource, in one namespace or in all of them, ordered
    /// by namespace and name.
    pub fn list(&self, resource: &ResourceKey, namespace: Option<&str>) -> Vec<&Value> {
        let Some(objects) = self.objects.get(resource) else {
            return Vec::new();
        };
        let in_scope = |key: &ObjectKey| namespace.is_none_or(|ns| key.0 == ns);
        objects
            .iter()
            .filter(|(key, _)| in_scope(key))
            .map(|(_, object)| object)
            .collect()
    }

    /// Stores `object` under a new resourceVersion, which it returns.
    pub fn put(&mut self, resource: &ResourceKey, key: ObjectKey, mut object: Value) -> Value {
        self.revision += 1;
        object["metadata"]["resourceVersion"] = json!(self.revision.to_string());
        let objects = self.objects.entry(resource.clone()).or_default();
        objects.insert(key, object.clone());
        object
    }

    /// Removes and returns an object.
    pub fn remove(&mut self, resource: &ResourceKey, namespace: &str, name: &str) -> Option<Value> {
        let key = (namespace.to_owned(), name.to_owned());
        let removed = self.objects.get_mut(resource)?.remove(&key);
        if removed.is_some() {
            self.revision += 1;
        }
        removed
    }

    /// Removes every object in a namespace, as the namespace controller does
    /// once a namespace is deleted.
    pub fn remove_namespace(&mut self, namespace: &str) {
        for objects in self.objects.values_mut() {
            objects.retain(|(ns, _), _| ns != namespace);
        }
        self.revision += 1;
    }

    /// The latest revision, written as a list's `resourceVersion`.
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_maps() -> ResourceKey {
        ResourceKey {
            group: String::new(),
            plural: "configmaps".into(),
        }
    }

    #[test]
    fn every_write_takes_a_new_resource_version() {
        let mut store = Store::default();
        let key = ("team".to_owned(), "a".to_owned());
        let first = store.put(&config_maps(), key.clone(), json!({"metadata": {}}));
        let second = store.put(&config_maps(), key, json!({"metadata": {}}));
        assert_eq!(first["metadata"]["resourceVersion"], "1");
        assert_eq!(second["metadata"]["resourceVersion"], "2");
    }

    #[test]
    fn deleting_a_namespace_removes_what_is_in_it() {
        let mut store = Store::default();
        store.put(
            &config_maps(),
            ("team".into(), "a".into()),
            json!({"metadata": {}}),
        );
        store.put(
            &config_maps(),
            ("other".into(), "b".into()),
            json!({"metadata": {}}),
        );
        store.remove_namespace("team");
        assert_eq!(store.list(&config_maps(), None).len(), 1);
    }
}
