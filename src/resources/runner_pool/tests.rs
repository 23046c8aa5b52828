use super::*;
use crate::resources::testing::{
    Case, assert_hostile_values_never_panic, assert_unknowns_tolerated, assert_valid, bad,
    run_cases,
};
use crate::resources::validate::Quantity;
use crate::value::Type;
use serde_json::{Value as Json, json};

fn good() -> Json {
    json!({
        "cluster_name": "ci-central",
        "group": "payments",
        "namespace": "ci-payments",
        "gitlab_url": "https://gitlab.example.com",
        "runner_token": "glrt-abc123",
        "runner_image": "registry.gitlab.com/gitlab-org/gitlab-runner:alpine-v17.11.0",
        "concurrent": 20,
        "poll_timeout": 300,
        "labels": {"team": "payments"},
        "allowed_service_accounts": ["payments-prod", "payments-dev"],
        "allow_spot": true,
        "allow_gpu": true,
        "allow_instance_type": true,
        "annotation_keys": {
            "capacity_type": "k8s.gitlab.runner/capacity-type",
            "gpu": "k8s.gitlab.runner/gpu"
        },
        "job_defaults": {
            "cpu_request": "500m", "cpu_limit": "1", "memory_request": "1Gi", "memory_limit": "2Gi"
        },
        "job_maximums": {
            "cpu_request": "4", "cpu_limit": "8", "memory_request": "8Gi", "memory_limit": "16Gi"
        },
        "node_pool": {
            "instance_families": ["c6i", "m6i", "g5"],
            "excluded_sizes": ["nano", "micro", "24xlarge", "32xlarge", "48xlarge", "metal"],
            "architectures": ["amd64"],
            "capacity_types": ["spot", "on-demand"],
            "zones": ["eu-west-1a", "eu-west-1b"],
            "gpu": true,
            "cpu_limit": "500",
            "memory_limit": "2000Gi",
            "consolidate_after": "10m",
            "expire_after": "Never",
            "disruption_budget": "20%",
            "node_class": "default",
            "weight": 50
        }
    })
}

fn check(config: &Value) -> Diagnostics {
    RunnerPool.validate(config)
}

#[test]
fn good_configurations_have_no_errors() {
    let block = RunnerPool.schema().block;
    assert_valid(&block, &good(), check);
    let minimal = json!({
        "cluster_name": "ci", "group": "web", "gitlab_url": "http://gitlab.local:8080/",
        "runner_token_wo": "glrt-x", "runner_token_wo_version": 1
    });
    assert_valid(&block, &minimal, check);
    let mut on_demand_only = good();
    on_demand_only["allow_spot"] = json!(false);
    on_demand_only["node_pool"]["capacity_types"] = json!(["on-demand"]);
    assert_valid(&block, &on_demand_only, check);
}

fn pool_cases() -> Vec<Case> {
    vec![
        bad(
            "/cluster_name",
            json!("ci central"),
            "Invalid EKS name",
            "cluster_name",
        ),
        bad(
            "/group",
            json!("Payments"),
            "Invalid Kubernetes name",
            "group",
        ),
        bad(
            "/group",
            json!("payments_team"),
            "Invalid Kubernetes name",
            "group",
        ),
        bad(
            "/namespace",
            json!("kube-system"),
            "Reserved namespace",
            "namespace",
        ),
        bad(
            "/namespace",
            json!("ci.payments"),
            "Invalid Kubernetes name",
            "namespace",
        ),
        bad(
            "/gitlab_url",
            json!("gitlab.example.com"),
            "Invalid URL",
            "gitlab_url",
        ),
        bad(
            "/runner_image",
            json!("gitlab runner"),
            "Invalid image",
            "runner_image",
        ),
        bad("/concurrent", json!(0), "Invalid concurrent", "concurrent"),
        bad(
            "/poll_timeout",
            json!(1.5),
            "Invalid poll_timeout",
            "poll_timeout",
        ),
        bad(
            "/labels/bad key!",
            json!("x"),
            "Invalid label",
            "labels[\"bad key!\"]",
        ),
        bad(
            "/labels/team",
            json!("-x"),
            "Invalid label",
            "labels[\"team\"]",
        ),
        bad(
            "/runner_token",
            json!(""),
            "Empty runner token",
            "runner_token",
        ),
        bad(
            "/runner_token_wo",
            json!("glrt-x"),
            "Conflicting runner tokens",
            "runner_token_wo",
        ),
        bad(
            "/runner_token",
            json!(null),
            "Missing runner token",
            "runner_token",
        ),
        bad(
            "/runner_token_wo_version",
            json!(2),
            "runner_token_wo_version without runner_token_wo",
            "runner_token_wo_version",
        ),
        bad(
            "/allowed_service_accounts/0",
            json!("payments-*"),
            "Wildcard in service account name",
            "allowed_service_accounts[0]",
        ),
        bad(
            "/allowed_service_accounts/1",
            json!("payments-prod"),
            "Duplicate service account",
            "allowed_service_accounts[1]",
        ),
        bad(
            "/annotation_keys/spot",
            json!("x/y"),
            "Invalid annotation purpose",
            "annotation_keys[\"spot\"]",
        ),
        bad(
            "/annotation_keys/gpu",
            json!("k8s.gitlab.runner/gpu!"),
            "Invalid annotation key",
            "annotation_keys[\"gpu\"]",
        ),
    ]
}

fn job_cases() -> Vec<Case> {
    let all_sizes = [
        "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
        "32xlarge", "48xlarge", "metal",
    ];
    vec![
        bad(
            "/job_defaults/cpu_request",
            json!("half"),
            "Invalid Kubernetes quantity",
            "job_defaults.cpu_request",
        ),
        bad(
            "/job_defaults/memory_limit",
            json!("0"),
            "Invalid Kubernetes quantity",
            "job_defaults.memory_limit",
        ),
        bad(
            "/job_maximums/memory_limit",
            json!("4GB"),
            "Invalid Kubernetes quantity",
            "job_maximums.memory_limit",
        ),
        bad(
            "/job_defaults/cpu_request",
            json!("2"),
            "Request above limit",
            "job_defaults.cpu_request",
        ),
        bad(
            "/job_defaults/memory_limit",
            json!("32Gi"),
            "Job default above maximum",
            "job_defaults.memory_limit",
        ),
        bad(
            "/job_maximums/cpu_request",
            json!("70"),
            "Job maximum does not fit any instance",
            "job_maximums.cpu_request",
        )
        .after("/job_maximums/cpu_limit", json!("80")),
        bad(
            "/job_maximums/memory_request",
            json!("300Gi"),
            "Job maximum does not fit any instance",
            "job_maximums.memory_request",
        )
        .after("/job_maximums/memory_limit", json!("300Gi")),
        bad(
            "/job_defaults/memory_limit",
            json!("250Gi"),
            "Job maximum does not fit any instance",
            "job_defaults.memory_limit",
        )
        .after("/job_maximums", json!(null))
        .after("/job_defaults/memory_request", json!(null)),
        bad(
            "/node_pool/excluded_sizes",
            json!(all_sizes),
            "No instance type allowed",
            "node_pool.excluded_sizes",
        ),
    ]
}

fn node_pool_cases() -> Vec<Case> {
    vec![
        bad(
            "/node_pool/instance_families/0",
            json!("c6i.large"),
            "Invalid instance family",
            "node_pool.instance_families[0]",
        ),
        bad(
            "/node_pool/instance_families",
            json!([]),
            "Empty requirement",
            "node_pool.instance_families",
        ),
        bad(
            "/node_pool/architectures/0",
            json!("x86_64"),
            "Invalid architecture",
            "node_pool.architectures[0]",
        ),
        bad(
            "/node_pool/capacity_types",
            json!(["on-demand"]),
            "Spot not allowed by the NodePool",
            "node_pool.capacity_types",
        ),
        bad(
            "/node_pool/capacity_types",
            json!(["on-demand"]),
            "Spot not allowed by the NodePool",
            "node_pool.capacity_types",
        )
        .after("/allow_spot", json!(null)),
        bad(
            "/node_pool/capacity_types",
            json!([]),
            "Empty requirement",
            "node_pool.capacity_types",
        ),
        bad(
            "/node_pool/capacity_types/1",
            json!("spot"),
            "Duplicate capacity type",
            "node_pool.capacity_types[1]",
        ),
        bad(
            "/node_pool/zones/1",
            json!("eu-west-1"),
            "Invalid availability zone",
            "node_pool.zones[1]",
        ),
        bad(
            "/node_pool/excluded_sizes/0",
            json!("tiny"),
            "Invalid instance size",
            "node_pool.excluded_sizes[0]",
        ),
        bad(
            "/node_pool/cpu_limit",
            json!("lots"),
            "Invalid Kubernetes quantity",
            "node_pool.cpu_limit",
        ),
        bad(
            "/node_pool/consolidate_after",
            json!("5ms"),
            "Invalid duration",
            "node_pool.consolidate_after",
        ),
        bad(
            "/node_pool/expire_after",
            json!("30d"),
            "Invalid duration",
            "node_pool.expire_after",
        ),
        bad(
            "/node_pool/disruption_budget",
            json!("150%"),
            "Invalid disruption budget",
            "node_pool.disruption_budget",
        ),
        bad(
            "/node_pool/node_class",
            json!("Default"),
            "Invalid Kubernetes name",
            "node_pool.node_class",
        ),
        bad(
            "/node_pool/weight",
            json!(101),
            "Invalid weight",
            "node_pool.weight",
        ),
        bad(
            "/node_pool/gpu",
            json!(false),
            "GPU jobs without GPU nodes",
            "allow_gpu",
        ),
        bad(
            "/node_pool/instance_families",
            json!(["c6i", "m6i"]),
            "No GPU instance family",
            "node_pool.gpu",
        ),
    ]
}

#[test]
fn bad_values_are_reported_at_their_attribute() {
    let block = RunnerPool.schema().block;
    run_cases(&block, &good(), &pool_cases(), check);
    run_cases(&block, &good(), &job_cases(), check);
    run_cases(&block, &good(), &node_pool_cases(), check);
}

#[test]
fn hostile_values_never_panic() {
    assert_hostile_values_never_panic(&RunnerPool.schema().block, &good(), check);
}

#[test]
fn unknown_values_are_never_errors() {
    assert_unknowns_tolerated(&RunnerPool.schema().block, &good(), check);
}

#[test]
fn token_values_never_appear_in_diagnostics() {
    let mut json = good();
    json["runner_token_wo"] = json!("glrt-secret-value");
    json["runner_token"] = json!("glrt-other-secret");
    let config = crate::resources::testing::config(&RunnerPool.schema().block, &json);
    let text = format!("{:?}", check(&config));
    assert!(text.contains("Conflicting runner tokens"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn catalog_instances_have_expected_sizes() {
    let instances = allowed_instances(&["c5", "m6i"], &["nano", "metal"]).unwrap();
    let c5 = instances.iter().find(|i| i.name == "c5.18xlarge").unwrap();
    assert_eq!((c5.vcpus, c5.memory_mib), (72, 144 * 1024));
    assert!(!instances.iter().any(|i| i.name.ends_with(".metal")));
    let all = allowed_instances(&["c6a"], &[]).unwrap();
    assert_eq!(
        all.iter().find(|i| i.name == "c6a.metal").map(|i| i.vcpus),
        Some(192)
    );
    assert_eq!(allowed_instances(&["c5", "x2iedn"], &[]), None);
}

#[test]
fn allocatable_leaves_room_for_the_system() {
    let large = Instance {
        name: "m5.large".into(),
        vcpus: 2,
        memory_mib: 8 * 1024,
    };
    assert_eq!(
        large.allocatable_cpu(),
        "1930m".parse::<Quantity>().unwrap()
    );
    let memory = large.allocatable_memory();
    assert!(
        memory < "8Gi".parse().unwrap() && memory > "5Gi".parse().unwrap(),
        "{memory}"
    );
    let big = Instance {
        name: "c6i.16xlarge".into(),
        vcpus: 64,
        memory_mib: 128 * 1024,
    };
    assert_eq!(big.allocatable_cpu(), "63770m".parse::<Quantity>().unwrap());
}

#[test]
fn default_namespace_is_prefixed_and_fits() {
    assert_eq!(default_namespace("payments"), "ci-payments");
    assert_eq!(default_namespace(&"g".repeat(63)).len(), 63);
}

#[test]
fn job_blocks_are_single_objects() {
    let Type::Object(attributes) = RunnerPool.schema().value_type() else {
        panic!("not an object")
    };
    let Type::Object(maximums) = &attributes["job_maximums"] else {
        panic!("not an object")
    };
    assert_eq!(maximums.len(), 4);
    let Type::Object(node_pool) = &attributes["node_pool"] else {
        panic!("not an object")
    };
    assert_eq!(
        node_pool["capacity_types"],
        crate::schema::list_of(Type::String)
    );
}

#[test]
fn tokens_are_sensitive_and_the_write_only_one_is_write_only() {
    let schema = RunnerPool.schema();
    let token = schema.block.find_attribute("runner_token").unwrap();
    let write_only = schema.block.find_attribute("runner_token_wo").unwrap();
    assert!(token.sensitive && !token.write_only);
    assert!(write_only.sensitive && write_only.write_only && !write_only.computed);
}

#[test]
fn schema_is_consistent() {
    assert_eq!(RunnerPool.schema().block.problems(), Vec::<String>::new());
}
