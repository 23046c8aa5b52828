//! Golden tests of expansion: the rendered `config.toml`, NodePool and
//! runner manager objects for the defaults and for each switch; every
//! NodePool against the upstream CRD; `config.toml` against the keys
//! GitLab Runner reads; the token kept out of everything rendered.

use std::path::PathBuf;

use serde_json::{Value as Json, json};

use super::expand::{self, CHECKSUM_ANNOTATION, Pool};
use super::lifecycle;
use super::*;
use crate::resources::testing::{UNKNOWN, config};

const TOKEN: &str = "glrt-t0ps3cr3t-value";

fn minimal() -> Json {
    json!({
        "cluster_name": "central",
        "group": "payments",
        "gitlab_url": "https://gitlab.example.com",
        "runner_token": TOKEN,
    })
}

fn value(json: &Json) -> Value {
    config(&RunnerPool.schema().block, json)
}

/// The planned state of `json`, as Terraform would send it for a create.
fn planned(json: &Json) -> Value {
    lifecycle::plan(&value(json), value(json))
}

fn pool(json: &Json) -> Pool {
    Pool::from_value(&value(json)).expect("known inputs")
}

/// Rendered manifest of `kind` for `json`.
fn manifest(json: &Json, kind: &str) -> Json {
    let desired = expand::expand(&pool(json), Some(TOKEN));
    let found = desired
        .into_iter()
        .find(|d| d.id.contains(&format!("/{kind}/")));
    found.expect(kind).spec["manifest"].clone()
}

fn config_toml(json: &Json) -> String {
    let config_map = manifest(json, "ConfigMap");
    config_map["data"]["config.toml"]
        .as_str()
        .unwrap()
        .to_string()
}

fn with(mut json: Json, pointer: &str, value: Json) -> Json {
    crate::resources::testing::set(&mut json, pointer, value);
    json
}

/// A file of the project's `shared/` folder: `$CI_SHARED_DIR` when set (as
/// the harness honours it), else the folder beside the repository.
fn shared(path: &str) -> PathBuf {
    let dir = std::env::var_os("CI_SHARED_DIR").map(PathBuf::from);
    let dir = dir.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join(path)
}

const DEFAULT_CONFIG: &str = r#"concurrent = 10
check_interval = 3

[[runners]]
  name = "central-payments"
  url = "https://gitlab.example.com"
  token = "__RUNNER_TOKEN__"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci-payments"
    pod_annotations_overwrite_allowed = "^(k8s\\.gitlab\\.runner/capacity-type)$"
    poll_timeout = 180
    [runners.kubernetes.node_selector]
      "ci-platform/runner-pool" = "payments"
    [runners.kubernetes.node_tolerations]
      "ci-platform/runner-pool=payments" = "NoSchedule"
"#;

#[test]
fn the_default_config_toml_is_the_golden_one() {
    assert_eq!(config_toml(&minimal()), DEFAULT_CONFIG);
}

#[test]
fn the_default_node_pool_is_the_golden_one() {
    let node_pool = manifest(&minimal(), "NodePool");
    let expected = json!({
        "template": {
            "metadata": {"labels": {"ci-platform/runner-pool": "payments"}},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
                "requirements": [
                    {"key": "karpenter.k8s.aws/instance-family", "operator": "In",
                     "values": ["c5", "c5a", "c6i", "c6a", "m5", "m5a"]},
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                    {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["spot", "on-demand"]},
                    {"key": "karpenter.k8s.aws/instance-size", "operator": "NotIn",
                     "values": ["nano", "micro", "24xlarge", "32xlarge", "48xlarge", "metal", "metal-24xl", "metal-48xl"]},
                    {"key": "karpenter.k8s.aws/instance-gpu-count", "operator": "DoesNotExist"},
                ],
                "taints": [{"key": "ci-platform/runner-pool", "value": "payments", "effect": "NoSchedule"}],
                "expireAfter": "720h",
            },
        },
        "limits": {"cpu": "1000", "memory": "4000Gi"},
        "disruption": {
            "consolidationPolicy": "WhenEmpty",
            "consolidateAfter": "5m",
            "budgets": [{"nodes": "10%"}],
        },
    });
    assert_eq!(node_pool["spec"], expected);
    assert_eq!(node_pool["metadata"]["name"], "ci-payments");
}

#[test]
fn the_runner_manager_has_the_executor_permissions_and_mounts_its_config() {
    let role = manifest(&minimal(), "Role");
    let resources: Vec<&str> = role["rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap())
        .filter_map(Json::as_str)
        .collect();
    for needed in [
        "pods",
        "pods/exec",
        "pods/attach",
        "pods/log",
        "secrets",
        "configmaps",
        "services",
    ] {
        assert!(resources.contains(&needed), "{needed}");
    }
    let binding = manifest(&minimal(), "RoleBinding");
    assert_eq!(binding["subjects"][0]["name"], "gitlab-runner-payments");
    assert_eq!(binding["roleRef"]["name"], "gitlab-runner-payments");

    let deployment = manifest(&minimal(), "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "gitlab-runner-payments");
    assert_eq!(pod["containers"][0]["image"], DEFAULT_RUNNER_IMAGE);
    let secret_ref = &pod["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"];
    assert_eq!(secret_ref["name"], "gitlab-runner-payments");
    let start = pod["containers"][0]["command"][2].as_str().unwrap();
    assert!(start.contains(super::config_toml::TOKEN_PLACEHOLDER));
    assert!(
        !start.contains("$RUNNER_TOKEN"),
        "the token stays out of argv"
    );
}

/// One switch and what it must change in `config.toml` or the NodePool.
struct Switch {
    pointer: &'static str,
    value: Json,
    config_has: &'static [&'static str],
    node_pool_has: &'static [&'static str],
}

fn switches() -> Vec<Switch> {
    let switch = |pointer, value, config_has, node_pool_has| Switch {
        pointer,
        value,
        config_has,
        node_pool_has,
    };
    vec![
        switch("/allow_spot", json!(false), &[], &[]),
        switch(
            "/allow_gpu",
            json!(true),
            &["capacity-type|k8s\\\\.gitlab\\\\.runner/gpu)$"],
            &[],
        ),
        switch(
            "/allow_instance_type",
            json!(true),
            &["k8s\\\\.gitlab\\\\.runner/instance-type"],
            &[],
        ),
        switch(
            "/allowed_service_accounts",
            json!(["deploy", "audit"]),
            &["service_account_overwrite_allowed = \"^(deploy|audit)$\""],
            &[],
        ),
        switch("/namespace", json!("jobs"), &["namespace = \"jobs\""], &[]),
        switch("/concurrent", json!(25), &["concurrent = 25"], &[]),
        switch("/poll_timeout", json!(600), &["poll_timeout = 600"], &[]),
        switch(
            "/job_defaults",
            json!({"cpu_request": "500m", "memory_limit": "2Gi"}),
            &["cpu_request = \"500m\"", "memory_limit = \"2Gi\""],
            &[],
        ),
        switch(
            "/job_maximums",
            json!({"cpu_request": "4", "memory_limit": "8Gi"}),
            &[
                "cpu_request_overwrite_max_allowed = \"4\"",
                "memory_limit_overwrite_max_allowed = \"8Gi\"",
            ],
            &[],
        ),
        switch(
            "/node_pool",
            json!({"zones": ["eu-west-1a"], "weight": 50, "capacity_types": ["on-demand"]}),
            &[],
            &[
                "topology.kubernetes.io/zone",
                "\"weight\":50",
                "\"values\":[\"on-demand\"]",
            ],
        ),
        switch(
            "/node_pool",
            json!({"gpu": true, "instance_families": ["g5"], "excluded_sizes": []}),
            &[],
            &["\"values\":[\"g5\"]"],
        ),
        switch(
            "/node_pool",
            json!({"cpu_limit": "64", "memory_limit": "256Gi", "consolidate_after": "30s",
                   "disruption_budget": "2", "node_class": "ci", "expire_after": "Never"}),
            &[],
            &[
                "\"cpu\":\"64\"",
                "\"memory\":\"256Gi\"",
                "\"consolidateAfter\":\"30s\"",
                "\"nodes\":\"2\"",
                "\"name\":\"ci\"",
                "\"expireAfter\":\"Never\"",
            ],
        ),
    ]
}

#[test]
fn each_switch_changes_what_it_says() {
    for switch in switches() {
        let json = with(minimal(), switch.pointer, switch.value.clone());
        let toml = config_toml(&json);
        assert_ne!(
            (toml.clone(), manifest(&json, "NodePool")["spec"].clone()),
            (
                config_toml(&minimal()),
                manifest(&minimal(), "NodePool")["spec"].clone()
            ),
            "{} changed nothing",
            switch.pointer
        );
        for text in switch.config_has {
            assert!(
                toml.contains(text),
                "{}: {text} not in\n{toml}",
                switch.pointer
            );
        }
        let node_pool = manifest(&json, "NodePool").to_string();
        for text in switch.node_pool_has {
            assert!(
                node_pool.contains(text),
                "{}: {text} not in {node_pool}",
                switch.pointer
            );
        }
    }
}

#[test]
fn without_spot_no_annotation_may_be_overwritten() {
    let json = with(minimal(), "/allow_spot", json!(false));
    assert!(!config_toml(&json).contains("pod_annotations_overwrite_allowed"));
}

/// The v1 `openAPIV3Schema` of the upstream NodePool CRD.
fn node_pool_schema() -> kube_standin::schema::Schema {
    let path = shared("crds/karpenter.sh_nodepools.yaml");
    let text = std::fs::read_to_string(&path).expect("the NodePool CRD in ../shared/crds");
    let documents = kube_standin::yaml::documents(&text).unwrap();
    let crd = documents.first().expect("one CRD");
    let version = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1")
        .expect("v1");
    kube_standin::schema::Schema::compile(&version["schema"]["openAPIV3Schema"])
}

#[test]
fn every_node_pool_validates_against_the_upstream_crd() {
    let schema = node_pool_schema();
    let mut configs = vec![minimal()];
    configs.extend(
        switches()
            .into_iter()
            .map(|s| with(minimal(), s.pointer, s.value)),
    );
    for json in configs {
        let mut node_pool = manifest(&json, "NodePool");
        kube_standin::defaults::default_object(&mut node_pool, &schema);
        let errors = kube_standin::validate::validate_object(&node_pool, &schema);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{json}: {errors:?}");
    }
}

/// `(table, key, Go type)` of every value in a parsed `config.toml`.
fn keys_of(table: &toml::Table, prefix: &str, out: &mut Vec<(String, String, String)>) {
    for (key, value) in table {
        let go_type = match value {
            toml::Value::String(_) => "string",
            toml::Value::Integer(_) => "int",
            toml::Value::Boolean(_) => "bool",
            toml::Value::Table(inner) => {
                if prefix == "runners.kubernetes" {
                    out.push((prefix.into(), key.clone(), "map[string]string".into()));
                    continue;
                }
                keys_of(inner, &join(prefix, key), out);
                continue;
            }
            toml::Value::Array(items) => {
                for item in items.iter().filter_map(toml::Value::as_table) {
                    keys_of(item, &join(prefix, key), out);
                }
                continue;
            }
            _ => "other",
        };
        out.push((prefix.to_string(), key.clone(), go_type.to_string()));
    }
}

fn join(prefix: &str, key: &str) -> String {
    match prefix {
        "" => key.to_string(),
        _ => format!("{prefix}.{key}"),
    }
}

#[test]
fn config_toml_parses_back_and_has_only_keys_gitlab_runner_reads() {
    let known: Json = serde_json::from_str(
        &std::fs::read_to_string(shared("gitlab-runner-config-keys.json")).unwrap(),
    )
    .unwrap();
    let mut every = minimal();
    for switch in switches() {
        if switch.pointer != "/node_pool" {
            every = with(every, switch.pointer, switch.value);
        }
    }
    every = with(every, "/allow_spot", json!(true));
    let parsed: toml::Table = config_toml(&every).parse().expect("valid TOML");
    let mut keys = Vec::new();
    keys_of(&parsed, "", &mut keys);
    assert!(keys.len() > 15, "{keys:?}");
    for (table, key, ty) in keys {
        let section = if table.is_empty() { "global" } else { &table };
        let expected = known[section][&key].as_str();
        let expected = expected.map(|t| t.trim_start_matches('*'));
        assert_eq!(expected, Some(ty.as_str()), "{section}.{key}");
    }
    assert_eq!(
        parsed["runners"][0]["executor"].as_str(),
        Some("kubernetes")
    );
}

#[test]
fn ids_are_deterministic_and_the_namespace_comes_first() {
    let desired = expand::expand(&pool(&minimal()), Some(TOKEN));
    let ids: Vec<&str> = desired.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "kube_object/central/Namespace/_/ci-payments",
            "kube_object/central/ServiceAccount/ci-payments/gitlab-runner-payments",
            "kube_object/central/Role/ci-payments/gitlab-runner-payments",
            "kube_object/central/RoleBinding/ci-payments/gitlab-runner-payments",
            "kube_object/central/Secret/ci-payments/gitlab-runner-payments",
            "kube_object/central/ConfigMap/ci-payments/gitlab-runner-payments",
            "kube_object/central/Deployment/ci-payments/gitlab-runner-payments",
            "kube_object/central/NodePool/_/ci-payments",
        ]
    );
    for later in &desired[1..] {
        assert_eq!(later.depends_on, [ids[0]]);
    }
}

#[test]
fn every_object_carries_the_ownership_marks() {
    for d in expand::expand(&pool(&minimal()), Some(TOKEN)) {
        let metadata = &d.spec["manifest"]["metadata"];
        assert_eq!(
            metadata["labels"][crate::kinds::MANAGED_BY],
            "terraform-provider-ci",
            "{}",
            d.id
        );
        assert_eq!(
            metadata["annotations"][crate::kinds::OWNER],
            "central/payments",
            "{}",
            d.id
        );
    }
}

#[test]
fn plan_fills_names_and_rendered_without_the_token() {
    let state = planned(&minimal());
    let text = |name: &str| state.attr(name).and_then(Value::as_str).map(str::to_string);
    assert_eq!(text("id").as_deref(), Some("central/payments"));
    assert_eq!(text("namespace").as_deref(), Some("ci-payments"));
    assert_eq!(text("node_pool_name").as_deref(), Some("ci-payments"));
    assert_eq!(
        text("node_label").as_deref(),
        Some("ci-platform/runner-pool=payments")
    );
    let rendered = state
        .attr("rendered")
        .and_then(Value::entries)
        .expect("rendered");
    assert_eq!(rendered.len(), 8);
    let all: String = rendered.values().filter_map(Value::as_str).collect();
    assert!(!all.contains(TOKEN));
    assert!(!all.contains(&base64_of(TOKEN)));
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn a_write_only_token_stays_out_of_the_plan() {
    let json = with(
        with(minimal(), "/runner_token", Json::Null),
        "/runner_token_wo",
        json!(TOKEN),
    );
    let state = lifecycle::plan(&value(&json), value(&json));
    assert_eq!(state.attr("runner_token_wo"), Some(&Value::Null));
    assert!(state.attr("rendered").is_some_and(|r| !r.is_null()));
}

#[test]
fn an_unknown_token_leaves_rendered_unknown_but_names_known() {
    let json = with(minimal(), "/runner_token", json!(UNKNOWN));
    let planned_value = value(&json);
    let mut prior_shape = planned_value.clone();
    if let Value::Object(attributes) = &mut prior_shape {
        attributes.insert("rendered".into(), Value::unknown());
    }
    let state = lifecycle::plan(&planned_value, prior_shape);
    assert!(state.attr("rendered").is_some_and(Value::is_unknown));
    assert_eq!(
        state.attr("id").and_then(Value::as_str),
        Some("central/payments")
    );
}

#[test]
fn a_new_token_changes_the_checksum_and_the_secret_digest_only() {
    let checksum = |token: &str| {
        let desired = expand::expand(&pool(&minimal()), Some(token));
        let deployment = desired
            .iter()
            .find(|d| d.id.contains("/Deployment/"))
            .unwrap();
        deployment.spec["manifest"]["spec"]["template"]["metadata"]["annotations"]
            [CHECKSUM_ANNOTATION]
            .clone()
    };
    assert_ne!(checksum("glrt-a"), checksum("glrt-b"));
    assert_eq!(checksum("glrt-a"), checksum("glrt-a"));
    let secret = manifest(&minimal(), "Secret");
    assert_eq!(secret["data"]["runner-token"], expand::digest(&[TOKEN]));
}

#[test]
fn the_inputs_annotation_gives_back_the_configuration() {
    let json = with(minimal(), "/job_maximums", json!({"cpu_request": "4"}));
    let node_pool = manifest(&json, "NodePool");
    let inputs = node_pool["metadata"]["annotations"][expand::INPUTS_ANNOTATION]
        .as_str()
        .unwrap();
    assert!(!inputs.contains(TOKEN));
    let ty = schema::schema().block.value_type();
    let decoded = crate::value::json::decode(inputs.as_bytes(), &ty).unwrap();
    assert_eq!(Pool::from_value(&decoded), Some(pool(&json)));
}

#[test]
fn the_crd_check_rejects_a_broken_node_pool() {
    let schema = node_pool_schema();
    let mut node_pool = manifest(&minimal(), "NodePool");
    node_pool["spec"]["disruption"]["consolidationPolicy"] = json!("Sometimes");
    kube_standin::defaults::default_object(&mut node_pool, &schema);
    assert!(!kube_standin::validate::validate_object(&node_pool, &schema).is_empty());
}

#[test]
fn names_and_defaults_are_planned_even_while_other_inputs_are_unknown() {
    let json = with(minimal(), "/annotation_keys", json!(UNKNOWN));
    let state = lifecycle::plan(&value(&json), value(&json));
    let text = |name: &str| state.attr(name).and_then(Value::as_str);
    assert_eq!(text("namespace"), Some("ci-payments"));
    assert_eq!(text("runner_image"), Some(DEFAULT_RUNNER_IMAGE));
    assert_eq!(text("node_pool_name"), Some("ci-payments"));
    assert_eq!(
        state.attr("rendered"),
        Some(&Value::Null),
        "left as planned"
    );
}
