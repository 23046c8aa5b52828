//! Validation of `ci_warm_pool` configurations.

use super::DEFAULT_SCALE_DOWN;
use crate::diagnostics::Diagnostics;
use crate::resources::field::Field;
use crate::resources::validate::{
    self, IAM_ROLE, arn, dns_label, eks_name, instance_type, one_of, schedule_cron, subnet_id,
    time_zone,
};
use crate::value::Value;

const CAPACITY_TYPES: &[&str] = &["ON_DEMAND", "SPOT"];
const AMI_TYPES: &[&str] = &[
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "AL2_x86_64",
    "AL2_x86_64_GPU",
    "AL2_ARM_64",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
];
/// EKS's quota on nodes per managed node group.
const MAX_NODES: i64 = 1000;

pub(super) fn validate(config: &Value) -> Diagnostics {
    let root = Field::root(config);
    let mut diags = Diagnostics::default();
    root.attr("cluster_name").check(&mut diags, eks_name(100));
    root.attr("runner_pool").check(&mut diags, dns_label);
    root.attr("node_role_arn").check(&mut diags, arn(IAM_ROLE));
    check_subnets(&root.attr("subnet_ids"), &mut diags);
    validate::tags(&root.attr("tags"), &mut diags);
    crate::resources::timeouts::validate(&root.attr("timeouts"), &mut diags);
    let groups = root.attr("group").elements().unwrap_or_default();
    for group in &groups {
        check_group(group, &mut diags);
    }
    check_group_names_unique(&groups, &mut diags);
    check_node_group_names_fit(&root.attr("runner_pool"), &groups, &mut diags);
    check_schedule(&root.attr("schedule"), &mut diags);
    diags
}

fn check_subnets(subnets: &Field, diags: &mut Diagnostics) {
    subnets.check_each(diags, subnet_id);
    validate::unique_strings(subnets, diags, "subnet ID");
    validate::not_empty(
        subnets,
        diags,
        "No subnets",
        "List at least one subnet for the node groups.",
    );
}

fn check_group(group: &Field, diags: &mut Diagnostics) {
    group.attr("name").check(diags, eks_name(63));
    let types = group.attr("instance_types");
    types.check_each(diags, instance_type);
    validate::unique_strings(&types, diags, "instance type");
    validate::not_empty(
        &types,
        diags,
        "No instance types",
        "List at least one instance type.",
    );
    group
        .attr("capacity_type")
        .check(diags, one_of("capacity type", CAPACITY_TYPES));
    group
        .attr("ami_type")
        .check(diags, one_of("AMI type", AMI_TYPES));
    validate::whole_number(&group.attr("disk_size"), diags, "disk_size", 1, 16_384);
    check_sizes(group, diags);
}

/// `min_size ≤ desired_size ≤ max_size`, each within EKS's bounds.
fn check_sizes(group: &Field, diags: &mut Diagnostics) {
    let [min, desired, max] = ["min_size", "desired_size", "max_size"].map(|n| group.attr(n));
    let before = diags.0.len();
    validate::whole_number(&min, diags, "min_size", 0, MAX_NODES);
    validate::whole_number(&desired, diags, "desired_size", 0, MAX_NODES);
    validate::whole_number(&max, diags, "max_size", 1, MAX_NODES);
    if diags.0.len() > before {
        return;
    }
    let whole = |f: &Field| f.number().and_then(|n| n.as_i64());
    let low = if min.is_null() { Some(0) } else { whole(&min) };
    let high = whole(&max);
    if let Some((low, high)) = low.zip(high).filter(|(low, high)| low > high) {
        let detail = format!("min_size ({low}) is above max_size ({high}); lower one of them.");
        diags.push(min.error("Minimum size above maximum", detail));
        return;
    }
    check_desired_in_range(&desired, whole(&desired), (low, high), diags);
}

fn check_desired_in_range(
    field: &Field,
    desired: Option<i64>,
    (low, high): (Option<i64>, Option<i64>),
    diags: &mut Diagnostics,
) {
    let out_of_range = |d: i64| low.is_some_and(|l| d < l) || high.is_some_and(|h| d > h);
    let Some(desired) = desired.filter(|d| out_of_range(*d)) else {
        return;
    };
    let show = |n: Option<i64>| n.map_or("unknown".to_string(), |n| n.to_string());
    let detail = format!(
        "desired_size ({desired}) must be between min_size ({}) and max_size ({}).",
        show(low),
        show(high)
    );
    diags.push(field.error("Desired size out of range", detail));
}

fn check_group_names_unique(groups: &[Field], diags: &mut Diagnostics) {
    let names: Vec<Field> = groups.iter().map(|g| g.attr("name")).collect();
    for (i, name) in names.iter().enumerate() {
        let Some(text) = name.str() else { continue };
        if names[..i].iter().any(|earlier| earlier.str() == Some(text)) {
            diags.push(name.error(
                "Duplicate group name",
                format!("Two groups are named {text:?}; give each group its own name."),
            ));
        }
    }
}

/// EKS's limit on a node group's name, which is `<runner_pool>-<group>`.
const MAX_NODE_GROUP_NAME: usize = 63;

/// Each part may be valid alone and still make a node group name EKS
/// refuses, which would only show at apply.
fn check_node_group_names_fit(pool: &Field, groups: &[Field], diags: &mut Diagnostics) {
    let Some(pool) = pool.str() else { return };
    for name in groups.iter().map(|g| g.attr("name")) {
        let Some(text) = name.str() else { continue };
        let full = format!("{pool}-{text}");
        if full.chars().count() > MAX_NODE_GROUP_NAME {
            diags.push(name.error(
                "Node group name too long",
                format!(
                    "The node group would be named {full:?} ({} characters); EKS allows \
                     {MAX_NODE_GROUP_NAME}. Shorten the group name or the runner pool name.",
                    full.chars().count()
                ),
            ));
        }
    }
}

fn check_schedule(schedule: &Field, diags: &mut Diagnostics) {
    schedule.attr("time_zone").check(diags, time_zone);
    let down = schedule.attr("scale_down");
    let up = schedule.attr("scale_up");
    down.check(diags, schedule_cron);
    up.check(diags, schedule_cron);
    let down_text = if down.is_null() {
        Some(DEFAULT_SCALE_DOWN)
    } else {
        down.str()
    };
    if up.str().is_some() && up.str() == down_text {
        diags.push(up.error(
            "Identical schedules",
            "scale_up and scale_down run at the same time, so the groups would be scaled \
             down and up at once. Give them different times.",
        ));
    }
}
