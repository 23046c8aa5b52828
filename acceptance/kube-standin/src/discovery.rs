//! Discovery documents: what a client reads to learn which groups, versions
//! and resources the server has.
//!
//! Two formats are served, chosen by the `Accept` header as on a real server:
//! the legacy documents (`APIVersions` at `/api`, `APIGroupList` at `/apis`,
//! `APIGroup` at `/apis/{group}`, `APIResourceList` at `/api/v1` and
//! `/apis/{group}/{version}`) and **aggregated discovery**
//! (`APIGroupDiscoveryList` at `/api` and `/apis`, `apidiscovery.k8s.io/v2`),
//! which kube-rs asks for in `Discovery::run_aggregated`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::catalog::{Catalog, ResourceType};

/// The Kubernetes version the stand-in claims to be.
pub const KUBERNETES_VERSION: (&str, &str) = ("1", "32");

/// The verbs served for writable and read-only resource types.
const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
];
const READ_ONLY_VERBS: &[&str] = &["get", "list"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

/// The media type parameter that asks for aggregated discovery.
pub const AGGREGATED_MARKER: &str = "as=APIGroupDiscoveryList";

/// The aggregated discovery media type, also the response's content type.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `/version`.
pub fn version() -> Value {
    let (major, minor) = KUBERNETES_VERSION;
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": format!("v{major}.{minor}.0-kube-standin"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// The groups of non-core types and their versions, preferred first.
fn groups(catalog: &Catalog) -> BTreeMap<&str, Vec<&str>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let non_core = catalog.types().iter().filter(|t| !t.group.is_empty());
    for resource in non_core {
        let versions = groups.entry(resource.group.as_str()).or_default();
        if !versions.contains(&resource.version.as_str()) {
            versions.push(resource.version.as_str());
        }
    }
    for versions in groups.values_mut() {
        versions.sort_by(|a, b| version_priority(a, b));
    }
    groups
}

/// `/api`.
pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
}

/// `/apis`.
pub fn group_list(catalog: &Catalog) -> Value {
    let groups: Vec<Value> = groups(catalog)
        .into_iter()
        .map(|(g, v)| api_group(g, &v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`, if the group is served.
pub fn group(catalog: &Catalog, name: &str) -> Option<Value> {
    let groups = groups(catalog);
    let versions = groups.get(name)?;
    let mut group = api_group(name, versions);
    group["kind"] = json!("APIGroup");
    group["apiVersion"] = json!("v1");
    Some(group)
}

fn api_group(name: &str, versions: &[&str]) -> Value {
    let entry =
        |version: &&str| json!({"groupVersion": format!("{name}/{version}"), "version": version});
    let listed: Vec<Value> = versions.iter().map(entry).collect();
    json!({"name": name, "versions": listed, "preferredVersion": listed.first()})
}

fn types_at<'a>(
    catalog: &'a Catalog,
    group: &'a str,
    version: &'a str,
) -> Vec<&'a Arc<ResourceType>> {
    let at = |t: &&Arc<ResourceType>| t.group == group && t.version == version;
    catalog.types().iter().filter(at).collect()
}

/// `/api/v1` or `/apis/{group}/{version}`, if served.
pub fn resource_list(catalog: &Catalog, group: &str, version: &str) -> Option<Value> {
    let types = types_at(catalog, group, version);
    let first = types.first()?;
    let mut resources = Vec::new();
    for resource in &types {
        resources.push(api_resource(resource));
        if resource.status_subresource {
            resources.push(status_resource(resource));
        }
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": first.api_version(),
        "resources": resources,
    }))
}

fn verbs(resource: &ResourceType) -> &'static [&'static str] {
    if resource.read_only {
        READ_ONLY_VERBS
    } else {
        VERBS
    }
}

fn api_resource(resource: &ResourceType) -> Value {
    json!({
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": verbs(resource),
        "shortNames": resource.short_names,
        "categories": resource.categories,
    })
}

fn status_resource(resource: &ResourceType) -> Value {
    json!({
        "name": format!("{}/status", resource.plural),
        "singularName": "",
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": STATUS_VERBS,
    })
}

/// Aggregated discovery for the core group (`/api`) or all others (`/apis`).
pub fn aggregated(catalog: &Catalog, core: bool) -> Value {
    let items: Vec<Value> = if core {
        vec![aggregated_group(catalog, "", &["v1"])]
    } else {
        groups(catalog)
            .into_iter()
            .map(|(g, v)| aggregated_group(catalog, g, &v))
            .collect()
    };
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

fn aggregated_group(catalog: &Catalog, group: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|version| {
            let types = types_at(catalog, group, version);
            let resources: Vec<Value> = types.into_iter().map(|t| aggregated_resource(t)).collect();
            json!({"version": version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": {"name": group}, "versions": versions})
}

fn aggregated_resource(resource: &ResourceType) -> Value {
    let kind = json!({"group": resource.group, "version": resource.version, "kind": resource.kind});
    let scope = if resource.namespaced {
        "Namespaced"
    } else {
        "Cluster"
    };
    let subresources: Vec<Value> = if resource.status_subresource {
        vec![json!({"subresource": "status", "responseKind": kind, "verbs": STATUS_VERBS})]
    } else {
        Vec::new()
    };
    json!({
        "resource": resource.plural,
        "responseKind": kind,
        "scope": scope,
        "singularResource": resource.singular,
        "verbs": verbs(resource),
        "shortNames": resource.short_names,
        "categories": resource.categories,
        "subresources": subresources,
    })
}

/// Orders versions the way Kubernetes prefers them: GA before beta before
/// alpha, higher numbers first, anything unrecognised last by name.
pub fn version_priority(a: &str, b: &str) -> Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// `v2beta1` becomes `(1, 2, 1)`: stability (2 GA, 1 beta, 0 alpha), major,
/// minor.
fn parse_version(text: &str) -> Option<(u8, u64, u64)> {
    let rest = text.strip_prefix('v')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let major = rest[..digits].parse().ok()?;
    let (stability, minor) = match &rest[digits..] {
        "" => (2, 0),
        tail => {
            let (stability, number) = if let Some(n) = tail.strip_prefix("beta") {
                (1, n)
            } else {
                (0, tail.strip_prefix("alpha")?)
            };
            (stability, number.parse().ok()?)
        }
    };
    Some((stability, major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_stable_first_then_newest() {
        let mut versions = vec!["v1alpha1", "v2beta1", "v1", "v2", "v1beta1", "custom"];
        versions.sort_by(|a, b| version_priority(a, b));
        assert_eq!(
            versions,
            vec!["v2", "v1", "v2beta1", "v1beta1", "v1alpha1", "custom"]
        );
    }

    #[test]
    fn built_in_groups_and_resources_are_listed() {
        let catalog = Catalog::new(Vec::new());
        let names: Vec<String> = group_list(&catalog)["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["name"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            names,
            vec!["apiextensions.k8s.io", "apps", "rbac.authorization.k8s.io"]
        );
        let core = resource_list(&catalog, "", "v1").expect("core v1 is served");
        assert!(
            core["resources"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["name"] == "configmaps"))
        );
        assert!(resource_list(&catalog, "apps", "v2").is_none());
    }
}
