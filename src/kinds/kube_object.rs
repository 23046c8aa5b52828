//! Kubernetes objects of any kind, written with server-side apply.
//!
//! Only the fields we set are ours: an observation is *projected* onto the
//! manifest we applied, so defaults the API server adds and fields other
//! controllers own are not drift, while a changed annotation or limit is.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{MANAGED_BY, MANAGED_BY_VALUE, backend, parse, render};
use crate::backends::kube::{Kube, ObjectRef};
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubeFields {
    pub cluster: String,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub manifest: Value,
}

impl KubeFields {
    /// Fields for `manifest` in `cluster`, identity read from the manifest.
    pub fn of(cluster: &str, manifest: Value) -> KubeFields {
        let text = |pointer: &str| {
            manifest
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        KubeFields {
            cluster: cluster.to_string(),
            api_version: text("/apiVersion").unwrap_or_default(),
            kind: text("/kind").unwrap_or_default(),
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name").unwrap_or_default(),
            manifest,
        }
    }

    fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

/// The Kubernetes object kind.
pub struct KubeObject(pub Arc<Kube>);

#[async_trait::async_trait]
impl Kind for KubeObject {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: KubeFields = parse(id, spec)?;
        let cluster = self.0.cluster(&wanted.cluster).await.map_err(backend)?;
        let Some(live) = cluster.get(&wanted.object_ref()).await.map_err(backend)? else {
            return Ok(None);
        };
        let label = live.pointer(&format!(
            "/metadata/labels/{}",
            MANAGED_BY.replace('/', "~1")
        ));
        let owned = label.and_then(Value::as_str) == Some(MANAGED_BY_VALUE);
        let manifest = project(&live, &wanted.manifest);
        Ok(Some(Observed {
            spec: render(&KubeFields { manifest, ..wanted }),
            owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        self.apply(id, spec).await
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        _: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        self.apply(id, desired).await
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: KubeFields = parse(id, spec)?;
        let cluster = self.0.cluster(&wanted.cluster).await.map_err(backend)?;
        cluster.delete(&wanted.object_ref()).await.map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["cluster", "api_version", "kind", "namespace", "name"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::KUBE_OBJECT
    }
}

impl KubeObject {
    async fn apply(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: KubeFields = parse(id, spec)?;
        let cluster = self.0.cluster(&wanted.cluster).await.map_err(backend)?;
        cluster.apply(&wanted.manifest).await.map_err(backend)?;
        Ok(spec.clone())
    }
}

/// The parts of `live` at the keys `applied` has, recursively through
/// objects and through lists of the applied length, element by element (an
/// API server fills defaults into list elements, such as a container's
/// `imagePullPolicy`, which are not drift). A list of another length and
/// scalars are taken whole, so they show. A key missing from `live`
/// projects to null, which differs from what was applied.
pub fn project(live: &Value, applied: &Value) -> Value {
    match (live, applied) {
        (Value::Object(live), Value::Object(applied)) => Value::Object(
            applied
                .iter()
                .map(|(key, wanted)| {
                    let found = live.get(key).map(|value| project(value, wanted));
                    (key.clone(), found.unwrap_or(Value::Null))
                })
                .collect(),
        ),
        (Value::Array(live), Value::Array(applied)) if live.len() == applied.len() => Value::Array(
            live.iter()
                .zip(applied)
                .map(|(l, a)| project(l, a))
                .collect(),
        ),
        (live, _) => live.clone(),
    }
}

/// Sub-object ids: `kube_object/<cluster>/<Kind>/<namespace or _>/<name>`.
pub fn object_id(cluster: &str, manifest: &Value) -> String {
    let text = |pointer: &str| manifest.pointer(pointer).and_then(Value::as_str);
    format!(
        "kube_object/{cluster}/{}/{}/{}",
        text("/kind").unwrap_or_default(),
        text("/metadata/namespace").unwrap_or("_"),
        text("/metadata/name").unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_keeps_only_applied_keys_and_shows_changed_values() {
        let applied = json!({"metadata": {"name": "x", "annotations": {"a": "1"}}});
        let live = json!({
            "metadata": {"name": "x", "uid": "u", "annotations": {"a": "2", "other": "y"}},
            "status": {}
        });
        let expected = json!({"metadata": {"name": "x", "annotations": {"a": "2"}}});
        assert_eq!(project(&live, &applied), expected);
    }

    #[test]
    fn defaults_in_list_elements_are_not_drift_but_changed_values_are() {
        let applied = json!({"containers": [{"name": "r", "image": "a"}]});
        let live =
            json!({"containers": [{"name": "r", "image": "b", "imagePullPolicy": "Always"}]});
        let expected = json!({"containers": [{"name": "r", "image": "b"}]});
        assert_eq!(project(&live, &applied), expected);
    }

    #[test]
    fn a_list_of_another_length_is_kept_whole() {
        let applied = json!({"rules": [{"a": 1}]});
        let live = json!({"rules": [{"a": 1, "x": 2}, {"a": 3}]});
        assert_eq!(project(&live, &applied), live);
    }

    #[test]
    fn a_key_removed_out_of_band_projects_to_null() {
        let applied = json!({"metadata": {"annotations": {"a": "1"}}});
        let live = json!({"metadata": {}});
        assert_eq!(
            project(&live, &applied),
            json!({"metadata": {"annotations": null}})
        );
    }
}
