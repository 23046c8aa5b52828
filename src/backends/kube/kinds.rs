//! The kind table: every kind the provider manages, with its REST path.
//!
//! A real client would find the plural and scope of a kind through API
//! discovery, at the cost of one or more calls per cluster. The provider
//! manages a fixed set of kinds, so a static table answers instead and every
//! operation stays one HTTP call.
//!
//! A **custom kind** is one served through a CRD that a controller installs
//! (Karpenter, Kyverno); applying it fails with `CrdMissing` when the CRD is
//! not there.

/// One managed kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// `v1` for the core group, else `group/version`.
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The lower-case plural used in URLs, e.g. `nodepools`.
    pub plural: &'static str,
    pub namespaced: bool,
    /// For custom kinds, the controller whose installation adds the CRD.
    pub controller: Option<&'static str>,
}

const fn built_in(api_version: &'static str, kind: &'static str, plural: &'static str) -> KindInfo {
    KindInfo {
        api_version,
        kind,
        plural,
        namespaced: true,
        controller: None,
    }
}

const fn cluster_wide(info: KindInfo) -> KindInfo {
    KindInfo {
        namespaced: false,
        ..info
    }
}

const fn custom(info: KindInfo, controller: &'static str) -> KindInfo {
    KindInfo {
        controller: Some(controller),
        ..info
    }
}

const RBAC: &str = "rbac.authorization.k8s.io/v1";
const KARPENTER: &str = "Karpenter";
const KYVERNO: &str = "Kyverno";

/// The kinds the provider manages.
pub const KINDS: [KindInfo; 12] = [
    cluster_wide(built_in("v1", "Namespace", "namespaces")),
    built_in("v1", "ServiceAccount", "serviceaccounts"),
    built_in("v1", "Secret", "secrets"),
    built_in("v1", "ConfigMap", "configmaps"),
    built_in(RBAC, "Role", "roles"),
    built_in(RBAC, "RoleBinding", "rolebindings"),
    built_in("apps/v1", "Deployment", "deployments"),
    custom(
        cluster_wide(built_in("karpenter.sh/v1", "NodePool", "nodepools")),
        KARPENTER,
    ),
    custom(
        cluster_wide(built_in(
            "karpenter.k8s.aws/v1",
            "EC2NodeClass",
            "ec2nodeclasses",
        )),
        KARPENTER,
    ),
    custom(
        cluster_wide(built_in(
            "kyverno.io/v1",
            "ClusterPolicy",
            "clusterpolicies",
        )),
        KYVERNO,
    ),
    custom(built_in("kyverno.io/v1", "Policy", "policies"), KYVERNO),
    cluster_wide(built_in(
        CRD_API_VERSION,
        "CustomResourceDefinition",
        "customresourcedefinitions",
    )),
];

/// The `apiVersion` of `CustomResourceDefinition`.
pub const CRD_API_VERSION: &str = "apiextensions.k8s.io/v1";

/// The table entry for a kind, if the provider manages it.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS
        .iter()
        .find(|info| info.api_version == api_version && info.kind == kind)
}

impl KindInfo {
    /// The API group, empty for the core group.
    pub fn group(&self) -> &'static str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// The name of the CRD that serves a custom kind, e.g.
    /// `nodepools.karpenter.sh`.
    pub fn crd_name(&self) -> Option<String> {
        self.controller
            .map(|_| format!("{}.{}", self.plural, self.group()))
    }

    /// The URL path of the kind's objects in `namespace`, e.g.
    /// `/apis/apps/v1/namespaces/ci/deployments`.
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let root = match self.group() {
            "" => format!("/api/{}", self.api_version),
            _ => format!("/apis/{}", self.api_version),
        };
        match namespace.filter(|_| self.namespaced) {
            Some(namespace) => format!("{root}/namespaces/{namespace}/{}", self.plural),
            None => format!("{root}/{}", self.plural),
        }
    }
}

/// The controller whose installation adds the CRD `crd`, for error
/// messages: `Karpenter`, `Kyverno`, or the CRD's group.
pub fn controller_of(crd: &str) -> &str {
    let custom = KINDS
        .iter()
        .find(|info| info.crd_name().as_deref() == Some(crd));
    let group = crd.split_once('.').map_or(crd, |(_, group)| group);
    custom.and_then(|info| info.controller).unwrap_or(group)
}

/// The managed kinds as a list for error messages.
pub(super) fn supported() -> String {
    let names: Vec<String> = KINDS
        .iter()
        .map(|info| format!("{} {}", info.api_version, info.kind))
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_kinds_name_their_crd_and_controller() {
        let cases = [
            (
                "karpenter.sh/v1",
                "NodePool",
                "nodepools.karpenter.sh",
                "Karpenter",
            ),
            (
                "karpenter.k8s.aws/v1",
                "EC2NodeClass",
                "ec2nodeclasses.karpenter.k8s.aws",
                "Karpenter",
            ),
            (
                "kyverno.io/v1",
                "ClusterPolicy",
                "clusterpolicies.kyverno.io",
                "Kyverno",
            ),
            ("kyverno.io/v1", "Policy", "policies.kyverno.io", "Kyverno"),
        ];
        for (api_version, kind, crd, controller) in cases {
            let info = lookup(api_version, kind).expect("a managed kind");
            assert_eq!(info.crd_name().as_deref(), Some(crd));
            assert_eq!(controller_of(crd), controller);
        }
    }

    #[test]
    fn built_in_kinds_have_no_crd() {
        for info in KINDS.iter().filter(|info| info.controller.is_none()) {
            assert_eq!(info.crd_name(), None, "{}", info.kind);
        }
    }

    #[test]
    fn collection_paths_follow_group_and_scope() {
        let cases = [
            ("v1", "Namespace", Some("ignored"), "/api/v1/namespaces"),
            (
                "v1",
                "ConfigMap",
                Some("ci"),
                "/api/v1/namespaces/ci/configmaps",
            ),
            (
                RBAC,
                "Role",
                Some("ci"),
                "/apis/rbac.authorization.k8s.io/v1/namespaces/ci/roles",
            ),
            (
                "kyverno.io/v1",
                "Policy",
                Some("ci"),
                "/apis/kyverno.io/v1/namespaces/ci/policies",
            ),
            (
                CRD_API_VERSION,
                "CustomResourceDefinition",
                None,
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            ),
        ];
        for (api_version, kind, namespace, expected) in cases {
            let info = lookup(api_version, kind).expect("a managed kind");
            assert_eq!(info.collection_path(namespace), expected);
        }
    }

    #[test]
    fn unknown_kinds_and_versions_are_not_found() {
        assert_eq!(lookup("v1", "Pod"), None);
        assert_eq!(lookup("karpenter.sh/v1beta1", "NodePool"), None);
    }
}
