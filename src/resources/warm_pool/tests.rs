use super::*;
use crate::resources::testing::{
    Case, assert_hostile_values_never_panic, assert_unknowns_tolerated, assert_valid, bad,
    run_cases,
};
use crate::schema::Nesting;
use crate::value::Type;
use serde_json::{Value as Json, json};

fn good() -> Json {
    json!({
        "cluster_name": "ci-central",
        "runner_pool": "payments",
        "node_role_arn": "arn:aws:iam::123456789012:role/KarpenterNodeRole-ci-central",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "tags": {"team": "payments"},
        "group": [
            {
                "name": "small",
                "instance_types": ["c6i.xlarge", "c6a.xlarge"],
                "capacity_type": "ON_DEMAND",
                "ami_type": "AL2023_x86_64_STANDARD",
                "disk_size": 100,
                "min_size": 0,
                "desired_size": 2,
                "max_size": 4
            },
            {
                "name": "large",
                "instance_types": ["c6i.4xlarge"],
                "capacity_type": "SPOT",
                "desired_size": 1,
                "max_size": 2
            }
        ],
        "schedule": {
            "enabled": true,
            "time_zone": "Europe/Berlin",
            "scale_down": "cron(0 20 ? * FRI *)",
            "scale_up": "cron(30 5 ? * MON-FRI *)"
        }
    })
}

fn check(config: &Value) -> Diagnostics {
    WarmPool.validate(config)
}

#[test]
fn good_configurations_have_no_errors() {
    let block = WarmPool.schema().block;
    assert_valid(&block, &good(), check);
    let mut minimal = good();
    minimal["schedule"] = json!(null);
    minimal["group"] =
        json!([{"name": "only", "instance_types": ["m5.large"], "desired_size": 0, "max_size": 1}]);
    assert_valid(&block, &minimal, check);
}

fn cases() -> Vec<Case> {
    vec![
        bad(
            "/cluster_name",
            json!(""),
            "Invalid EKS name",
            "cluster_name",
        ),
        bad(
            "/runner_pool",
            json!("Payments"),
            "Invalid Kubernetes name",
            "runner_pool",
        ),
        bad(
            "/node_role_arn",
            json!("arn:aws:iam::123456789012:policy/nodes"),
            "Invalid ARN",
            "node_role_arn",
        ),
        bad(
            "/subnet_ids/0",
            json!("subnet-0123"),
            "Invalid subnet ID",
            "subnet_ids[0]",
        ),
        bad("/subnet_ids", json!([]), "No subnets", "subnet_ids"),
        bad("/tags/aws:x", json!("y"), "Invalid tag", "tags[\"aws:x\"]"),
        bad(
            "/group/1/name",
            json!("small"),
            "Duplicate group name",
            "group[1].name",
        ),
        bad(
            "/group/0/name",
            json!("small pool"),
            "Invalid EKS name",
            "group[0].name",
        ),
        bad(
            "/group/0/instance_types/1",
            json!("c6a"),
            "Invalid instance type",
            "group[0].instance_types[1]",
        ),
        bad(
            "/group/0/instance_types/1",
            json!("c6a.huge"),
            "Invalid instance type",
            "group[0].instance_types[1]",
        ),
        bad(
            "/group/0/instance_types/1",
            json!("c6i.xlarge"),
            "Duplicate instance type",
            "group[0].instance_types[1]",
        ),
        bad(
            "/group/1/instance_types",
            json!([]),
            "No instance types",
            "group[1].instance_types",
        ),
        bad(
            "/group/0/capacity_type",
            json!("spot"),
            "Invalid capacity type",
            "group[0].capacity_type",
        ),
        bad(
            "/group/0/ami_type",
            json!("AL2023"),
            "Invalid AMI type",
            "group[0].ami_type",
        ),
        bad(
            "/group/0/disk_size",
            json!(0),
            "Invalid disk_size",
            "group[0].disk_size",
        ),
        bad(
            "/group/0/desired_size",
            json!(5),
            "Desired size out of range",
            "group[0].desired_size",
        ),
        bad(
            "/group/0/desired_size",
            json!(0),
            "Desired size out of range",
            "group[0].desired_size",
        )
        .after("/group/0/min_size", json!(1)),
        bad(
            "/group/1/desired_size",
            json!(3),
            "Desired size out of range",
            "group[1].desired_size",
        ),
        bad(
            "/group/0/min_size",
            json!(5),
            "Minimum size above maximum",
            "group[0].min_size",
        ),
        bad(
            "/group/0/max_size",
            json!(0),
            "Invalid max_size",
            "group[0].max_size",
        ),
        bad(
            "/group/0/desired_size",
            json!(-1),
            "Invalid desired_size",
            "group[0].desired_size",
        ),
        bad(
            "/group/0/desired_size",
            json!(1.5),
            "Invalid desired_size",
            "group[0].desired_size",
        ),
        bad(
            "/schedule/time_zone",
            json!("Europe/Berln"),
            "Unknown time zone",
            "schedule.time_zone",
        ),
        bad(
            "/schedule/time_zone",
            json!("CEST"),
            "Unknown time zone",
            "schedule.time_zone",
        ),
        bad(
            "/schedule/scale_down",
            json!("0 20 * * FRI"),
            "Invalid cron expression",
            "schedule.scale_down",
        ),
        bad(
            "/schedule/scale_down",
            json!("cron(0 20 * * FRI *)"),
            "Invalid cron expression",
            "schedule.scale_down",
        ),
        bad(
            "/schedule/scale_up",
            json!("cron(0 25 ? * MON *)"),
            "Invalid cron expression",
            "schedule.scale_up",
        ),
        bad(
            "/schedule/scale_up",
            json!("cron(0 6 ? * MON)"),
            "Invalid cron expression",
            "schedule.scale_up",
        ),
        bad(
            "/schedule/scale_up",
            json!("cron(0 20 ? * FRI *)"),
            "Identical schedules",
            "schedule.scale_up",
        ),
        bad(
            "/schedule/scale_up",
            json!(DEFAULT_SCALE_DOWN),
            "Identical schedules",
            "schedule.scale_up",
        )
        .after("/schedule/scale_down", json!(null)),
    ]
}

#[test]
fn bad_values_are_reported_at_their_attribute() {
    run_cases(&WarmPool.schema().block, &good(), &cases(), check);
}

#[test]
fn hostile_values_never_panic() {
    assert_hostile_values_never_panic(&WarmPool.schema().block, &good(), check);
}

#[test]
fn unknown_values_are_never_errors() {
    assert_unknowns_tolerated(&WarmPool.schema().block, &good(), check);
}

#[test]
fn groups_are_a_list_block_of_objects() {
    let schema = WarmPool.schema();
    let group = schema.block.find_block("group").unwrap();
    assert_eq!((group.nesting, group.min_items), (Nesting::List, 1));
    let Type::Object(attributes) = schema.value_type() else {
        panic!("not an object")
    };
    let Type::List(element) = &attributes["group"] else {
        panic!("group is not a list")
    };
    let Type::Object(group) = element.as_ref() else {
        panic!("element is not an object")
    };
    assert_eq!(
        group["instance_types"],
        crate::schema::list_of(Type::String)
    );
    assert_eq!(group["max_size"], Type::Number);
    assert!(matches!(attributes["schedule"], Type::Object(_)));
    assert_eq!(
        attributes["current_sizes"],
        crate::schema::map_of(Type::Number)
    );
}

#[test]
fn schema_is_consistent() {
    assert_eq!(WarmPool.schema().block.problems(), Vec::<String>::new());
}
