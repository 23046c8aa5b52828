use super::*;
use crate::resources::testing::{
    Case, assert_hostile_values_never_panic, assert_unknowns_tolerated, assert_valid, bad, config,
    run_cases,
};
use crate::resources::timeouts::Timeouts;
use crate::value::Type;
use serde_json::{Value as Json, json};
use std::time::Duration;

fn good() -> Json {
    json!({
        "name": "ci-central",
        "kubernetes_version": "1.31",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "security_group_ids": ["sg-0123456789abcdef0"],
        "endpoint_private_access": true,
        "endpoint_public_access": true,
        "public_access_cidrs": ["203.0.113.0/24", "2001:db8::/32"],
        "enabled_log_types": ["api", "audit"],
        "authentication_mode": "API",
        "tags": {"team": "platform"},
        "node_role_name": "ci-central-nodes",
        "interruption_queue_name": "ci-central-interruption",
        "karpenter": {"namespace": "karpenter", "service_account": "karpenter"},
        "node_class": {
            "name": "default",
            "ami_alias": "al2023@v20250505",
            "volume_size": "100Gi",
            "volume_type": "gp3",
            "discovery_tag": "karpenter.sh/discovery",
            "tags": {"cost-center": "ci"}
        },
        "job_policies": {
            "spot_by_annotation": true,
            "zone_spread": true,
            "do_not_disrupt": true,
            "gpu": false,
            "pinned_instance_type": true,
            "capacity_type_annotation": "k8s.gitlab.runner/capacity-type",
            "gpu_annotation": "k8s.gitlab.runner/gpu",
            "instance_type_annotation": "k8s.gitlab.runner/instance-type"
        },
        "timeouts": {"create": "45m", "update": "1h30m", "delete": "20m"}
    })
}

fn check(config: &Value) -> Diagnostics {
    Cluster.validate(config)
}

#[test]
fn good_configurations_have_no_errors() {
    let block = Cluster.schema().block;
    assert_valid(&block, &good(), check);
    let minimal = json!({"name": "ci", "subnet_ids": ["subnet-01234567", "subnet-89abcdef"]});
    assert_valid(&block, &minimal, check);
}

#[test]
fn bad_values_are_reported_at_their_attribute() {
    let sg = |i: u32| format!("sg-0123456789abcdef{i}");
    let cases: Vec<Case> = vec![
        bad("/name", json!("ci central"), "Invalid EKS name", "name"),
        bad("/name", json!("-ci"), "Invalid EKS name", "name"),
        bad(
            "/kubernetes_version",
            json!("v1.31"),
            "Invalid Kubernetes version",
            "kubernetes_version",
        ),
        bad(
            "/subnet_ids/1",
            json!("subnet-xyz"),
            "Invalid subnet ID",
            "subnet_ids[1]",
        ),
        bad(
            "/subnet_ids",
            json!(["subnet-0123456789abcdef0"]),
            "Too few subnets",
            "subnet_ids",
        ),
        bad(
            "/subnet_ids/1",
            json!("subnet-0123456789abcdef0"),
            "Duplicate subnet ID",
            "subnet_ids[1]",
        ),
        bad(
            "/security_group_ids/0",
            json!("sg-12"),
            "Invalid security group ID",
            "security_group_ids[0]",
        ),
        bad(
            "/security_group_ids",
            json!((0..6).map(sg).collect::<Vec<_>>()),
            "Too many security groups",
            "security_group_ids",
        ),
        bad(
            "/public_access_cidrs/0",
            json!("203.0.113.1/24"),
            "Invalid CIDR block",
            "public_access_cidrs[0]",
        ),
        bad(
            "/public_access_cidrs/0",
            json!("203.0.113.0/33"),
            "Invalid CIDR block",
            "public_access_cidrs[0]",
        ),
        bad(
            "/endpoint_public_access",
            json!(false),
            "Public access CIDRs without a public endpoint",
            "public_access_cidrs",
        ),
        bad(
            "/endpoint_private_access",
            json!(false),
            "No cluster endpoint",
            "endpoint_private_access",
        )
        .after("/public_access_cidrs", json!(null))
        .after("/endpoint_public_access", json!(null)),
        bad(
            "/enabled_log_types/1",
            json!("audits"),
            "Invalid log type",
            "enabled_log_types[1]",
        ),
        bad(
            "/authentication_mode",
            json!("IAM"),
            "Invalid authentication mode",
            "authentication_mode",
        ),
        bad(
            "/tags/aws:team",
            json!("x"),
            "Invalid tag",
            "tags[\"aws:team\"]",
        ),
        bad(
            "/node_role_name",
            json!("n".repeat(65)),
            "Invalid IAM role name",
            "node_role_name",
        ),
        bad(
            "/interruption_queue_name",
            json!("queue.fifo"),
            "Invalid SQS queue name",
            "interruption_queue_name",
        ),
        bad(
            "/karpenter/namespace",
            json!("Karpenter"),
            "Invalid Kubernetes name",
            "karpenter.namespace",
        ),
        bad(
            "/karpenter/service_account",
            json!("karpenter*"),
            "Wildcard in service account name",
            "karpenter.service_account",
        ),
        bad(
            "/node_class/name",
            json!("Default"),
            "Invalid Kubernetes name",
            "node_class.name",
        ),
        bad(
            "/node_class/ami_alias",
            json!("al2023"),
            "Invalid AMI alias",
            "node_class.ami_alias",
        ),
        bad(
            "/node_class/ami_alias",
            json!("windows2022@v1"),
            "Invalid AMI alias",
            "node_class.ami_alias",
        ),
        bad(
            "/node_class/volume_size",
            json!("100Mi"),
            "Invalid volume size",
            "node_class.volume_size",
        ),
        bad(
            "/node_class/volume_size",
            json!("20Ti"),
            "Invalid volume size",
            "node_class.volume_size",
        ),
        bad(
            "/node_class/volume_type",
            json!("gp4"),
            "Invalid volume type",
            "node_class.volume_type",
        ),
        bad(
            "/node_class/tags/karpenter.sh~1nodepool",
            json!("x"),
            "Reserved tag",
            "node_class.tags[\"karpenter.sh/nodepool\"]",
        ),
        bad(
            "/job_policies/gpu_annotation",
            json!("k8s.gitlab.runner/capacity-type"),
            "Duplicate annotation key",
            "job_policies.gpu_annotation",
        ),
        bad(
            "/job_policies/instance_type_annotation",
            json!("k8s.gitlab.runner/gpu"),
            "Duplicate annotation key",
            "job_policies.instance_type_annotation",
        )
        .after("/job_policies/gpu_annotation", json!(null)),
        bad(
            "/job_policies/capacity_type_annotation",
            json!("k8s.gitlab.runner/"),
            "Invalid annotation key",
            "job_policies.capacity_type_annotation",
        ),
        bad(
            "/timeouts/create",
            json!("30 minutes"),
            "Invalid duration",
            "timeouts.create",
        ),
        bad(
            "/timeouts/delete",
            json!("0s"),
            "Invalid duration",
            "timeouts.delete",
        ),
        bad(
            "/timeouts/update",
            json!("-5m"),
            "Invalid duration",
            "timeouts.update",
        ),
    ];
    run_cases(&Cluster.schema().block, &good(), &cases, check);
}

#[test]
fn hostile_values_never_panic() {
    assert_hostile_values_never_panic(&Cluster.schema().block, &good(), check);
}

#[test]
fn unknown_values_are_never_errors() {
    assert_unknowns_tolerated(&Cluster.schema().block, &good(), check);
}

#[test]
fn timeouts_default_to_what_eks_needs() {
    let block = Cluster.schema().block;
    let defaults = Timeouts::from_config(&config(&block, &json!({"name": "ci"})), TIMEOUT_DEFAULTS);
    assert_eq!(defaults.create, Duration::from_secs(30 * 60));
    assert_eq!(defaults.update, Duration::from_secs(60 * 60));
    assert_eq!(defaults.delete, Duration::from_secs(15 * 60));
    let set = Timeouts::from_config(&config(&block, &good()), TIMEOUT_DEFAULTS);
    assert_eq!(set.update, Duration::from_secs(90 * 60));
}

#[test]
fn nested_blocks_are_single_objects() {
    let Type::Object(attributes) = Cluster.schema().value_type() else {
        panic!("not an object")
    };
    let Type::Object(timeouts) = &attributes["timeouts"] else {
        panic!("timeouts not an object")
    };
    assert_eq!(
        timeouts.keys().collect::<Vec<_>>(),
        ["create", "delete", "update"]
    );
    let Type::Object(policies) = &attributes["job_policies"] else {
        panic!("not an object")
    };
    assert_eq!(policies["zone_spread"], Type::Bool);
    assert_eq!(attributes["rendered"], crate::schema::map_of(Type::String));
}

#[test]
fn default_names_fit_their_services() {
    assert_eq!(default_node_role_name("ci"), "KarpenterNodeRole-ci");
    assert_eq!(default_node_role_name(&"c".repeat(100)).len(), 64);
    assert_eq!(default_interruption_queue_name(&"c".repeat(100)).len(), 80);
}

#[test]
fn schema_is_consistent() {
    assert_eq!(Cluster.schema().block.problems(), Vec::<String>::new());
}
