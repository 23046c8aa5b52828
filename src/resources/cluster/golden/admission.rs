//! The job policies at work on a runner pool's job pods.
//!
//! *Admission* here is a small stand-in for Kyverno: it matches, checks
//! preconditions and applies the mutations of the job policies to a pod, and
//! knows only the constructs those policies use. The pods and NodePools
//! come from a real runner pool's plan (its namespace labels, its
//! `config.toml` node selector and tolerations, its runner manager), so the
//! policies' selectors and the marks the pools put on pods cannot drift
//! apart unnoticed.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::default_policies;
use crate::resources::cluster::job_policies;
use crate::resources::runner_pool::RunnerPool;
use crate::resources::testing::config;
use crate::resources::{Context, Resource};
use crate::value::Value;

/// What a runner pool renders that its job pods depend on.
struct Pool {
    namespace_labels: Json,
    node_selector: Json,
    tolerations: Json,
    manager_pod: Json,
    node_pool: Json,
}

/// The manifests a runner pool with `json` (merged into a minimal one)
/// plans, by kind.
fn pool_manifests(json: &Json) -> BTreeMap<String, Json> {
    let mut input = json!({
        "cluster_name": "central",
        "group": "payments",
        "gitlab_url": "https://gitlab.example.com",
        "runner_token": "glrt-token",
    });
    for (key, value) in json.as_object().unwrap() {
        input[key] = value.clone();
    }
    let value = config(&RunnerPool.schema().block, &input);
    let context = Context {
        backends: None,
        stop: tokio_util::sync::CancellationToken::new(),
    };
    let state = RunnerPool
        .plan(&context, &value, &Value::Null, value.clone())
        .expect("a plan");
    let rendered = state.attr("rendered").and_then(Value::entries).unwrap();
    let fields = rendered.values().filter_map(Value::as_str);
    let fields = fields.map(|text| serde_json::from_str::<Json>(text).unwrap());
    let by_kind = fields.map(|f| {
        (
            f["kind"].as_str().unwrap().to_string(),
            f["manifest"].clone(),
        )
    });
    by_kind.collect()
}

fn runner_pool(json: &Json) -> Pool {
    let manifests = pool_manifests(json);
    let config_toml = manifests["ConfigMap"]["data"]["config.toml"]
        .as_str()
        .unwrap();
    let parsed: toml::Table = config_toml.parse().unwrap();
    let kubernetes = &parsed["runners"][0]["kubernetes"];
    let node_selector = serde_json::to_value(&kubernetes["node_selector"]).unwrap();
    let tolerations = kubernetes["node_tolerations"].as_table().unwrap();
    let deployment = &manifests["Deployment"];
    Pool {
        namespace_labels: manifests["Namespace"]["metadata"]["labels"].clone(),
        node_selector,
        tolerations: tolerations.iter().map(toleration).collect(),
        manager_pod: json!({
            "metadata": deployment["spec"]["template"]["metadata"],
            "spec": deployment["spec"]["template"]["spec"],
        }),
        node_pool: manifests["NodePool"].clone(),
    }
}

/// A `config.toml` toleration, `"key=value" = "Effect"`, as GitLab Runner
/// puts it on the pod.
fn toleration((key_value, effect): (&String, &toml::Value)) -> Json {
    let effect = effect.as_str().unwrap();
    match key_value.split_once('=') {
        Some((key, value)) => {
            json!({"key": key, "operator": "Equal", "value": value, "effect": effect})
        }
        None => json!({"key": key_value, "operator": "Exists", "effect": effect}),
    }
}

/// A job pod as GitLab Runner creates it for `pool`, with the job's
/// `KUBERNETES_POD_ANNOTATIONS_*`.
fn job_pod(pool: &Pool, annotations: &[(&str, &str)]) -> Json {
    let name = "runner-x1y2z3-project-42-concurrent-0";
    let annotations: BTreeMap<&str, &str> = annotations.iter().copied().collect();
    json!({
        "metadata": {
            "name": name,
            "labels": { "job.runner.gitlab.com/pod": name },
            "annotations": annotations,
        },
        "spec": {
            "nodeSelector": pool.node_selector,
            "tolerations": pool.tolerations,
            "containers": [
                {"name": "build", "image": "alpine:3"},
                {"name": "helper", "image": "gitlab-runner-helper"},
            ],
        },
    })
}

/// What Kyverno makes of creating `pod` in a namespace labelled
/// `namespace_labels`: the rules of `policies` whose match and
/// preconditions hold, applied in order. It knows only the constructs the
/// job policies use and panics on any other, so a new construct is checked
/// here before it ships.
fn admit(pod: &Json, namespace_labels: &Json, policies: &[Json]) -> Json {
    let mut pod = pod.clone();
    for policy in policies {
        for rule in policy["spec"]["rules"].as_array().unwrap() {
            if matches(rule, &pod, namespace_labels) && preconditions_hold(rule, &pod) {
                mutate(rule, &mut pod);
            }
        }
    }
    pod
}

fn matches(rule: &Json, pod: &Json, namespace_labels: &Json) -> bool {
    let resources = &rule["match"]["any"][0]["resources"];
    assert_eq!(resources["kinds"], json!(["Pod"]));
    assert_eq!(resources["operations"], json!(["CREATE"]));
    let expressions = resources["namespaceSelector"]["matchExpressions"].as_array();
    let in_namespace = expressions.into_iter().flatten().all(|e| {
        assert_eq!(e["operator"], "Exists");
        namespace_labels.get(e["key"].as_str().unwrap()).is_some()
    });
    let annotations = resources["annotations"].as_object().into_iter().flatten();
    let annotated = annotations.clone().all(|(key, pattern)| {
        let value = pod["metadata"]["annotations"][key].as_str();
        match pattern.as_str().unwrap() {
            "?*" => value.is_some_and(|v| !v.is_empty()),
            exact => value == Some(exact),
        }
    });
    in_namespace && annotated
}

fn preconditions_hold(rule: &Json, pod: &Json) -> bool {
    let conditions = rule["preconditions"]["all"].as_array().unwrap();
    conditions.iter().all(|condition| {
        let key = substitute(condition["key"].as_str().unwrap(), pod);
        let value = condition["value"].as_str().unwrap();
        match condition["operator"].as_str().unwrap() {
            "Equals" => key == value,
            "NotEquals" => key != value,
            other => panic!("operator {other} not handled"),
        }
    })
}

fn mutate(rule: &Json, pod: &mut Json) {
    let mutate = &rule["mutate"];
    if let Some(patch) = mutate.get("patchStrategicMerge") {
        let patch = substitute_all(patch, pod);
        assert_no_lists_replaced(&patch, pod);
        kube_standin::patch::merge(pod, &patch);
    } else {
        let text = substitute(mutate["patchesJson6902"].as_str().unwrap(), pod);
        let patch: Json = serde_json::from_str(&text).unwrap();
        kube_standin::patch::json_patch(pod, &patch).expect("the JSON patch applies");
    }
}

/// A merge patch and a strategic merge patch agree on maps; on lists they
/// agree only where the pod has none yet.
fn assert_no_lists_replaced(patch: &Json, target: &Json) {
    match patch {
        Json::Object(fields) => {
            for (key, value) in fields {
                assert_no_lists_replaced(value, &target[key]);
            }
        }
        Json::Array(_) => assert!(target.is_null(), "a strategic merge patch replaces a list"),
        _ => {}
    }
}

fn substitute_all(value: &Json, pod: &Json) -> Json {
    match value {
        Json::String(text) => Json::String(substitute(text, pod)),
        Json::Array(items) => items.iter().map(|v| substitute_all(v, pod)).collect(),
        Json::Object(fields) => {
            let fields = fields
                .iter()
                .map(|(k, v)| (k.clone(), substitute_all(v, pod)));
            Json::Object(fields.collect())
        }
        other => other.clone(),
    }
}

/// `text` with each `{{ request.object.<path> [|| '<default>'] }}` replaced.
fn substitute(text: &str, pod: &Json) -> String {
    let Some((before, rest)) = text.split_once("{{") else {
        return text.to_string();
    };
    let (expression, after) = rest.split_once("}}").expect("a closed variable");
    let (path, default) = match expression.trim().split_once(" || ") {
        Some((path, default)) => (path, Some(default.trim_matches('\''))),
        None => (expression.trim(), None),
    };
    let found = lookup(path, pod)
        .or(default)
        .expect("Kyverno fails on a missing variable");
    format!("{before}{found}{}", substitute(after, pod))
}

fn lookup<'a>(path: &str, pod: &'a Json) -> Option<&'a str> {
    let mut rest = path
        .strip_prefix("request.object.")
        .expect("request.object");
    let mut node = pod;
    while !rest.is_empty() {
        let (segment, tail) = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').expect("a closed quote"),
            None => rest.split_once('.').map_or((rest, ""), |(s, t)| (s, t)),
        };
        node = node.get(segment)?;
        rest = tail.strip_prefix('.').unwrap_or(tail);
    }
    node.as_str()
}

fn default_pool() -> Pool {
    runner_pool(&json!({}))
}

#[test]
fn a_plain_job_pod_is_spread_and_kept_from_disruption_only() {
    let pool = default_pool();
    let pod = job_pod(&pool, &[]);
    let admitted = admit(&pod, &pool.namespace_labels, &default_policies());
    assert_eq!(
        admitted["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"],
        "true"
    );
    assert_eq!(
        admitted["metadata"]["labels"][job_policies::POOL_LABEL],
        "payments"
    );
    let spread = &admitted["spec"]["topologySpreadConstraints"][0];
    assert_eq!(
        spread["labelSelector"]["matchLabels"][job_policies::POOL_LABEL],
        "payments"
    );
    assert_eq!(
        admitted["spec"]["nodeSelector"],
        pod["spec"]["nodeSelector"]
    );
    assert_eq!(admitted["spec"]["tolerations"], pod["spec"]["tolerations"]);
}

#[test]
fn a_job_pod_gets_the_capacity_it_annotates() {
    let pool = default_pool();
    let policies = default_policies();
    let spot_toleration = json!({"key": "karpenter.sh/capacity-type", "operator": "Equal",
                                 "value": "spot", "effect": "NoSchedule"});
    let gpu_toleration = json!({"key": "nvidia.com/gpu", "operator": "Exists",
                                "effect": "NoSchedule"});
    let cases = [
        (
            "k8s.gitlab.runner/capacity-type",
            "spot",
            "karpenter.sh/capacity-type",
            "spot",
            Some(&spot_toleration),
        ),
        (
            "k8s.gitlab.runner/capacity-type",
            "on-demand",
            "karpenter.sh/capacity-type",
            "on-demand",
            None,
        ),
        (
            "k8s.gitlab.runner/gpu",
            "true",
            "karpenter.k8s.aws/instance-gpu-manufacturer",
            "nvidia",
            Some(&gpu_toleration),
        ),
        (
            "k8s.gitlab.runner/instance-type",
            "m5.2xlarge",
            "node.kubernetes.io/instance-type",
            "m5.2xlarge",
            None,
        ),
    ];
    for (annotation, value, label, expected, toleration) in cases {
        let pod = job_pod(&pool, &[(annotation, value)]);
        let admitted = admit(&pod, &pool.namespace_labels, &policies);
        let selector = &admitted["spec"]["nodeSelector"];
        assert_eq!(selector[label], expected, "{annotation}={value}");
        assert_eq!(
            selector[job_policies::POOL_LABEL],
            "payments",
            "pool selector kept"
        );
        let tolerations = admitted["spec"]["tolerations"].as_array().unwrap();
        assert!(
            tolerations.contains(&pool.tolerations[0]),
            "pool toleration kept"
        );
        let added = toleration.map_or(0, |t| {
            assert!(tolerations.contains(t), "{annotation}={value}");
            1
        });
        assert_eq!(
            tolerations.len(),
            pool.tolerations.as_array().unwrap().len() + added
        );
    }
}

#[test]
fn annotations_asking_for_nothing_change_no_placement() {
    let pool = default_pool();
    let policies = default_policies();
    for (annotation, value) in [
        ("k8s.gitlab.runner/gpu", "false"),
        ("k8s.gitlab.runner/capacity-type", "cheap"),
        ("k8s.gitlab.runner/instance-type", ""),
        ("example.com/capacity", "spot"),
    ] {
        let pod = job_pod(&pool, &[(annotation, value)]);
        let admitted = admit(&pod, &pool.namespace_labels, &policies);
        assert_eq!(
            admitted["spec"]["nodeSelector"], pod["spec"]["nodeSelector"],
            "{annotation}"
        );
        assert_eq!(
            admitted["spec"]["tolerations"], pod["spec"]["tolerations"],
            "{annotation}"
        );
    }
}

#[test]
fn pods_that_are_not_jobs_are_left_alone() {
    let pool = default_pool();
    let policies = default_policies();
    let manager = &pool.manager_pod;
    assert_eq!(&admit(manager, &pool.namespace_labels, &policies), manager);
    let elsewhere = job_pod(&pool, &[("k8s.gitlab.runner/capacity-type", "spot")]);
    let other_namespace = json!({"kubernetes.io/metadata.name": "default"});
    assert_eq!(admit(&elsewhere, &other_namespace, &policies), elsewhere);
}

/// Whether `toleration` tolerates `taint`.
fn tolerates(toleration: &Json, taint: &Json) -> bool {
    let effect = toleration
        .get("effect")
        .is_none_or(|e| e == &taint["effect"]);
    let key = toleration["key"] == taint["key"];
    let value = toleration["operator"] == "Exists" || toleration["value"] == taint["value"];
    effect && key && value
}

/// Why `pod` cannot run on the nodes of `node_pool`, if it cannot.
fn misfit(pod: &Json, node_pool: &Json) -> Option<String> {
    let template = &node_pool["spec"]["template"];
    let tolerations = pod["spec"]["tolerations"].as_array().unwrap();
    let taints = template["spec"]["taints"].as_array().into_iter().flatten();
    for taint in taints {
        if !tolerations.iter().any(|t| tolerates(t, taint)) {
            return Some(format!("taint {taint} not tolerated"));
        }
    }
    let requirements = template["spec"]["requirements"].as_array().unwrap();
    for (label, value) in pod["spec"]["nodeSelector"].as_object().unwrap() {
        if let Some(own) = template["metadata"]["labels"].get(label) {
            if own != value {
                return Some(format!("{label}={value} but nodes have {own}"));
            }
            continue;
        }
        for requirement in requirements.iter().filter(|r| &r["key"] == label) {
            let values = requirement["values"].as_array();
            let listed = values.is_some_and(|v| v.contains(value));
            let allowed = match requirement["operator"].as_str().unwrap() {
                "In" => listed,
                "NotIn" => !listed,
                "Exists" => true,
                _ => false,
            };
            if !allowed {
                return Some(format!("{label}={value} against {requirement}"));
            }
        }
    }
    None
}

#[test]
fn admitted_job_pods_fit_the_node_pool_of_their_runner_pool() {
    let gpu_pool = json!({"allow_gpu": true, "node_pool":
        {"gpu": true, "instance_families": ["g5"], "excluded_sizes": []}});
    let cases = [
        (json!({}), ("k8s.gitlab.runner/capacity-type", "spot")),
        (json!({}), ("k8s.gitlab.runner/capacity-type", "on-demand")),
        (
            json!({"node_pool": {"capacity_types": ["spot"]}}),
            ("k8s.gitlab.runner/capacity-type", "spot"),
        ),
        (gpu_pool, ("k8s.gitlab.runner/gpu", "true")),
        (
            json!({"allow_instance_type": true}),
            ("k8s.gitlab.runner/instance-type", "c6i.xlarge"),
        ),
    ];
    for (pool_json, annotation) in cases {
        let pool = runner_pool(&pool_json);
        let pod = job_pod(&pool, &[annotation]);
        let admitted = admit(&pod, &pool.namespace_labels, &default_policies());
        let problem = misfit(&admitted, &pool.node_pool);
        assert_eq!(problem, None, "{pool_json} {annotation:?}");
    }
}

#[test]
fn the_misfit_check_can_fail() {
    let pool = runner_pool(&json!({"node_pool": {"capacity_types": ["on-demand"]}}));
    let pod = job_pod(&pool, &[("k8s.gitlab.runner/capacity-type", "spot")]);
    let admitted = admit(&pod, &pool.namespace_labels, &default_policies());
    assert!(misfit(&admitted, &pool.node_pool).is_some());
    let mut untolerated = pod.clone();
    untolerated["spec"]["tolerations"] = json!([]);
    assert!(misfit(&untolerated, &pool.node_pool).is_some());
}
