//! The `ci_warm_pool` schema.

use super::*;
use crate::resources::{id_attribute, rendered_attribute, tags_attribute, timeouts};
use crate::schema::{Attribute, Block, NestedBlock, list_of, map_of};
use crate::value::Type;

pub(super) fn schema() -> Schema {
    let block = Block::new(
        "Warm nodes for one runner pool: EKS managed node groups labelled and tainted for \
         that pool, so its jobs land on them first and no other pool's jobs do, plus \
         EventBridge Scheduler schedules that scale every group to zero for the weekend and \
         back up for the week. A group scaled by its own schedule is not drift; a size \
         changed by anyone else is.",
    )
    .attributes(inputs())
    .attributes(outputs())
    .block(NestedBlock::list("group", group_block()).min_items(1))
    .block(schedule_block())
    .block(timeouts::block(TIMEOUT_DEFAULTS));
    // Version 1 added the `timeouts` block; see `upgrade_state`.
    Schema {
        version: 1,
        ..Schema::new(block)
    }
}

fn inputs() -> Vec<Attribute> {
    vec![
        Attribute::required("cluster_name", Type::String)
            .description("Name of the `ci_cluster` the node groups join."),
        Attribute::required("runner_pool", Type::String).description(
            "`group` of the `ci_runner_pool` these nodes serve; its node label and taint are \
             put on every node group.",
        ),
        Attribute::required("node_role_arn", Type::String).description(
            "IAM role the nodes run with: the cluster's node role, `ci_cluster.node_role_arn`.",
        ),
        Attribute::required("subnet_ids", list_of(Type::String))
            .description("Subnets the node groups launch instances in."),
        tags_attribute(
            "the node groups and the scheduler role (EventBridge Scheduler schedules take no \
             tags; their description names their owner)",
        ),
    ]
}

fn outputs() -> Vec<Attribute> {
    let map = |name: &str, element: Type, description: &str| {
        Attribute::new(name, map_of(element))
            .computed()
            .description(description)
    };
    vec![
        id_attribute("`<cluster_name>/<runner_pool>`"),
        map(
            "node_group_names",
            Type::String,
            "EKS node group name of each group, by group name.",
        ),
        map(
            "node_group_arns",
            Type::String,
            "EKS node group ARN of each group, by group name.",
        ),
        Attribute::new("schedule_names", list_of(Type::String))
            .computed()
            .description(
                "Names of the EventBridge Scheduler schedules, two per group in group order: \
                 scale down, then scale up.",
            ),
        Attribute::new("scheduler_role_arn", Type::String)
            .computed()
            .description("ARN of the IAM role the schedules assume."),
        map(
            "current_sizes",
            Type::Number,
            "Desired size each group should have right now according to the schedule, by \
             group name: its `desired_size` during the week, 0 over the weekend.",
        ),
        rendered_attribute(),
    ]
}

fn group_block() -> Block {
    let size = |name: &str, what: &str| Attribute::required(name, Type::Number).description(what);
    Block::new("One EKS managed node group of warm nodes.")
        .attribute(Attribute::required("name", Type::String).description(
            "Name of the group, unique within the warm pool, e.g. `small`. The EKS node group \
             is named `<runner_pool>-<name>`.",
        ))
        .attribute(
            Attribute::required("instance_types", list_of(Type::String)).description(
                "EC2 instance types of the group, e.g. `[\"c6i.xlarge\", \"c6a.xlarge\"]`.",
            ),
        )
        .attribute(
            Attribute::new("capacity_type", Type::String)
                .optional()
                .computed()
                .description(format!(
                    "`ON_DEMAND` or `SPOT`. Default `{DEFAULT_CAPACITY_TYPE}`."
                )),
        )
        .attribute(
            Attribute::new("ami_type", Type::String)
                .optional()
                .computed()
                .description(format!(
                    "EKS AMI type of the nodes. Default `{DEFAULT_AMI_TYPE}`."
                )),
        )
        .attribute(
            Attribute::new("disk_size", Type::Number)
                .optional()
                .computed()
                .description(format!(
                    "Root volume size in GiB. Default {DEFAULT_DISK_SIZE}."
                )),
        )
        .attribute(
            Attribute::new("min_size", Type::Number)
                .optional()
                .computed()
                .description("Fewest nodes during the week. Default 0."),
        )
        .attribute(size(
            "desired_size",
            "Nodes kept warm during the week, between `min_size` and `max_size`.",
        ))
        .attribute(size(
            "max_size",
            "Most nodes the group may scale to, at least 1.",
        ))
}

fn schedule_block() -> NestedBlock {
    let text = |name: &str, default: &str, what: &str| {
        Attribute::new(name, Type::String)
            .optional()
            .computed()
            .description(format!("{what} Default `{default}`."))
    };
    let block = Block::new(
        "When the groups sleep. Cron expressions use EventBridge Scheduler's six-field form \
         `cron(minutes hours day-of-month month day-of-week year)`, evaluated in `time_zone`.",
    )
    .attribute(
        Attribute::new("enabled", Type::Bool)
            .optional()
            .computed()
            .description(
                "Whether the schedules are active; when `false` the groups stay at their size. \
         Default `true`.",
            ),
    )
    .attribute(text(
        "time_zone",
        DEFAULT_TIME_ZONE,
        "IANA time zone of the schedules, e.g. `Europe/Berlin`.",
    ))
    .attribute(text(
        "scale_down",
        DEFAULT_SCALE_DOWN,
        "When every group scales to zero.",
    ))
    .attribute(text(
        "scale_up",
        DEFAULT_SCALE_UP,
        "When every group returns to its size.",
    ));
    NestedBlock::single("schedule", block)
}
