//! Expansion: one pool's configuration into its Kubernetes objects. Pure:
//! no API call, so a plan shows every manifest before the cluster exists.
//!
//! The *token digest* stands for the runner token wherever the record
//! needs it: in the Secret's data (the apply path puts the real token in,
//! see [`super::pool_objects`]) and in the Deployment's *config checksum*, a
//! SHA-256 of `config.toml` and the token, so a new token or config rolls
//! the runner pods without the token ever being written out.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::config_toml;
use super::*;
use crate::kinds::kube_object::KubeFields;
use crate::kinds::kube_object::object_id;
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER, render};
use crate::reconcile::Desired;
use crate::resources::cluster::{
    DEFAULT_CAPACITY_TYPE_ANNOTATION, DEFAULT_GPU_ANNOTATION, DEFAULT_INSTANCE_TYPE_ANNOTATION,
    DEFAULT_NODE_CLASS,
};
use crate::resources::field::Field;

/// Label and taint key reserving nodes for one pool; the value is the group.
pub const POOL_LABEL: &str = "ci-platform/runner-pool";
/// NodePool annotation holding the pool's non-secret inputs, read by import.
pub const INPUTS_ANNOTATION: &str = "ci-platform/inputs";
/// Pod template annotation that changes with `config.toml` or the token.
pub const CHECKSUM_ANNOTATION: &str = "ci-platform/config-checksum";
/// Key of the token in the runner Secret.
pub const TOKEN_KEY: &str = "runner-token";
/// Prefix of the digest standing for the token in the Secret's spec.
pub const DIGEST_PREFIX: &str = "sha256:";
/// Inputs that never go into the inputs annotation: secrets and outputs.
const NOT_INPUTS: [&str; 7] = [
    "runner_token",
    "runner_token_wo",
    "runner_token_wo_version",
    "id",
    "node_pool_name",
    "node_label",
    "rendered",
];

/// CPU and memory of job pods, one block of the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobResources {
    pub cpu_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_request: Option<String>,
    pub memory_limit: Option<String>,
}

impl JobResources {
    fn from_field(block: &Field) -> JobResources {
        let text = |name: &str| block.attr(name).str().map(str::to_string);
        JobResources {
            cpu_request: text("cpu_request"),
            cpu_limit: text("cpu_limit"),
            memory_request: text("memory_request"),
            memory_limit: text("memory_limit"),
        }
    }

    /// The values by `config.toml` name.
    pub fn named(&self) -> [(&'static str, Option<&str>); 4] {
        [
            ("cpu_request", self.cpu_request.as_deref()),
            ("cpu_limit", self.cpu_limit.as_deref()),
            ("memory_request", self.memory_request.as_deref()),
            ("memory_limit", self.memory_limit.as_deref()),
        ]
    }
}

/// The `node_pool` block with its defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePoolSpec {
    pub instance_families: Vec<String>,
    pub excluded_sizes: Vec<String>,
    pub architectures: Vec<String>,
    pub capacity_types: Vec<String>,
    pub zones: Vec<String>,
    pub gpu: bool,
    pub cpu_limit: String,
    pub memory_limit: String,
    pub consolidate_after: String,
    pub expire_after: String,
    pub disruption_budget: String,
    pub node_class: String,
    pub weight: Option<i64>,
}

impl NodePoolSpec {
    fn from_field(block: &Field) -> NodePoolSpec {
        let list = |name: &str, default: &[&str]| match block.attr(name).is_null() {
            true => default.iter().map(|s| s.to_string()).collect(),
            false => block
                .attr(name)
                .strings()
                .into_iter()
                .map(str::to_string)
                .collect(),
        };
        let text =
            |name: &str, default: &str| block.attr(name).str().unwrap_or(default).to_string();
        NodePoolSpec {
            instance_families: list("instance_families", DEFAULT_INSTANCE_FAMILIES),
            excluded_sizes: list("excluded_sizes", DEFAULT_EXCLUDED_SIZES),
            architectures: list("architectures", DEFAULT_ARCHITECTURES),
            capacity_types: list("capacity_types", DEFAULT_CAPACITY_TYPES),
            zones: list("zones", &[]),
            gpu: block.attr("gpu").bool().unwrap_or(false),
            cpu_limit: text("cpu_limit", DEFAULT_CPU_LIMIT),
            memory_limit: text("memory_limit", DEFAULT_MEMORY_LIMIT),
            consolidate_after: text("consolidate_after", DEFAULT_CONSOLIDATE_AFTER),
            expire_after: text("expire_after", DEFAULT_EXPIRE_AFTER),
            disruption_budget: text("disruption_budget", DEFAULT_DISRUPTION_BUDGET),
            node_class: text("node_class", DEFAULT_NODE_CLASS),
            weight: block.attr("weight").number().and_then(|n| n.as_i64()),
        }
    }
}

/// One pool's inputs, every one known, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub cluster: String,
    pub group: String,
    pub namespace: String,
    pub gitlab_url: String,
    pub runner_image: String,
    pub concurrent: i64,
    pub poll_timeout: i64,
    pub labels: BTreeMap<String, String>,
    pub allowed_service_accounts: Option<Vec<String>>,
    pub allow_spot: bool,
    pub allow_gpu: bool,
    pub allow_instance_type: bool,
    pub annotation_keys: BTreeMap<String, String>,
    pub job_defaults: JobResources,
    pub job_maximums: JobResources,
    pub node_pool: NodePoolSpec,
    /// The non-secret inputs as JSON, for import.
    pub inputs: String,
}

impl Pool {
    /// Reads the inputs; `None` while any of them is unknown.
    pub fn from_value(config: &Value) -> Option<Pool> {
        let inputs = canonical_inputs(config)?;
        let root = Field::root(&inputs);
        let text = |name: &str| root.attr(name).str().map(str::to_string);
        let flag = |name: &str, default: bool| root.attr(name).bool().unwrap_or(default);
        let whole = |name: &str, default: i64| {
            let number = root.attr(name).number().and_then(|n| n.as_i64());
            number.unwrap_or(default)
        };
        let accounts = root.attr("allowed_service_accounts");
        Some(Pool {
            cluster: text("cluster_name")?,
            group: text("group")?,
            namespace: text("namespace")?,
            gitlab_url: text("gitlab_url")?,
            runner_image: text("runner_image")?,
            concurrent: whole("concurrent", DEFAULT_CONCURRENT),
            poll_timeout: whole("poll_timeout", DEFAULT_POLL_TIMEOUT),
            labels: string_map(&root.attr("labels")),
            allowed_service_accounts: (!accounts.is_null())
                .then(|| accounts.strings().into_iter().map(str::to_string).collect()),
            allow_spot: flag("allow_spot", true),
            allow_gpu: flag("allow_gpu", false),
            allow_instance_type: flag("allow_instance_type", false),
            annotation_keys: string_map(&root.attr("annotation_keys")),
            job_defaults: JobResources::from_field(&root.attr("job_defaults")),
            job_maximums: JobResources::from_field(&root.attr("job_maximums")),
            node_pool: NodePoolSpec::from_field(&root.attr("node_pool")),
            inputs: inputs_json(&inputs)?,
        })
    }

    /// The resource id and import id: `<cluster>/<group>`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.cluster, self.group)
    }

    pub fn node_pool_name(&self) -> String {
        node_pool_name(&self.group)
    }

    /// `key=value` of the pool's node label and taint.
    pub fn node_label(&self) -> String {
        node_label(&self.group)
    }

    /// Name shared by the runner manager's objects.
    pub fn manager_name(&self) -> String {
        fit_name(&format!("gitlab-runner-{}", self.group), 63)
    }

    /// The annotation keys jobs may set, by the enabled switches.
    pub fn allowed_annotation_keys(&self) -> Vec<String> {
        let key = |purpose: &str, default: &str| {
            let configured = self.annotation_keys.get(purpose);
            configured.map_or(default, String::as_str).to_string()
        };
        let mut keys = Vec::new();
        if self.allow_spot {
            keys.push(key("capacity_type", DEFAULT_CAPACITY_TYPE_ANNOTATION));
        }
        if self.allow_gpu {
            keys.push(key("gpu", DEFAULT_GPU_ANNOTATION));
        }
        if self.allow_instance_type {
            keys.push(key("instance_type", DEFAULT_INSTANCE_TYPE_ANNOTATION));
        }
        keys
    }
}

pub fn node_pool_name(group: &str) -> String {
    fit_name(&format!("ci-{group}"), 63)
}

pub fn node_label(group: &str) -> String {
    format!("{POOL_LABEL}={group}")
}

/// `config` with defaults filled, secrets and outputs null; `None` while
/// an input is unknown.
fn canonical_inputs(config: &Value) -> Option<Value> {
    let Value::Object(attributes) = config else {
        return None;
    };
    let mut attributes = attributes.clone();
    for name in NOT_INPUTS {
        attributes.insert(name.to_string(), Value::Null);
    }
    if !attributes.values().all(Value::is_wholly_known) {
        return None;
    }
    let group = attributes.get("group")?.as_str()?.to_string();
    let mut fill = |name: &str, default: String| {
        let slot = attributes.entry(name.to_string()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = Value::string(default);
        }
    };
    fill("namespace", default_namespace(&group));
    fill("runner_image", DEFAULT_RUNNER_IMAGE.to_string());
    Some(Value::Object(attributes))
}

fn inputs_json(inputs: &Value) -> Option<String> {
    let ty = super::schema::schema().block.value_type();
    let bytes = crate::value::json::encode(inputs, &ty).ok()?;
    String::from_utf8(bytes).ok()
}

fn string_map(field: &Field) -> BTreeMap<String, String> {
    let entries = field.entries().unwrap_or_default();
    entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.str()?.to_string())))
        .collect()
}

/// `sha256:<hex>` of `parts`, each followed by a NUL so that parts cannot
/// run into each other.
pub fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{DIGEST_PREFIX}{hex}")
}

/// The sub-objects of `pool`; `token` is `None` when unknown (import),
/// which leaves placeholders a read replaces with what it observes.
pub fn expand(pool: &Pool, token: Option<&str>) -> Vec<Desired> {
    let config = config_toml::render(pool);
    let token_digest = digest(&[token.unwrap_or("")]);
    let checksum = digest(&[&config, token.unwrap_or("")]);
    let namespace = namespace(pool);
    let namespace_id = object_id(&pool.cluster, &namespace);
    let manifests = [
        service_account(pool),
        role(pool),
        role_binding(pool),
        secret(pool, &token_digest),
        config_map(pool, &config),
        deployment(pool, &checksum),
        node_pool(pool),
    ];
    let mut objects = vec![desired(pool, namespace)];
    objects.extend(
        manifests
            .into_iter()
            .map(|manifest| desired(pool, manifest).after(&namespace_id)),
    );
    objects
}

fn desired(pool: &Pool, manifest: Json) -> Desired {
    let id = object_id(&pool.cluster, &manifest);
    Desired::new(id, render(&KubeFields::of(&pool.cluster, manifest)))
}

/// Metadata every object carries: ownership marks and the user's labels.
fn metadata(pool: &Pool, name: &str, namespaced: bool) -> Json {
    let mut labels: serde_json::Map<String, Json> = pool
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    labels.insert(MANAGED_BY.to_string(), json!(MANAGED_BY_VALUE));
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        json!("terraform-provider-ci"),
    );
    labels.insert(POOL_LABEL.to_string(), json!(pool.group));
    let mut metadata = json!({
        "name": name,
        "labels": labels,
        "annotations": { OWNER: pool.id() },
    });
    if namespaced {
        metadata["namespace"] = json!(pool.namespace);
    }
    metadata
}

fn namespace(pool: &Pool) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata(pool, &pool.namespace, false),
    })
}

fn service_account(pool: &Pool) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(pool, &pool.manager_name(), true),
    })
}

/// What the Kubernetes executor does with the API, as GitLab Runner's
/// documentation lists it: run job pods, exec and attach into them, read
/// their logs, and keep per-job secrets, config maps and services.
fn role(pool: &Pool) -> Json {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(pool, &pool.manager_name(), true),
        "rules": [
            rule(&["pods"], &["create", "delete", "get", "list", "watch"]),
            rule(&["pods/attach", "pods/exec"], &["create", "delete", "get", "patch"]),
            rule(&["pods/log"], &["get", "list"]),
            rule(&["secrets", "configmaps"], &["create", "delete", "get", "update"]),
            rule(&["services"], &["create", "get"]),
            rule(&["serviceaccounts"], &["get"]),
            rule(&["events"], &["list", "watch"]),
        ],
    })
}

/// One rule of the core API group.
fn rule(resources: &[&str], verbs: &[&str]) -> Json {
    json!({ "apiGroups": [""], "resources": resources, "verbs": verbs })
}

fn role_binding(pool: &Pool) -> Json {
    let name = pool.manager_name();
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(pool, &name, true),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": name,
        },
        "subjects": [{
            "kind": "ServiceAccount",
            "name": name,
            "namespace": pool.namespace,
        }],
    })
}

/// The token Secret with the token's digest in place of its value.
fn secret(pool: &Pool, token_digest: &str) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(pool, &pool.manager_name(), true),
        "type": "Opaque",
        "data": { TOKEN_KEY: token_digest },
    })
}

fn config_map(pool: &Pool, config: &str) -> Json {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(pool, &pool.manager_name(), true),
        "data": { "config.toml": config },
    })
}

/// Copies the template with the token in, then runs the runner. `awk`
/// reads the token from its environment, so it is in no process's
/// arguments. GitLab tokens (`glrt-` and letters, digits, `_`, `-`) hold
/// none of the characters `gsub` treats specially in a replacement.
const START: &str = "awk -v p=__RUNNER_TOKEN__ '{ gsub(p, ENVIRON[\"RUNNER_TOKEN\"]) } 1' \
     /config-template/config.toml > /etc/gitlab-runner/config.toml \
     && exec gitlab-runner run --config /etc/gitlab-runner/config.toml";

fn deployment(pool: &Pool, checksum: &str) -> Json {
    let name = pool.manager_name();
    let selector = json!({
        "app.kubernetes.io/name": "gitlab-runner",
        "app.kubernetes.io/instance": name,
    });
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(pool, &name, true),
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": selector },
            "template": {
                "metadata": {
                    "labels": selector,
                    "annotations": { CHECKSUM_ANNOTATION: checksum },
                },
                "spec": runner_pod(pool, &name),
            },
        },
    })
}

fn runner_pod(pool: &Pool, name: &str) -> Json {
    json!({
        "serviceAccountName": name,
        "containers": [{
            "name": "gitlab-runner",
            "image": pool.runner_image,
            "command": ["/bin/sh", "-c", START],
            "env": [{
                "name": "RUNNER_TOKEN",
                "valueFrom": { "secretKeyRef": { "name": name, "key": TOKEN_KEY } },
            }],
            "volumeMounts": [
                { "name": "config-template", "mountPath": "/config-template" },
                { "name": "config", "mountPath": "/etc/gitlab-runner" },
            ],
        }],
        "volumes": [
            { "name": "config-template", "configMap": { "name": name } },
            { "name": "config", "emptyDir": { "medium": "Memory" } },
        ],
    })
}

fn node_pool(pool: &Pool) -> Json {
    let spec = &pool.node_pool;
    let mut manifest = json!({
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": metadata(pool, &pool.node_pool_name(), false),
        "spec": {
            "template": {
                "metadata": { "labels": { POOL_LABEL: pool.group } },
                "spec": {
                    "nodeClassRef": {
                        "group": "karpenter.k8s.aws",
                        "kind": "EC2NodeClass",
                        "name": spec.node_class,
                    },
                    "requirements": requirements(spec),
                    "taints": [{ "key": POOL_LABEL, "value": pool.group, "effect": "NoSchedule" }],
                    "expireAfter": spec.expire_after,
                },
            },
            "limits": { "cpu": spec.cpu_limit, "memory": spec.memory_limit },
            "disruption": {
                "consolidationPolicy": "WhenEmpty",
                "consolidateAfter": spec.consolidate_after,
                "budgets": [{ "nodes": spec.disruption_budget }],
            },
        },
    });
    manifest["metadata"]["annotations"][INPUTS_ANNOTATION] = json!(pool.inputs);
    if let Some(weight) = spec.weight {
        manifest["spec"]["weight"] = json!(weight);
    }
    manifest
}

fn requirement(key: &str, operator: &str, values: &[String]) -> Json {
    json!({ "key": key, "operator": operator, "values": values })
}

fn requirements(spec: &NodePoolSpec) -> Vec<Json> {
    let mut requirements = vec![
        requirement(
            "karpenter.k8s.aws/instance-family",
            "In",
            &spec.instance_families,
        ),
        requirement("kubernetes.io/arch", "In", &spec.architectures),
        requirement("kubernetes.io/os", "In", &["linux".to_string()]),
        requirement("karpenter.sh/capacity-type", "In", &spec.capacity_types),
    ];
    if !spec.excluded_sizes.is_empty() {
        requirements.push(requirement(
            "karpenter.k8s.aws/instance-size",
            "NotIn",
            &spec.excluded_sizes,
        ));
    }
    if !spec.zones.is_empty() {
        requirements.push(requirement(
            "topology.kubernetes.io/zone",
            "In",
            &spec.zones,
        ));
    }
    if !spec.gpu {
        // Without GPUs allowed, a GPU family named by mistake still never
        // launches: Karpenter knows each type's GPU count.
        requirements.push(json!({
            "key": "karpenter.k8s.aws/instance-gpu-count",
            "operator": "DoesNotExist",
        }));
    }
    requirements
}
