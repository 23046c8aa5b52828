//! Loading CustomResourceDefinitions from a directory.
//!
//! Every `*.yaml`, `*.yml` or `*.json` file in the directory must hold only
//! `apiextensions.k8s.io/v1` `CustomResourceDefinition` documents. Files are
//! parsed on one thread each: the Kyverno CRDs are 1.4 MB of YAML apiece, and
//! YAML parsing dominates start-up in a debug build. Schemas are compiled
//! later, on first use (see [`crate::catalog`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use thiserror::Error;

use crate::metadata;
use crate::yaml::{self, YamlError};

/// A CRD directory that cannot be loaded.
#[derive(Debug, Error)]
pub enum CrdError {
    #[error("cannot read CRD directory {path}: {source}")]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot read CRD file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot parse CRD file {path}: {source}")]
    Parse { path: PathBuf, source: YamlError },

    #[error("{path} holds a {found}, not an apiextensions.k8s.io/v1 CustomResourceDefinition")]
    NotACrd { path: PathBuf, found: String },

    #[error("{path}: CRD {name} lacks {field}")]
    Incomplete {
        path: PathBuf,
        name: String,
        field: &'static str,
    },

    #[error("--without-crd {0}: no CRD of that name was loaded")]
    UnknownExclusion(String),
}

/// A CRD as loaded, with the server-written metadata and status it is served
/// with by `GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions`.
#[derive(Clone, Debug)]
pub struct Crd {
    /// `metadata.name`, e.g. `nodepools.karpenter.sh`.
    pub name: String,
    /// The whole CRD object.
    pub object: Arc<Value>,
}

impl Crd {
    /// `spec.<field>` as text, or empty.
    pub fn spec_text(&self, field: &str) -> &str {
        self.object["spec"][field].as_str().unwrap_or_default()
    }
}

/// Loads every CRD in `dir`, leaving out those named in `without`.
pub fn load_dir(dir: &Path, without: &[String]) -> Result<Vec<Crd>, CrdError> {
    let files = crd_files(dir)?;
    let parsed: Vec<Result<Vec<Crd>, CrdError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files.iter().map(|f| scope.spawn(|| load_file(f))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut crds = Vec::new();
    for file in parsed {
        crds.extend(file?);
    }
    exclude(&mut crds, without)?;
    Ok(crds)
}

fn crd_files(dir: &Path) -> Result<Vec<PathBuf>, CrdError> {
    let read_error = |source| CrdError::ReadDir {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if matches!(extension, "yaml" | "yml" | "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn load_file(path: &Path) -> Result<Vec<Crd>, CrdError> {
    let text = std::fs::read_to_string(path).map_err(|source| CrdError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let documents = yaml::documents(&text).map_err(|source| CrdError::Parse {
        path: path.to_owned(),
        source,
    })?;
    documents
        .into_iter()
        .map(|document| to_crd(path, document))
        .collect()
}

fn to_crd(path: &Path, mut object: Value) -> Result<Crd, CrdError> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    if (api_version, kind) != ("apiextensions.k8s.io/v1", "CustomResourceDefinition") {
        let found = format!("{api_version} {kind}");
        return Err(CrdError::NotACrd {
            path: path.to_owned(),
            found,
        });
    }
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let incomplete = |field| CrdError::Incomplete {
        path: path.to_owned(),
        name: name.clone(),
        field,
    };
    for (pointer, field) in REQUIRED {
        if object.pointer(pointer).is_none() {
            return Err(incomplete(field));
        }
    }
    stamp(&mut object);
    Ok(Crd {
        name,
        object: Arc::new(object),
    })
}

/// Fields the stand-in needs from every CRD.
const REQUIRED: [(&str, &str); 5] = [
    ("/metadata/name", "metadata.name"),
    ("/spec/group", "spec.group"),
    ("/spec/names/kind", "spec.names.kind"),
    ("/spec/names/plural", "spec.names.plural"),
    ("/spec/versions/0/name", "spec.versions"),
];

/// Adds what the API server writes on an installed, established CRD.
fn stamp(object: &mut Value) {
    let now = metadata::now();
    let metadata = &mut object["metadata"];
    metadata["uid"] = json!(metadata::new_uid());
    metadata["creationTimestamp"] = json!(now);
    metadata["resourceVersion"] = json!("1");
    metadata["generation"] = json!(1);
    let names = object["spec"]["names"].clone();
    let stored: Vec<Value> = versions(object)
        .filter(|v| v["storage"] == json!(true))
        .map(|v| v["name"].clone())
        .collect();
    let condition = |kind: &str, reason: &str| json!({"type": kind, "status": "True", "reason": reason, "lastTransitionTime": now});
    object["status"] = json!({
        "acceptedNames": names,
        "conditions": [condition("NamesAccepted", "NoConflicts"),
                       condition("Established", "InitialNamesAccepted")],
        "storedVersions": stored,
    });
}

/// The entries of `spec.versions`.
pub fn versions(object: &Value) -> impl Iterator<Item = &Value> {
    object["spec"]["versions"].as_array().into_iter().flatten()
}

/// Leaves out the CRDs named in `without`; naming one not loaded is an
/// error, so that a typo does not silently keep a CRD installed.
pub fn exclude(crds: &mut Vec<Crd>, without: &[String]) -> Result<(), CrdError> {
    for name in without {
        let before = crds.len();
        crds.retain(|crd| &crd.name != name);
        if crds.len() == before {
            return Err(CrdError::UnknownExclusion(name.clone()));
        }
    }
    Ok(())
}
