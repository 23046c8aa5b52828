//! The Kyverno `ClusterPolicy` objects that adjust CI job pods.
//!
//! A *job pod* is a pod GitLab Runner creates for one CI job. Runner pools
//! mark them in two ways this module relies on: each pool's namespace
//! carries the label [`POOL_LABEL`], and its `config.toml` gives every job
//! pod the node selector `POOL_LABEL: <group>` (with the toleration of the
//! pool's NodePool taint). The runner manager's own pod lives in the same
//! namespace but has no such node selector, so a policy acts on a pod only
//! when both hold.
//!
//! A *job policy* is one `ClusterPolicy` with the rules of one *switch* of
//! the `job_policies` block. Jobs ask for capacity with pod annotations
//! (`KUBERNETES_POD_ANNOTATIONS_*`), whose keys are configurable:
//!
//! - `ci-jobs-spot-by-annotation`: the capacity annotation `spot` or
//!   `on-demand` sets the node selector [`CAPACITY_TYPE_LABEL`]; `spot` also
//!   adds the toleration of [`SPOT_TAINT`].
//! - `ci-jobs-zone-spread`: every job pod is labelled with its pool and
//!   spread across zones, `maxSkew: 1`, `ScheduleAnyway`.
//! - `ci-jobs-do-not-disrupt`: every job pod is annotated [`DO_NOT_DISRUPT`],
//!   so consolidation never stops a running job.
//! - `ci-jobs-gpu`: the GPU annotation `true` adds the [`GPU_TAINT_KEY`]
//!   toleration and a node selector for NVIDIA GPU instances.
//! - `ci-jobs-pinned-instance-type`: the instance type annotation, whatever
//!   its value, becomes the node selector [`INSTANCE_TYPE_LABEL`].
//!
//! Every policy acts at admission on pod creation only: a pod's node
//! selector, tolerations and spread constraints cannot change after it is
//! created, so there is nothing for a background scan or an update to do.

use serde_json::{Value as Json, json};

use super::node_class::metadata;
use super::{
    DEFAULT_CAPACITY_TYPE_ANNOTATION, DEFAULT_GPU_ANNOTATION, DEFAULT_INSTANCE_TYPE_ANNOTATION,
};

pub use crate::resources::runner_pool::POOL_LABEL;
/// Karpenter's well-known node label for spot or on-demand capacity.
pub const CAPACITY_TYPE_LABEL: &str = "karpenter.sh/capacity-type";
/// The taint a spot-only NodePool may carry: `key=value:NoSchedule`. A
/// NodePool mixing capacity types cannot taint only its spot nodes, so the
/// toleration matters only where a NodePool is spot-only and tainted.
pub const SPOT_TAINT: (&str, &str) = (CAPACITY_TYPE_LABEL, "spot");
/// Key of the taint GPU nodes carry (any value), as NVIDIA's tooling uses.
pub const GPU_TAINT_KEY: &str = "nvidia.com/gpu";
/// Karpenter's node label naming the GPU maker of an instance type.
pub const GPU_NODE_LABEL: &str = "karpenter.k8s.aws/instance-gpu-manufacturer";
pub const GPU_NODE_VALUE: &str = "nvidia";
/// The GPU annotation's value that asks for a GPU.
pub const GPU_ANNOTATION_VALUE: &str = "true";
pub const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Pod annotation that keeps Karpenter from disrupting the pod's node.
pub const DO_NOT_DISRUPT: &str = "karpenter.sh/do-not-disrupt";

pub const SPOT_POLICY: &str = "ci-jobs-spot-by-annotation";
pub const ZONE_SPREAD_POLICY: &str = "ci-jobs-zone-spread";
pub const DO_NOT_DISRUPT_POLICY: &str = "ci-jobs-do-not-disrupt";
pub const GPU_POLICY: &str = "ci-jobs-gpu";
pub const PINNED_POLICY: &str = "ci-jobs-pinned-instance-type";

/// The `job_policies` block with its defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPolicies {
    pub spot_by_annotation: bool,
    pub zone_spread: bool,
    pub do_not_disrupt: bool,
    pub gpu: bool,
    pub pinned_instance_type: bool,
    pub capacity_type_annotation: String,
    pub gpu_annotation: String,
    pub instance_type_annotation: String,
}

impl Default for JobPolicies {
    fn default() -> JobPolicies {
        JobPolicies {
            spot_by_annotation: true,
            zone_spread: true,
            do_not_disrupt: true,
            gpu: true,
            pinned_instance_type: true,
            capacity_type_annotation: DEFAULT_CAPACITY_TYPE_ANNOTATION.to_string(),
            gpu_annotation: DEFAULT_GPU_ANNOTATION.to_string(),
            instance_type_annotation: DEFAULT_INSTANCE_TYPE_ANNOTATION.to_string(),
        }
    }
}

/// One `kyverno.io/v1` `ClusterPolicy` per enabled switch, sorted by name.
pub fn manifests(owner: &str, policies: &JobPolicies) -> Vec<Json> {
    let mut enabled = enabled_rules(policies);
    enabled.sort_by_key(|(name, _)| *name);
    enabled
        .into_iter()
        .map(|(name, rules)| cluster_policy(owner, name, rules))
        .collect()
}

/// The rules of each switched-on policy, by policy name.
fn enabled_rules(policies: &JobPolicies) -> Vec<(&'static str, Vec<Json>)> {
    let mut enabled = Vec::new();
    if policies.spot_by_annotation {
        enabled.push((SPOT_POLICY, spot_rules(policies)));
    }
    if policies.zone_spread {
        enabled.push((ZONE_SPREAD_POLICY, vec![zone_spread_rule()]));
    }
    if policies.do_not_disrupt {
        enabled.push((DO_NOT_DISRUPT_POLICY, vec![do_not_disrupt_rule()]));
    }
    if policies.gpu {
        enabled.push((GPU_POLICY, vec![gpu_rule(policies)]));
    }
    if policies.pinned_instance_type {
        enabled.push((PINNED_POLICY, vec![pinned_rule(policies)]));
    }
    enabled
}

/// The policy around `rules`.
///
/// `failurePolicy: Ignore` (under `webhookConfiguration`; the spec-level
/// field is deprecated): Kyverno registers one pod webhook for all its
/// policies of a failure policy, so `Fail` would turn a Kyverno outage into
/// no pod starting anywhere, runner managers and Karpenter included. With
/// `Ignore` a job created during an outage merely runs without its hints.
/// `validationFailureAction` is left out: it governs validate rules only,
/// and these policies only mutate.
fn cluster_policy(owner: &str, name: &str, rules: Vec<Json>) -> Json {
    let mut metadata = metadata(owner, name);
    // Job pods are created bare, never through a controller, so Kyverno's
    // rules for Deployments, Jobs and the like would only add noise.
    metadata["annotations"]["pod-policies.kyverno.io/autogen-controllers"] = json!("none");
    json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": metadata,
        "spec": {
            "background": false,
            "webhookConfiguration": { "failurePolicy": "Ignore" },
            "rules": rules,
        },
    })
}

/// A rule acting on job pods at creation, only those annotated with
/// `annotation` when given (`?*` is Kyverno's "any non-empty value").
fn job_pod_rule(name: &str, annotation: Option<(&str, &str)>, mutate: Json) -> Json {
    let mut resources = json!({
        "kinds": ["Pod"],
        "operations": ["CREATE"],
        "namespaceSelector": {
            "matchExpressions": [{ "key": POOL_LABEL, "operator": "Exists" }],
        },
    });
    if let Some((key, value)) = annotation {
        resources["annotations"] = json!({ key: value });
    }
    json!({
        "name": name,
        "match": { "any": [{ "resources": resources }] },
        "preconditions": { "all": [job_pod_condition()] },
        "mutate": mutate,
    })
}

/// The pod has the pool node selector a runner pool gives its jobs.
fn job_pod_condition() -> Json {
    json!({
        "key": variable_or_empty(&["spec", "nodeSelector", POOL_LABEL]),
        "operator": "NotEquals",
        "value": "",
    })
}

fn spot_rules(policies: &JobPolicies) -> Vec<Json> {
    let key = policies.capacity_type_annotation.as_str();
    let (taint_key, taint_value) = SPOT_TAINT;
    let spot = json_patch(&[
        add(
            &["spec", "nodeSelector", CAPACITY_TYPE_LABEL],
            json!("spot"),
        ),
        add_toleration(json!({
            "key": taint_key,
            "operator": "Equal",
            "value": taint_value,
            "effect": "NoSchedule",
        })),
    ]);
    let on_demand = strategic_merge(json!({
        "spec": { "nodeSelector": { CAPACITY_TYPE_LABEL: "on-demand" } },
    }));
    vec![
        job_pod_rule("spot", Some((key, "spot")), spot),
        job_pod_rule("on-demand", Some((key, "on-demand")), on_demand),
    ]
}

/// The scheduler counts only pods its label selector matches, so the rule
/// labels each job pod with its pool and spreads the pool's pods.
fn zone_spread_rule() -> Json {
    let pool = variable(&["spec", "nodeSelector", POOL_LABEL]);
    let patch = json!({
        "metadata": { "labels": { POOL_LABEL: pool } },
        "spec": {
            "topologySpreadConstraints": [{
                "maxSkew": 1,
                "topologyKey": ZONE_LABEL,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": { "matchLabels": { POOL_LABEL: pool } },
            }],
        },
    });
    job_pod_rule("zone-spread", None, strategic_merge(patch))
}

fn do_not_disrupt_rule() -> Json {
    let patch = json!({ "metadata": { "annotations": { DO_NOT_DISRUPT: "true" } } });
    job_pod_rule("do-not-disrupt", None, strategic_merge(patch))
}

fn gpu_rule(policies: &JobPolicies) -> Json {
    let annotation = (policies.gpu_annotation.as_str(), GPU_ANNOTATION_VALUE);
    let patch = json_patch(&[
        add(
            &["spec", "nodeSelector", GPU_NODE_LABEL],
            json!(GPU_NODE_VALUE),
        ),
        add_toleration(json!({
            "key": GPU_TAINT_KEY,
            "operator": "Exists",
            "effect": "NoSchedule",
        })),
    ]);
    job_pod_rule("gpu", Some(annotation), patch)
}

/// A strategic merge patch, not a JSON patch: Kyverno substitutes variables
/// into a JSON patch as text before parsing it, so an annotation value with
/// a quote could rewrite the patch; here the value stays one string.
fn pinned_rule(policies: &JobPolicies) -> Json {
    let key = policies.instance_type_annotation.as_str();
    let instance_type = variable(&["metadata", "annotations", key]);
    let patch = json!({ "spec": { "nodeSelector": { INSTANCE_TYPE_LABEL: instance_type } } });
    job_pod_rule(
        "pinned-instance-type",
        Some((key, "?*")),
        strategic_merge(patch),
    )
}

fn strategic_merge(patch: Json) -> Json {
    json!({ "patchStrategicMerge": patch })
}

/// A JSON patch (RFC 6902) as the text Kyverno takes. Used where a
/// toleration is added: a pod's `tolerations` has no merge key, so a
/// strategic merge patch would replace the list and drop the pool's own
/// toleration. The paths exist on every job pod: its node selector holds
/// the pool key (the rule's precondition) and its tolerations the pool's.
fn json_patch(operations: &[Json]) -> Json {
    json!({ "patchesJson6902": Json::Array(operations.to_vec()).to_string() })
}

fn add(path: &[&str], value: Json) -> Json {
    json!({ "op": "add", "path": pointer(path), "value": value })
}

fn add_toleration(toleration: Json) -> Json {
    json!({ "op": "add", "path": "/spec/tolerations/-", "value": toleration })
}

/// A JSON pointer (RFC 6901) to `path` in the pod.
fn pointer(path: &[&str]) -> String {
    path.iter()
        .map(|segment| format!("/{}", segment.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// A Kyverno variable for `path` in the admitted pod.
fn variable(path: &[&str]) -> String {
    format!("{{{{ {} }}}}", jmespath(path))
}

/// Like [`variable`], but the empty string where the pod has no such field.
fn variable_or_empty(path: &[&str]) -> String {
    format!("{{{{ {} || '' }}}}", jmespath(path))
}

/// `request.object.<path>`, each segment a JMESPath quoted identifier when
/// it is more than letters, digits and `_` (label keys have `/` and `.`).
fn jmespath(path: &[&str]) -> String {
    let mut expression = String::from("request.object");
    for segment in path {
        let bare = segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
        let bare = bare && !segment.starts_with(|c: char| c.is_ascii_digit());
        expression.push('.');
        if bare {
            expression.push_str(segment);
        } else {
            expression.push_str(&Json::from(*segment).to_string());
        }
    }
    expression
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(
            pointer(&["spec", "nodeSelector", "karpenter.sh/capacity-type"]),
            "/spec/nodeSelector/karpenter.sh~1capacity-type"
        );
        assert_eq!(pointer(&["a~b"]), "/a~0b");
    }

    #[test]
    fn label_keys_become_quoted_identifiers() {
        assert_eq!(
            variable(&["metadata", "annotations", "k8s.gitlab.runner/gpu"]),
            "{{ request.object.metadata.annotations.\"k8s.gitlab.runner/gpu\" }}"
        );
        assert_eq!(
            variable_or_empty(&["spec", "nodeSelector"]),
            "{{ request.object.spec.nodeSelector || '' }}"
        );
    }
}
