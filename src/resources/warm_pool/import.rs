//! Import of a warm pool by its id, `<cluster_name>/<runner_pool>`.
//!
//! The configuration is rebuilt from what AWS holds: the groups are the
//! cluster's node groups named `<runner_pool>-...` that carry this pool's
//! owner tag, in the order the scheduler role's policy lists them; each
//! group's week sizes come from its scale-up schedule's input (its node
//! group may be asleep at zero); the `schedule` block from the first
//! group's schedules; `tags` are the node group's tags less the ownership
//! marks and the provider's `default_tags`. Then the state is read as any
//! other.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::expand::{self, POLICY_NAME};
use super::lifecycle::{node_group_arns, own_account, phase_now, place_of, read};
use super::outputs::outputs;
use super::pool::{self, Direction, Pool};
use super::*;
use crate::backends::aws::eks::node_group::{NodeGroupInfo, NodeGroupSettings};
use crate::backends::aws::scheduler::ScheduleSettings;
use crate::backends::aws::{Account, AwsError};
use crate::diagnostics::Diagnostic;
use crate::kinds::{MANAGED_BY, OWNER};
use crate::reconcile::Record;
use crate::resources::lifecycle::import_failure;

/// One group as found: its node group and its two schedules.
struct FoundGroup {
    name: String,
    node_group: NodeGroupSettings,
    down: Option<ScheduleSettings>,
    up: Option<ScheduleSettings>,
}

pub async fn import(context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let (cluster, runner_pool) = id.split_once('/').ok_or_else(|| bad_import_id(id))?;
    let account = own_account(&backends).await?;
    let groups = find_groups(&account, cluster, runner_pool, id).await?;
    let config = configuration(cluster, runner_pool, &groups, &backends.config.default_tags);

    let ty = schema::schema().block.value_type();
    let config = crate::value::json::decode(config.to_string().as_bytes(), &ty)
        .map_err(|error| import_failure(id, error))?;
    let pool = Pool::from_value(&config).ok_or_else(|| import_failure(id, "incomplete inputs"))?;
    let place = place_of(&pool, &account)?;
    let phase = phase_now(&pool)?;
    let desired = expand::expand(&pool, &place, phase, &backends.config.default_tags);
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    let (arns, _) = node_group_arns(context, &account.eks(), &pool, &record, None).await;
    let state = outputs(config, &pool, &record, phase, Some(arns));
    read(context, state).await
}

/// The pool's groups, in policy order, with their schedules.
async fn find_groups(
    account: &Account,
    cluster: &str,
    runner_pool: &str,
    id: &str,
) -> Result<Vec<FoundGroup>, Diagnostics> {
    let failed = |error: AwsError| import_failure(id, error);
    let node_groups = owned_node_groups(account, cluster, runner_pool, id)
        .await
        .map_err(failed)?;
    if node_groups.is_empty() {
        return Err(no_such_pool(id, cluster, runner_pool));
    }
    let order = policy_order(account, cluster, runner_pool)
        .await
        .map_err(failed)?;
    let scheduler = account.scheduler();
    let mut groups = Vec::new();
    for info in in_order(node_groups, &order) {
        let name = info.settings.name[runner_pool.len() + 1..].to_string();
        let schedule = |direction| pool::schedule_name(cluster, runner_pool, &name, direction);
        let down = scheduler.get_schedule(&schedule(Direction::Down)).await;
        let up = scheduler.get_schedule(&schedule(Direction::Up)).await;
        groups.push(FoundGroup {
            name,
            node_group: info.settings,
            down: down.map_err(failed)?,
            up: up.map_err(failed)?,
        });
    }
    Ok(groups)
}

/// The node groups of `cluster` named `<runner_pool>-...` that carry the
/// owner tag `id`.
async fn owned_node_groups(
    account: &Account,
    cluster: &str,
    runner_pool: &str,
    id: &str,
) -> Result<Vec<NodeGroupInfo>, AwsError> {
    let eks = account.eks();
    let prefix = format!("{runner_pool}-");
    let mut found = Vec::new();
    for name in eks.list_node_groups(cluster).await? {
        if !name.starts_with(&prefix) {
            continue;
        }
        let Some(info) = eks.describe_node_group(cluster, &name).await? else {
            continue;
        };
        if info.settings.tags.get(OWNER).map(String::as_str) == Some(id) {
            found.push(info);
        }
    }
    Ok(found)
}

/// Node group names in the order of the role policy's resources.
async fn policy_order(
    account: &Account,
    cluster: &str,
    runner_pool: &str,
) -> Result<Vec<String>, AwsError> {
    let role = pool::role_name(cluster, runner_pool);
    let Some(document) = account.iam().get_inline_policy(&role, POLICY_NAME).await? else {
        return Ok(Vec::new());
    };
    let resources = document.pointer("/Statement/0/Resource");
    let resources = resources
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let marker = format!(":nodegroup/{cluster}/");
    let names = resources.iter().filter_map(|arn| {
        let (_, rest) = arn.as_str()?.split_once(&marker)?;
        Some(rest.split('/').next()?.to_string())
    });
    Ok(names.collect())
}

/// `groups` in `order`; those it does not name last, by name.
fn in_order(mut groups: Vec<NodeGroupInfo>, order: &[String]) -> Vec<NodeGroupInfo> {
    let rank = |info: &NodeGroupInfo| {
        let position = order.iter().position(|name| *name == info.settings.name);
        (position.unwrap_or(usize::MAX), info.settings.name.clone())
    };
    groups.sort_by_key(rank);
    groups
}

/// The configuration, as JSON, that these groups were applied with.
fn configuration(
    cluster: &str,
    runner_pool: &str,
    groups: &[FoundGroup],
    default_tags: &BTreeMap<String, String>,
) -> Json {
    let first = &groups[0].node_group;
    let tags = user_tags(&first.tags, default_tags);
    json!({
        "cluster_name": cluster,
        "runner_pool": runner_pool,
        "node_role_arn": first.node_role_arn,
        "subnet_ids": first.subnet_ids,
        "tags": (!tags.is_empty()).then_some(tags),
        "group": groups.iter().map(group_block).collect::<Vec<_>>(),
        "schedule": schedule_block(&groups[0]),
    })
}

fn group_block(group: &FoundGroup) -> Json {
    let node_group = &group.node_group;
    let week = group.up.as_ref().and_then(|up| week_scaling(&up.input));
    let observed = node_group.scaling;
    let size = |key: &str, seen: i32| {
        week.as_ref()
            .and_then(|w| w.get(key)?.as_i64())
            .unwrap_or(i64::from(seen))
    };
    json!({
        "name": group.name,
        "instance_types": node_group.instance_types,
        "capacity_type": node_group.capacity_type,
        "ami_type": node_group.ami_type,
        "disk_size": node_group.disk_size,
        "min_size": size("minSize", observed.min_size),
        "desired_size": size("desiredSize", observed.desired_size),
        "max_size": size("maxSize", observed.max_size),
    })
}

/// The `scalingConfig` of a scale-up schedule's input.
fn week_scaling(input: &str) -> Option<Json> {
    let input: Json = serde_json::from_str(input).ok()?;
    input.get("scalingConfig").cloned()
}

/// The `schedule` block; null when the schedules hold every default, as a
/// configuration without the block gives.
fn schedule_block(group: &FoundGroup) -> Json {
    let (Some(down), Some(up)) = (&group.down, &group.up) else {
        return Json::Null;
    };
    let block = json!({
        "enabled": down.enabled,
        "time_zone": down.time_zone,
        "scale_down": down.expression,
        "scale_up": up.expression,
    });
    let defaults = json!({
        "enabled": true,
        "time_zone": DEFAULT_TIME_ZONE,
        "scale_down": DEFAULT_SCALE_DOWN,
        "scale_up": DEFAULT_SCALE_UP,
    });
    if block == defaults { Json::Null } else { block }
}

/// A node group's tags less ownership marks and the provider's defaults.
fn user_tags(
    tags: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let ours = |key: &str| key == MANAGED_BY || key == OWNER;
    let default = |key: &String, value: &String| default_tags.get(key) == Some(value);
    let kept = tags.iter().filter(|(k, v)| !ours(k) && !default(k, v));
    kept.map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn no_such_pool(id: &str, cluster: &str, runner_pool: &str) -> Diagnostics {
    Diagnostic::error(
        "Cannot import: no such warm pool",
        format!(
            "EKS cluster {cluster} has no node group named {runner_pool}-... carrying the tag \
             {OWNER}={id}, so no warm pool {id} was created there by this provider."
        ),
    )
    .into()
}

fn bad_import_id(id: &str) -> Diagnostics {
    Diagnostic::error(
        "Invalid import ID",
        format!("\"{id}\" is not a warm pool ID: use `<cluster_name>/<runner_pool>`."),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::node_group::Scaling;

    fn info(name: &str) -> NodeGroupInfo {
        NodeGroupInfo {
            settings: NodeGroupSettings {
                cluster: "central".into(),
                name: name.into(),
                node_role_arn: "arn:aws:iam::123456789012:role/nodes".into(),
                subnet_ids: vec!["subnet-1".into()],
                instance_types: vec!["c6i.xlarge".into()],
                capacity_type: "ON_DEMAND".into(),
                ami_type: DEFAULT_AMI_TYPE.into(),
                disk_size: 50,
                scaling: Scaling {
                    min_size: 0,
                    desired_size: 0,
                    max_size: 4,
                },
                labels: BTreeMap::new(),
                taints: Vec::new(),
                tags: BTreeMap::new(),
            },
            arn: format!("arn:aws:eks:eu-west-1:123456789012:nodegroup/central/{name}/x"),
            status: "ACTIVE".into(),
        }
    }

    fn schedule(expression: &str, input: Json) -> ScheduleSettings {
        ScheduleSettings {
            name: "s".into(),
            description: String::new(),
            expression: expression.into(),
            time_zone: DEFAULT_TIME_ZONE.into(),
            enabled: true,
            target_arn: String::new(),
            role_arn: String::new(),
            input: input.to_string(),
        }
    }

    fn found(up: Option<ScheduleSettings>) -> FoundGroup {
        FoundGroup {
            name: "small".into(),
            node_group: info("pay-small").settings,
            down: Some(schedule(DEFAULT_SCALE_DOWN, json!({}))),
            up,
        }
    }

    #[test]
    fn groups_come_in_the_policys_order_and_strays_last_by_name() {
        let groups = vec![info("pay-b"), info("pay-z"), info("pay-a")];
        let order = ["pay-z".to_string(), "pay-b".to_string()];
        let names: Vec<String> = in_order(groups, &order)
            .into_iter()
            .map(|g| g.settings.name)
            .collect();
        assert_eq!(names, ["pay-z", "pay-b", "pay-a"]);
    }

    #[test]
    fn week_sizes_come_from_the_scale_up_schedule_even_while_asleep() {
        let input = json!({"scalingConfig": {"minSize": 1, "desiredSize": 3, "maxSize": 4}});
        let block = group_block(&found(Some(schedule(DEFAULT_SCALE_UP, input))));
        let sizes = (
            &block["min_size"],
            &block["desired_size"],
            &block["max_size"],
        );
        assert_eq!(sizes, (&json!(1), &json!(3), &json!(4)));
        // Without its schedule, the node group's own sizes are all there is.
        let block = group_block(&found(None));
        assert_eq!(block["desired_size"], json!(0));
    }

    #[test]
    fn default_schedules_give_no_schedule_block() {
        let defaults = found(Some(schedule(DEFAULT_SCALE_UP, json!({}))));
        assert_eq!(schedule_block(&defaults), Json::Null);
        let other = found(Some(schedule("cron(0 7 ? * MON *)", json!({}))));
        assert_eq!(
            schedule_block(&other)["scale_up"],
            json!("cron(0 7 ? * MON *)")
        );
    }

    #[test]
    fn user_tags_leave_out_ownership_and_unchanged_default_tags() {
        let tags = BTreeMap::from([
            (MANAGED_BY.to_string(), "terraform-provider-ci".to_string()),
            (OWNER.to_string(), "central/pay".to_string()),
            ("cost-center".to_string(), "ci".to_string()),
            ("team".to_string(), "payments".to_string()),
            ("env".to_string(), "overridden".to_string()),
        ]);
        let defaults = BTreeMap::from([
            ("cost-center".to_string(), "ci".to_string()),
            ("env".to_string(), "default".to_string()),
        ]);
        let kept: Vec<String> = user_tags(&tags, &defaults).into_keys().collect();
        assert_eq!(kept, ["env", "team"]);
    }
}
