//! Object refs: what identifies a Kubernetes object.

use std::fmt;

use serde_json::Value;

use super::KubeError;
use super::kinds::{self, KindInfo};

/// Identifies one object: its `apiVersion`, `kind`, namespace (`None` for
/// cluster-scoped kinds) and name.
///
/// Shown as `ServiceAccount ci-payments/runner` or `NodePool payments`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The ref of a manifest, checked against the kind table: the kind must
    /// be one the provider manages, and `metadata.namespace` must be set
    /// exactly when the kind is namespaced.
    pub fn of(manifest: &Value) -> Result<ObjectRef, KubeError> {
        let object = ObjectRef {
            api_version: required(manifest, "/apiVersion")?,
            kind: required(manifest, "/kind")?,
            namespace: optional(manifest, "/metadata/namespace")?,
            name: required(manifest, "/metadata/name")?,
        };
        object.kind_info()?;
        Ok(object)
    }

    /// The ref of a cluster-scoped object.
    pub fn cluster_scoped(api_version: &str, kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: None,
            name: name.to_string(),
        }
    }

    /// The kind table's entry for this ref's kind, once the namespace is
    /// checked against the kind's scope.
    pub(super) fn kind_info(&self) -> Result<&'static KindInfo, KubeError> {
        let info =
            kinds::lookup(&self.api_version, &self.kind).ok_or_else(|| KubeError::UnknownKind {
                api_version: self.api_version.clone(),
                kind: self.kind.clone(),
            })?;
        match (info.namespaced, &self.namespace) {
            (true, None) => Err(self.invalid("is namespaced: metadata.namespace is required")),
            (false, Some(_)) => Err(self.invalid("is cluster-scoped: remove metadata.namespace")),
            _ => Ok(info),
        }
    }

    fn invalid(&self, problem: &str) -> KubeError {
        KubeError::InvalidManifest {
            reason: format!("{self}: {} {problem}", self.kind),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// A non-empty string at `pointer`.
fn required(manifest: &Value, pointer: &str) -> Result<String, KubeError> {
    optional(manifest, pointer)?.ok_or_else(|| KubeError::InvalidManifest {
        reason: format!("{} is required", field_name(pointer)),
    })
}

/// A non-empty string at `pointer`, or `None` when absent or null.
fn optional(manifest: &Value, pointer: &str) -> Result<Option<String>, KubeError> {
    match manifest.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
        Some(_) => Err(KubeError::InvalidManifest {
            reason: format!("{} must be a non-empty string", field_name(pointer)),
        }),
    }
}

/// `/metadata/name` as `metadata.name`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn of_reads_a_namespaced_manifest() {
        let manifest = json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": { "name": "runner", "namespace": "ci-payments" },
        });
        let object = ObjectRef::of(&manifest).unwrap();
        assert_eq!(object.namespace.as_deref(), Some("ci-payments"));
        assert_eq!(object.to_string(), "ServiceAccount ci-payments/runner");
        let info = object.kind_info().unwrap();
        let path = info.collection_path(object.namespace.as_deref());
        assert_eq!(path, "/api/v1/namespaces/ci-payments/serviceaccounts");
    }

    #[test]
    fn of_reads_a_cluster_scoped_custom_manifest() {
        let manifest = json!({
            "apiVersion": "karpenter.sh/v1",
            "kind": "NodePool",
            "metadata": { "name": "payments" },
        });
        let object = ObjectRef::of(&manifest).unwrap();
        assert_eq!(object.to_string(), "NodePool payments");
        let info = object.kind_info().unwrap();
        assert_eq!(
            info.collection_path(None),
            "/apis/karpenter.sh/v1/nodepools"
        );
    }

    #[test]
    fn of_rejects_manifests_that_do_not_identify_an_object() {
        let cases = [
            (
                json!({ "kind": "Namespace", "metadata": { "name": "a" } }),
                "apiVersion",
            ),
            (
                json!({ "apiVersion": "v1", "kind": "Namespace" }),
                "metadata.name",
            ),
            (
                json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "" } }),
                "metadata.name must be a non-empty string",
            ),
            (
                json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "a" } }),
                "unsupported Kubernetes kind Pod (v1)",
            ),
            (
                json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "a" } }),
                "Secret a: Secret is namespaced",
            ),
            (
                json!({
                    "apiVersion": "kyverno.io/v1",
                    "kind": "ClusterPolicy",
                    "metadata": { "name": "spot", "namespace": "x" },
                }),
                "ClusterPolicy is cluster-scoped",
            ),
        ];
        for (manifest, expected) in cases {
            let error = ObjectRef::of(&manifest).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "{error:?} should contain {expected:?}"
            );
        }
    }
}
