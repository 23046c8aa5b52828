//! Starting a stand-in and talking to it.

use std::path::PathBuf;
use std::sync::OnceLock;

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PatchParams};
use kube::core::Status;
use kube::{Client, Config};
use kube_standin::crd::{self, Crd};
use kube_standin::{Options, RunningServer};
use serde_json::{Value, json};

/// The field manager the tests apply with, as the provider would.
pub const MANAGER: &str = "terraform-provider-ci";

/// A running stand-in and a client for it.
pub struct StandIn {
    /// Held for its lifetime: dropping it stops the server.
    pub _server: RunningServer,
    pub client: Client,
}

/// The real CRDs shared by the project: `$CI_SHARED_DIR/crds`, else the
/// `shared/crds` folder beside the repository, as the acceptance harness
/// finds them.
pub fn crd_dir() -> PathBuf {
    let shared = match std::env::var_os("CI_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    shared.join("crds")
}

/// The shared CRDs, parsed once for all tests of this binary.
fn shared_crds() -> &'static [Crd] {
    static CRDS: OnceLock<Vec<Crd>> = OnceLock::new();
    CRDS.get_or_init(|| crd::load_dir(&crd_dir(), &[]).expect("the shared CRDs load"))
}

/// Starts a stand-in with every shared CRD but those named in `without`.
pub async fn start_without(without: &[&str]) -> StandIn {
    let mut crds = shared_crds().to_vec();
    let without: Vec<String> = without.iter().map(|name| (*name).to_owned()).collect();
    crd::exclude(&mut crds, &without).expect("the CRDs to leave out exist");
    let listen = Options::default().listen;
    let server = kube_standin::start_with(listen, crds)
        .await
        .expect("the stand-in starts");
    let client = client_for(&server.url());
    StandIn {
        _server: server,
        client,
    }
}

/// Starts a stand-in with every shared CRD.
pub async fn start() -> StandIn {
    start_without(&[]).await
}

/// A kube-rs client whose cluster URL is `url`.
pub fn client_for(url: &str) -> Client {
    let config = Config::new(url.parse().expect("a valid URL"));
    Client::try_from(config).expect("a client")
}

/// The `Status` of a failed call; panics if the call did not fail with one.
pub fn api_status<T: std::fmt::Debug>(result: Result<T, kube::Error>) -> Box<Status> {
    match result {
        Err(kube::Error::Api(status)) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A dynamic API for a custom kind, cluster-wide.
pub fn custom_api(
    client: &Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
) -> Api<DynamicObject> {
    let resource = custom_resource(group, version, kind, plural);
    Api::all_with(client.clone(), &resource)
}

/// The `ApiResource` of a custom kind.
pub fn custom_resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

/// Karpenter `NodePool`s (cluster-scoped).
pub fn node_pools(client: &Client) -> Api<DynamicObject> {
    custom_api(client, "karpenter.sh", "v1", "NodePool", "nodepools")
}

/// Karpenter `EC2NodeClass`es (cluster-scoped).
pub fn node_classes(client: &Client) -> Api<DynamicObject> {
    custom_api(
        client,
        "karpenter.k8s.aws",
        "v1",
        "EC2NodeClass",
        "ec2nodeclasses",
    )
}

/// Server-side apply as the provider does it: its own manager, forced.
pub fn apply_params() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

/// Decodes a JSON manifest into a dynamic object.
pub fn dynamic(manifest: Value) -> DynamicObject {
    serde_json::from_value(manifest).expect("a valid object")
}

/// A NodePool that satisfies the CRD schema: a node class reference,
/// requirements, limits and disruption settings.
pub fn valid_node_pool(name: &str) -> Value {
    json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name, "labels": {"ci.example.com/pool": name}},
        "spec": {
            "template": {
                "metadata": {"labels": {"ci.example.com/pool": name}},
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                    "requirements": [
                        {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot", "on-demand"]},
                        {"key": "karpenter.k8s.aws/instance-family", "operator": "In",
                         "values": ["c5", "c5a", "c6i", "c6a", "m5", "m5a"]},
                        {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                    ],
                    "taints": [{"key": "ci.example.com/pool", "value": name, "effect": "NoSchedule"}],
                },
            },
            "limits": {"cpu": "1000", "memory": "1000Gi"},
            "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"},
        },
    })
}

/// An EC2NodeClass that satisfies the CRD schema.
pub fn valid_node_class(name: &str) -> Value {
    json!({
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": {"name": name},
        "spec": {
            "amiSelectorTerms": [{"alias": "al2023@latest"}],
            "role": "ci-karpenter-node",
            "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": "ci"}}],
            "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": "ci"}}],
        },
    })
}
