//! Golden tests of expansion and planning: configuration in, node groups,
//! schedules and IAM documents out; the label and taint held equal to the
//! runner pool's NodePool; plans that make no call; what apply reads back
//! from a plan.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value as Json, json};
use tokio_util::sync::CancellationToken;

use super::expand::{self, Place};
use super::lifecycle;
use super::outputs::{derived, kept_arns, planned_phase};
use super::pool::Pool;
use super::size_now::Phase;
use super::*;
use crate::backends::Backends;
use crate::provider::config::ProviderConfig;
use crate::reconcile::{Desired, Record};
use crate::resources::runner_pool::RunnerPool;
use crate::resources::testing::config;

const ROLE: &str = "arn:aws:iam::123456789012:role/KarpenterNodeRole-central";

fn configuration() -> Json {
    json!({
        "cluster_name": "central",
        "runner_pool": "payments",
        "node_role_arn": ROLE,
        "subnet_ids": ["subnet-0000000000000000b", "subnet-0000000000000000a"],
        "tags": {"team": "payments"},
        "group": [
            {
                "name": "small",
                "instance_types": ["c6i.xlarge", "c6a.xlarge"],
                "capacity_type": "SPOT",
                "ami_type": "AL2023_x86_64_STANDARD",
                "disk_size": 100,
                "min_size": 1,
                "desired_size": 3,
                "max_size": 6
            },
            {"name": "large", "instance_types": ["c6i.4xlarge"], "desired_size": 1, "max_size": 2}
        ],
        "schedule": {"time_zone": "Europe/Berlin"}
    })
}

fn value(json: &Json) -> Value {
    config(&WarmPool.schema().block, json)
}

fn place() -> Place {
    Place {
        account: "123456789012".into(),
        partition: "aws".into(),
        region: "eu-west-1".into(),
    }
}

fn default_tags() -> BTreeMap<String, String> {
    BTreeMap::from([("cost-center".to_string(), "ci".to_string())])
}

/// The sub-objects of the configuration, its defaults written in as a
/// plan does.
fn expanded(phase: Phase) -> Vec<Desired> {
    let config = value(&configuration());
    let planned = super::outputs::with_defaults(&config, config.clone());
    let pool = Pool::from_value(&planned).expect("known inputs");
    expand::expand(&pool, &place(), phase, &default_tags())
}

fn spec(desired: &[Desired], id: &str) -> Json {
    let found = desired.iter().find(|d| d.id == id);
    found.unwrap_or_else(|| panic!("no {id}")).spec.clone()
}

#[test]
fn a_pool_is_a_role_its_policy_and_a_node_group_and_two_schedules_per_group() {
    let desired = expanded(Phase::Week);
    let shape: Vec<(&str, Vec<&str>)> = desired
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let role = "iam_role/123456789012/ci-warm-central-payments";
    let policy = "inline_policy/123456789012/ci-warm-central-payments/scale-node-groups";
    let (small, large) = (
        "node_group/central/payments-small",
        "node_group/central/payments-large",
    );
    assert_eq!(
        shape,
        [
            (role, vec![]),
            (policy, vec![role]),
            (small, vec![]),
            (
                "schedule/ci-warm-central-payments-small-down",
                vec![small, policy]
            ),
            (
                "schedule/ci-warm-central-payments-small-up",
                vec![small, policy]
            ),
            (large, vec![]),
            (
                "schedule/ci-warm-central-payments-large-down",
                vec![large, policy]
            ),
            (
                "schedule/ci-warm-central-payments-large-up",
                vec![large, policy]
            ),
        ]
    );
}

#[test]
fn node_groups_carry_the_pools_label_taint_sizes_and_tags() {
    let desired = expanded(Phase::Week);
    let expected = json!({
        "cluster": "central",
        "name": "payments-small",
        "node_role_arn": ROLE,
        "subnet_ids": ["subnet-0000000000000000a", "subnet-0000000000000000b"],
        "instance_types": ["c6i.xlarge", "c6a.xlarge"],
        "capacity_type": "SPOT",
        "ami_type": "AL2023_x86_64_STANDARD",
        "disk_size": 100,
        "scaling": {"min_size": 1, "desired_size": 3, "max_size": 6},
        "labels": {"ci-platform/runner-pool": "payments"},
        "taints": [
            {"key": "ci-platform/runner-pool", "value": "payments", "effect": "NO_SCHEDULE"}
        ],
        "tags": {
            "ci-platform/managed-by": "terraform-provider-ci",
            "ci-platform/owner": "central/payments",
            "cost-center": "ci",
            "team": "payments"
        }
    });
    assert_eq!(
        spec(&desired, "node_group/central/payments-small"),
        expected
    );
}

#[test]
fn defaults_fill_what_a_group_leaves_out() {
    let large = spec(&expanded(Phase::Week), "node_group/central/payments-large");
    assert_eq!(large["capacity_type"], DEFAULT_CAPACITY_TYPE);
    assert_eq!(large["ami_type"], DEFAULT_AMI_TYPE);
    assert_eq!(large["disk_size"], DEFAULT_DISK_SIZE);
    assert_eq!(
        large["scaling"],
        json!({"min_size": 0, "desired_size": 1, "max_size": 2})
    );
}

#[test]
fn over_the_weekend_groups_are_at_zero_with_their_maximum() {
    let small = spec(
        &expanded(Phase::Weekend),
        "node_group/central/payments-small",
    );
    assert_eq!(
        small["scaling"],
        json!({"min_size": 0, "desired_size": 0, "max_size": 6})
    );
}

#[test]
fn schedules_call_update_nodegroup_config_as_the_role_in_the_pools_time_zone() {
    let desired = expanded(Phase::Week);
    let expected = |direction: &str, expression: &str, sizes: Json, count: i64| {
        json!({
            "name": format!("ci-warm-central-payments-small-{direction}"),
            "description": format!(
                "Scales EKS node group payments-small {direction} to {count} nodes. \
                 ci-platform/managed-by=terraform-provider-ci ci-platform/owner=central/payments"
            ),
            "expression": expression,
            "time_zone": "Europe/Berlin",
            "enabled": true,
            "target_arn": "arn:aws:scheduler:::aws-sdk:eks:updateNodegroupConfig",
            "role_arn": "arn:aws:iam::123456789012:role/ci-warm-central-payments",
            "input": {
                "clusterName": "central",
                "nodegroupName": "payments-small",
                "scalingConfig": sizes
            }
        })
    };
    let down = json!({"minSize": 0, "desiredSize": 0, "maxSize": 6});
    let up = json!({"minSize": 1, "desiredSize": 3, "maxSize": 6});
    assert_eq!(
        spec(&desired, "schedule/ci-warm-central-payments-small-down"),
        expected("down", DEFAULT_SCALE_DOWN, down, 0)
    );
    assert_eq!(
        spec(&desired, "schedule/ci-warm-central-payments-small-up"),
        expected("up", DEFAULT_SCALE_UP, up, 3)
    );
}

#[test]
fn the_role_trusts_only_this_accounts_scheduler_and_may_only_scale_these_groups() {
    let desired = expanded(Phase::Week);
    let role = spec(&desired, "iam_role/123456789012/ci-warm-central-payments");
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        }]
    });
    assert_eq!(role["assume_role_policy"], trust);
    assert_eq!(role["tags"]["ci-platform/owner"], "central/payments");

    let id = "inline_policy/123456789012/ci-warm-central-payments/scale-node-groups";
    let statement = json!([{
        "Sid": "ScaleWarmNodeGroups",
        "Effect": "Allow",
        "Action": "eks:UpdateNodegroupConfig",
        "Resource": [
            "arn:aws:eks:eu-west-1:123456789012:nodegroup/central/payments-small/*",
            "arn:aws:eks:eu-west-1:123456789012:nodegroup/central/payments-large/*"
        ]
    }]);
    assert_eq!(spec(&desired, id)["document"]["Statement"], statement);
}

/// The NodePool `ci_runner_pool` renders for group `payments`.
fn runner_pool_node_pool() -> Json {
    let json = json!({
        "cluster_name": "central",
        "group": "payments",
        "gitlab_url": "https://gitlab.example.com",
        "runner_token": "glrt-golden",
    });
    let config = config(&RunnerPool.schema().block, &json);
    let context = Context {
        backends: None,
        stop: CancellationToken::new(),
    };
    let planned = RunnerPool.plan(&context, &config, &Value::Null, config.clone());
    let planned = planned.expect("a runner pool plan");
    let rendered = planned
        .attr("rendered")
        .and_then(Value::entries)
        .expect("rendered");
    let (_, text) = rendered
        .iter()
        .find(|(id, _)| id.contains("/NodePool/"))
        .expect("NodePool");
    let spec: Json = serde_json::from_str(text.as_str().unwrap()).unwrap();
    spec["manifest"].clone()
}

#[test]
fn label_and_taint_are_the_runner_pools_so_its_jobs_and_no_others_land_here() {
    let node_pool = runner_pool_node_pool();
    let template = &node_pool["spec"]["template"];
    let group = spec(&expanded(Phase::Week), "node_group/central/payments-small");
    assert_eq!(group["labels"], template["metadata"]["labels"]);
    let taint = &template["spec"]["taints"][0];
    assert_eq!(group["taints"][0]["key"], taint["key"]);
    assert_eq!(group["taints"][0]["value"], taint["value"]);
    // EKS spells Kubernetes' NoSchedule as NO_SCHEDULE.
    assert_eq!(
        (
            taint["effect"].as_str(),
            group["taints"][0]["effect"].as_str()
        ),
        (Some("NoSchedule"), Some("NO_SCHEDULE"))
    );
}

fn context(region: Option<&str>) -> Context {
    let mut provider = json!({"default_tags": {"cost-center": "ci"}});
    if let Some(region) = region {
        provider["region"] = json!(region);
    }
    let provider = config(&crate::provider::config::schema().block, &provider);
    let provider = ProviderConfig::from_value(&provider).expect("provider configuration");
    Context {
        backends: Some(Arc::new(Backends::new(Arc::new(provider)))),
        stop: CancellationToken::new(),
    }
}

/// A create plan, computed values unknown as the server marks them.
fn plan(context: &Context) -> Value {
    let config = value(&configuration());
    let mut proposed = config.clone();
    for name in [
        "id",
        "node_group_names",
        "node_group_arns",
        "schedule_names",
        "rendered",
    ] {
        proposed = crate::resources::lifecycle::with(proposed, name, Value::unknown());
    }
    lifecycle::plan(context, &config, &Value::Null, proposed).expect("plan")
}

#[test]
fn a_plan_fills_defaults_names_and_every_sub_object_without_a_call() {
    // The provider's AWS backend would fail without credentials; a plan
    // never reaches it.
    let planned = plan(&context(Some("eu-west-1")));
    let attr = |name: &str| planned.attr(name).cloned().unwrap_or(Value::Null);
    assert_eq!(attr("id"), Value::string("central/payments"));
    let rendered = attr("rendered");
    assert_eq!(rendered.entries().map(BTreeMap::len), Some(8));
    assert!(attr("node_group_arns").is_unknown());
    let role = "arn:aws:iam::123456789012:role/ci-warm-central-payments";
    assert_eq!(attr("scheduler_role_arn"), Value::string(role));
    let schedule = attr("schedule");
    assert_eq!(
        schedule.attr("scale_down"),
        Some(&Value::string(DEFAULT_SCALE_DOWN))
    );
    assert_eq!(schedule.attr("enabled"), Some(&Value::from(true)));
    let groups = attr("group");
    let large = &groups.elements().unwrap()[1];
    assert_eq!(
        large.attr("capacity_type"),
        Some(&Value::string(DEFAULT_CAPACITY_TYPE))
    );
    let sizes = attr("current_sizes");
    assert_eq!(sizes.entries().map(BTreeMap::len), Some(2));
}

#[test]
fn a_plan_without_a_region_renders_nothing_yet_but_names_everything() {
    let planned = plan(&context(None));
    assert!(planned.attr("rendered").unwrap().is_unknown());
    let names = planned
        .attr("schedule_names")
        .and_then(Value::elements)
        .unwrap();
    assert_eq!(names.len(), 4);
}

fn pool() -> Pool {
    let config = value(&configuration());
    Pool::from_value(&super::outputs::with_defaults(&config, config.clone())).unwrap()
}

#[test]
fn apply_reads_back_the_phase_the_plan_promised() {
    let pool = pool();
    for phase in [Phase::Week, Phase::Weekend] {
        let planned = derived(value(&configuration()), &pool, phase);
        assert_eq!(planned_phase(&pool, &planned), Some(phase));
    }
    let unknown = crate::resources::lifecycle::with(
        value(&configuration()),
        "current_sizes",
        Value::unknown(),
    );
    assert_eq!(planned_phase(&pool, &unknown), None);
}

#[test]
fn node_group_arns_are_kept_unless_a_group_is_replaced() {
    let pool = pool();
    let record = |phase| -> Record {
        let desired = expand::expand(&pool, &place(), phase, &default_tags());
        desired.into_iter().map(|d| (d.id, d.spec)).collect()
    };
    let arns = Value::map([
        ("small", Value::string("arn:small")),
        ("large", Value::string("arn:large")),
    ]);
    let prior = crate::resources::lifecycle::with(
        crate::resources::lifecycle::with(
            value(&configuration()),
            "rendered",
            crate::resources::lifecycle::rendered(&record(Phase::Week)),
        ),
        "node_group_arns",
        arns.clone(),
    );
    // Scaling for the weekend changes in place: the ARNs stay.
    assert_eq!(
        kept_arns(&prior, &pool, &record(Phase::Weekend)),
        Some(arns)
    );
    // Another instance type replaces the group: its new ARN is unknown.
    let mut bigger = pool.clone();
    bigger.groups[0].instance_types = vec!["m5.large".into()];
    let desired = expand::expand(&bigger, &place(), Phase::Week, &default_tags());
    let replaced: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    assert_eq!(kept_arns(&prior, &bigger, &replaced), None);
}

#[test]
fn long_names_fit_the_services_limits() {
    let mut pool = pool();
    pool.cluster = "c".repeat(100);
    pool.runner_pool = "p".repeat(40);
    let role = pool.role_name();
    assert_eq!(role.chars().count(), 64);
    for name in pool.schedule_names() {
        assert!(name.len() <= 64, "{name}");
    }
    let names = pool.schedule_names();
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
}
