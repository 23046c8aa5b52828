//! The catalog: every resource type the stand-in serves.
//!
//! A **resource type** is one kind at one group/version, reached by its
//! plural in URLs. The catalog holds the built-ins the provider manages
//! (namespaces, service accounts, secrets, config maps, roles, role bindings,
//! deployments, and read-only CRDs) and one resource type per served version
//! of each loaded CRD.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::crd::{self, Crd};
use crate::metadata::NameRule;
use crate::schema::Schema;
use crate::store::ResourceKey;

/// A CRD version's structural schema, compiled on first use: the Kyverno
/// schemas are large and most runs never touch them.
#[derive(Debug)]
pub struct LazySchema {
    crd: Arc<Value>,
    version: usize,
    compiled: OnceLock<Schema>,
}

impl LazySchema {
    /// The compiled `openAPIV3Schema`.
    pub fn get(&self) -> &Schema {
        self.compiled.get_or_init(|| {
            let node = &self.crd["spec"]["versions"][self.version]["schema"]["openAPIV3Schema"];
            Schema::compile(node)
        })
    }
}

/// One kind served at one group/version.
#[derive(Debug)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    /// Only get and list are served (CustomResourceDefinitions).
    pub read_only: bool,
    /// Writes to the main resource leave `status` alone; `/status` writes
    /// touch only `status`.
    pub status_subresource: bool,
    /// The server keeps `metadata.generation`, bumped on spec changes.
    pub tracks_generation: bool,
    pub name_rule: NameRule,
    /// The structural schema of a custom resource; `None` for built-ins.
    pub schema: Option<LazySchema>,
}

impl ResourceType {
    /// `group/version`, or just `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural.group`, or just `plural` for the core group: how errors and
    /// request counts name the resource.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Where objects of this type are stored, whatever their version.
    pub fn store_key(&self) -> ResourceKey {
        ResourceKey {
            group: self.group.clone(),
            plural: self.plural.clone(),
        }
    }

    /// Whether this is a custom resource, defined by a CRD.
    pub fn is_custom(&self) -> bool {
        self.schema.is_some()
    }
}

/// A built-in kind: group, version, kind, plural, short names, namespaced.
struct BuiltIn(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    bool,
);

const BUILT_INS: &[BuiltIn] = &[
    BuiltIn("", "v1", "Namespace", "namespaces", &["ns"], false),
    BuiltIn("", "v1", "ServiceAccount", "serviceaccounts", &["sa"], true),
    BuiltIn("", "v1", "Secret", "secrets", &[], true),
    BuiltIn("", "v1", "ConfigMap", "configmaps", &["cm"], true),
    BuiltIn("apps", "v1", "Deployment", "deployments", &["deploy"], true),
    BuiltIn(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        &[],
        true,
    ),
    BuiltIn(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        &[],
        true,
    ),
    BuiltIn(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        &["crd", "crds"],
        false,
    ),
];

fn built_in(entry: &BuiltIn) -> ResourceType {
    let BuiltIn(group, version, kind, plural, short_names, namespaced) = *entry;
    let name_rule = match kind {
        "Namespace" => NameRule::Label,
        "Role" | "RoleBinding" => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    };
    ResourceType {
        group: group.to_owned(),
        version: version.to_owned(),
        kind: kind.to_owned(),
        plural: plural.to_owned(),
        singular: kind.to_lowercase(),
        short_names: short_names.iter().map(|s| (*s).to_owned()).collect(),
        categories: Vec::new(),
        namespaced,
        read_only: kind == "CustomResourceDefinition",
        status_subresource: matches!(kind, "Namespace" | "Deployment"),
        tracks_generation: kind == "Deployment",
        name_rule,
        schema: None,
    }
}

/// The resource types of one CRD: one per served version.
fn custom(crd: &Crd) -> Vec<ResourceType> {
    let names = &crd.object["spec"]["names"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let list = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let kind = text(&names["kind"]);
    let singular = match text(&names["singular"]) {
        empty if empty.is_empty() => kind.to_lowercase(),
        singular => singular,
    };
    let served = crd::versions(&crd.object)
        .enumerate()
        .filter(|(_, v)| v["served"] != false);
    served
        .map(|(index, version)| ResourceType {
            group: crd.spec_text("group").to_owned(),
            version: text(&version["name"]),
            kind: kind.clone(),
            plural: text(&names["plural"]),
            singular: singular.clone(),
            short_names: list(&names["shortNames"]),
            categories: list(&names["categories"]),
            namespaced: crd.spec_text("scope") == "Namespaced",
            read_only: false,
            status_subresource: version.pointer("/subresources/status").is_some(),
            tracks_generation: true,
            name_rule: NameRule::Subdomain,
            schema: Some(LazySchema {
                crd: crd.object.clone(),
                version: index,
                compiled: OnceLock::new(),
            }),
        })
        .collect()
}

/// Every resource type served, and the CRD objects behind the custom ones.
#[derive(Debug)]
pub struct Catalog {
    types: Vec<Arc<ResourceType>>,
    crds: Vec<Crd>,
}

impl Catalog {
    /// The built-ins plus the resource types of `crds`.
    pub fn new(crds: Vec<Crd>) -> Self {
        let built_ins = BUILT_INS.iter().map(built_in);
        let customs = crds.iter().flat_map(custom);
        let types = built_ins.chain(customs).map(Arc::new).collect();
        Self { types, crds }
    }

    /// The resource type at `group/version` with this plural.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        let matches =
            |t: &&Arc<ResourceType>| t.group == group && t.version == version && t.plural == plural;
        self.types.iter().find(matches).cloned()
    }

    /// All resource types, built-ins first.
    pub fn types(&self) -> &[Arc<ResourceType>] {
        &self.types
    }

    /// The loaded CRDs, served read-only under apiextensions.k8s.io.
    pub fn crds(&self) -> &[Crd] {
        &self.crds
    }
}
