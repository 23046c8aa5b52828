//! Expansion: one warm pool's configuration into its sub-objects. Pure: no
//! API call, so a plan shows every node group, schedule and IAM document
//! before anything exists.
//!
//! The *place* is the account, partition and region the sub-objects live
//! in: the CI account, where the cluster and its node role are. A plan
//! takes the account and partition from `node_role_arn` and the region
//! from the provider block; apply checks them against its credentials.
//!
//! Every group gets two schedules, not the pool one pair: a schedule's
//! universal target calls `eks:UpdateNodegroupConfig` once, and that
//! action names one node group with one scaling configuration.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::pool::{Direction, Group, Pool};
use super::size_now::Phase;
use crate::kinds::iam_role::RoleFields;
use crate::kinds::inline_policy::InlinePolicyFields;
use crate::kinds::node_group::{NodeGroupFields, Taint};
use crate::kinds::schedule::{ScheduleFields, ownership_marks};
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, OWNER, render};
use crate::reconcile::Desired;

pub use crate::resources::runner_pool::POOL_LABEL;
/// EKS's spelling of Kubernetes' `NoSchedule`.
const NO_SCHEDULE: &str = "NO_SCHEDULE";
/// The one inline policy of the scheduler's role.
pub const POLICY_NAME: &str = "scale-node-groups";
const SCHEDULER_PRINCIPAL: &str = "scheduler.amazonaws.com";

/// Account, partition and region of the sub-objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub account: String,
    pub partition: String,
    pub region: String,
}

impl Place {
    /// The place a plan can know: the node role's account and partition,
    /// and `region` when the provider block names one.
    pub fn planned(pool: &Pool, region: Option<&str>) -> Option<Place> {
        let (partition, account) = role_account(&pool.node_role_arn)?;
        Some(Place {
            account,
            partition,
            region: region?.to_string(),
        })
    }

    /// The ARN of the scheduler's role.
    pub fn role_arn(&self, pool: &Pool) -> String {
        role_arn(&self.partition, &self.account, &pool.role_name())
    }

    /// The universal target that scales a node group.
    fn target_arn(&self) -> String {
        let partition = &self.partition;
        format!("arn:{partition}:scheduler:::aws-sdk:eks:updateNodegroupConfig")
    }

    /// The ARNs of `group`'s node group, whatever random id EKS appends.
    fn node_group_arn_pattern(&self, pool: &Pool, group: &Group) -> String {
        let Place {
            account,
            partition,
            region,
        } = self;
        let name = pool.node_group_name(group);
        format!(
            "arn:{partition}:eks:{region}:{account}:nodegroup/{}/{name}/*",
            pool.cluster
        )
    }
}

pub fn role_arn(partition: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{name}")
}

/// Partition and account of an IAM role ARN.
pub fn role_account(arn: &str) -> Option<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some((partition.to_string(), account.to_string()))
}

/// Sub-object ids, one function each so lifecycle and import build the
/// same.
pub mod ids {
    pub fn node_group(cluster: &str, name: &str) -> String {
        format!("node_group/{cluster}/{name}")
    }
    pub fn schedule(name: &str) -> String {
        format!("schedule/{name}")
    }
    pub fn role(account: &str, role: &str) -> String {
        format!("iam_role/{account}/{role}")
    }
    pub fn policy(account: &str, role: &str) -> String {
        format!("inline_policy/{account}/{role}/{}", super::POLICY_NAME)
    }
}

/// The sub-objects of `pool` in `place`, its groups sized for `phase`;
/// `default_tags` come from the provider block.
pub fn expand(
    pool: &Pool,
    place: &Place,
    phase: Phase,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Desired> {
    let tags = tags(pool, default_tags);
    let role_name = pool.role_name();
    let role_id = ids::role(&place.account, &role_name);
    let policy_id = ids::policy(&place.account, &role_name);
    let mut desired = vec![
        Desired::new(&role_id, render(&role(pool, place, &tags))),
        Desired::new(&policy_id, render(&policy(pool, place))).after(&role_id),
    ];
    for group in &pool.groups {
        let fields = node_group(pool, group, phase, &tags);
        let group_id = ids::node_group(&pool.cluster, &fields.name);
        desired.push(Desired::new(&group_id, render(&fields)));
        for direction in Direction::BOTH {
            let fields = schedule(pool, place, group, direction);
            let schedule = Desired::new(ids::schedule(&fields.name), render(&fields));
            desired.push(schedule.after(&group_id).after(&policy_id));
        }
    }
    desired
}

/// The provider's default tags, the pool's tags, and the ownership marks.
fn tags(pool: &Pool, default_tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = default_tags.clone();
    tags.extend(pool.tags.clone());
    tags.insert(MANAGED_BY.to_string(), MANAGED_BY_VALUE.to_string());
    tags.insert(OWNER.to_string(), pool.id());
    tags
}

fn node_group(
    pool: &Pool,
    group: &Group,
    phase: Phase,
    tags: &BTreeMap<String, String>,
) -> NodeGroupFields {
    let mut subnet_ids = pool.subnet_ids.clone();
    subnet_ids.sort();
    let taint = Taint {
        key: POOL_LABEL.to_string(),
        value: pool.runner_pool.clone(),
        effect: NO_SCHEDULE.to_string(),
    };
    NodeGroupFields {
        cluster: pool.cluster.clone(),
        name: pool.node_group_name(group),
        node_role_arn: pool.node_role_arn.clone(),
        subnet_ids,
        instance_types: group.instance_types.clone(),
        capacity_type: group.capacity_type.clone(),
        ami_type: group.ami_type.clone(),
        disk_size: group.disk_size,
        scaling: group.scaling(phase),
        labels: BTreeMap::from([(POOL_LABEL.to_string(), pool.runner_pool.clone())]),
        taints: vec![taint],
        tags: tags.clone(),
    }
}

fn schedule(pool: &Pool, place: &Place, group: &Group, direction: Direction) -> ScheduleFields {
    let node_group = pool.node_group_name(group);
    let phase = match direction {
        Direction::Down => Phase::Weekend,
        Direction::Up => Phase::Week,
    };
    let scaling = group.scaling(phase);
    let input = json!({
        "clusterName": pool.cluster,
        "nodegroupName": node_group,
        "scalingConfig": {
            "minSize": scaling.min_size,
            "desiredSize": scaling.desired_size,
            "maxSize": scaling.max_size,
        },
    });
    let description = format!(
        "Scales EKS node group {node_group} {} to {} nodes. {}",
        direction.word(),
        scaling.desired_size,
        ownership_marks(&pool.id())
    );
    ScheduleFields {
        name: pool.schedule_name(group, direction),
        description,
        expression: pool.schedule.expression(direction).to_string(),
        time_zone: pool.schedule.time_zone.clone(),
        enabled: pool.schedule.enabled,
        target_arn: place.target_arn(),
        role_arn: place.role_arn(pool),
        input,
    }
}

fn role(pool: &Pool, place: &Place, tags: &BTreeMap<String, String>) -> RoleFields {
    RoleFields {
        account: place.account.clone(),
        name: pool.role_name(),
        assume_role_policy: trust_policy(&place.account),
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: tags.clone(),
        description: Some(format!(
            "Lets EventBridge Scheduler scale the node groups of warm pool {}; managed by \
             terraform-provider-ci",
            pool.id()
        )),
    }
}

/// Only EventBridge Scheduler acting for this account may assume the role
/// (`aws:SourceAccount` guards against the confused deputy).
fn trust_policy(account: &str) -> Json {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": SCHEDULER_PRINCIPAL },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": account } },
        }],
    })
}

/// `eks:UpdateNodegroupConfig` on exactly this pool's node groups, in
/// group order (import reads the order back from here).
fn policy(pool: &Pool, place: &Place) -> InlinePolicyFields {
    let resources: Vec<String> = pool
        .groups
        .iter()
        .map(|group| place.node_group_arn_pattern(pool, group))
        .collect();
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ScaleWarmNodeGroups",
            "Effect": "Allow",
            "Action": "eks:UpdateNodegroupConfig",
            "Resource": resources,
        }],
    });
    InlinePolicyFields {
        account: place.account.clone(),
        role: pool.role_name(),
        name: POLICY_NAME.to_string(),
        document,
    }
}
