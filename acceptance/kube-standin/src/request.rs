//! Reading a request: which endpoint the path names, and the query
//! parameters the verbs use.
//!
//! Resource paths have the real API's shapes:
//! `/api/v1/namespaces/{ns}/{plural}/{name}/{subresource}` for the core
//! group, `/apis/{group}/{version}/...` for the others, and the same without
//! `namespaces/{ns}` for cluster-scoped kinds or lists across namespaces.

use std::sync::Arc;

use crate::catalog::{Catalog, ResourceType};

/// The endpoint a path names.
#[derive(Debug)]
pub enum Route {
    /// `/version`
    Version,
    /// `/healthz`, `/livez`, `/readyz`
    Health,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: every other group.
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`: the resources of one version.
    Resources { group: String, version: String },
    /// An object or a collection of objects.
    Object(Target),
    /// Anything else.
    Unknown,
}

/// An object or collection addressed by a resource path.
#[derive(Debug)]
pub struct Target {
    pub resource: Arc<ResourceType>,
    /// The namespace in the path, if any.
    pub namespace: Option<String>,
    /// The object name; `None` addresses the collection.
    pub name: Option<String>,
    /// `true` for `/status`.
    pub status: bool,
}

impl Target {
    /// The path kind under which requests are counted.
    pub fn path_kind(&self) -> String {
        let qualified = self.resource.qualified();
        if self.status {
            format!("{qualified}/status")
        } else {
            qualified
        }
    }
}

/// Finds the endpoint for a URL path.
pub fn route(catalog: &Catalog, path: &str) -> Route {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["apis", group] => Route::Group((*group).to_owned()),
        ["api", version] => resources("", version),
        ["apis", group, version] => resources(group, version),
        ["api", version, rest @ ..] => object(catalog, "", version, rest),
        ["apis", group, version, rest @ ..] => object(catalog, group, version, rest),
        _ => Route::Unknown,
    }
}

fn resources(group: &str, version: &str) -> Route {
    Route::Resources {
        group: group.to_owned(),
        version: version.to_owned(),
    }
}

fn object(catalog: &Catalog, group: &str, version: &str, rest: &[&str]) -> Route {
    let namespaced = match rest {
        ["namespaces", namespace, plural, tail @ ..] => catalog
            .find(group, version, plural)
            .filter(|resource| resource.namespaced)
            .map(|resource| (resource, Some((*namespace).to_owned()), tail)),
        _ => None,
    };
    let found = namespaced.or_else(|| match rest {
        [plural, tail @ ..] => catalog
            .find(group, version, plural)
            .map(|r| (r, None, tail)),
        [] => None,
    });
    let Some((resource, namespace, tail)) = found else {
        return Route::Unknown;
    };
    let (name, status) = match tail {
        [] => (None, false),
        [name] => (Some((*name).to_owned()), false),
        [name, "status"] if resource.status_subresource => (Some((*name).to_owned()), true),
        _ => return Route::Unknown,
    };
    // A namespaced object must be named with its namespace; only lists may
    // span namespaces.
    if resource.namespaced && namespace.is_none() && name.is_some() {
        return Route::Unknown;
    }
    Route::Object(Target {
        resource,
        namespace,
        name,
        status,
    })
}

/// The query parameters the verbs read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub field_manager: Option<String>,
    pub force: bool,
    /// `Ignore`, `Warn` (the server default) or `Strict`.
    pub field_validation: Option<String>,
    pub dry_run: bool,
    pub watch: bool,
}

impl Query {
    /// Parses a URL query string; unknown parameters are ignored.
    pub fn parse(query: Option<&str>) -> Self {
        let mut parsed = Self::default();
        let pairs = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty());
        for pair in pairs {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            parsed.set(&decode(key), decode(value));
        }
        parsed
    }

    fn set(&mut self, key: &str, value: String) {
        let flag = |value: &str| matches!(value, "" | "true" | "1");
        match key {
            "labelSelector" => self.label_selector = Some(value),
            "fieldSelector" => self.field_selector = Some(value),
            "fieldManager" => self.field_manager = Some(value),
            "force" => self.force = flag(&value),
            "fieldValidation" => self.field_validation = Some(value),
            "dryRun" => self.dry_run = value == "All",
            "watch" => self.watch = flag(&value),
            _ => {}
        }
    }
}

/// Percent-decodes a query component (`+` is a space, as in forms).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (
            bytes[index],
            hex.and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                index += 1;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Option<Target> {
        match route(&Catalog::new(Vec::new()), path) {
            Route::Object(target) => Some(target),
            _ => None,
        }
    }

    #[test]
    fn namespaced_and_cluster_paths_resolve_to_their_resource() {
        let config_map = target("/api/v1/namespaces/team/configmaps/runner").expect("a target");
        assert_eq!(config_map.resource.kind, "ConfigMap");
        assert_eq!(config_map.namespace.as_deref(), Some("team"));
        assert_eq!(config_map.name.as_deref(), Some("runner"));

        let namespace = target("/api/v1/namespaces/team").expect("a target");
        assert_eq!(
            (namespace.resource.kind.as_str(), namespace.name.as_deref()),
            ("Namespace", Some("team"))
        );

        let all = target("/apis/apps/v1/deployments").expect("a target");
        assert!(all.namespace.is_none() && all.name.is_none());

        let status =
            target("/apis/apps/v1/namespaces/team/deployments/runner/status").expect("a target");
        assert!(status.status);
    }

    #[test]
    fn unknown_resources_and_subresources_have_no_route() {
        assert!(target("/apis/karpenter.sh/v1/nodepools").is_none());
        assert!(target("/api/v1/namespaces/team/configmaps/runner/status").is_none());
        assert!(target("/api/v1/configmaps/runner").is_none());
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let query = Query::parse(Some(
            "labelSelector=app%3Drunner%2Ctier+in+(ci)&force=true&fieldManager=tf",
        ));
        assert_eq!(
            query.label_selector.as_deref(),
            Some("app=runner,tier in (ci)")
        );
        assert!(query.force);
        assert_eq!(query.field_manager.as_deref(), Some("tf"));
    }
}
