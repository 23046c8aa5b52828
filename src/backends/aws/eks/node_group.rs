//! EKS managed node groups: create, describe, list, update, delete, and
//! waiting for one to settle.
//!
//! A node group's *settings* are what we choose for it; its *scaling* is
//! the minimum, desired and maximum number of nodes, the one part a
//! schedule changes. EKS creates and deletes node groups in the
//! background (minutes on real AWS): [`Eks::wait_node_group_active`] waits
//! for a new one, and delete waits until the group is gone (a group of the
//! same name cannot be created before), both logging progress at info.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, Nodegroup, NodegroupScalingConfig, Taint as SdkTaint, TaintEffect,
    UpdateLabelsPayload, UpdateTaintsPayload,
};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::found;
use crate::backends::aws::error::{AwsError, ServiceError};
use crate::backends::aws::request::{self, Request};
use crate::backends::aws::service::Eks;

/// How often a wait asks EKS for the node group's status.
const POLL: Duration = Duration::from_secs(15);

/// Minimum, desired and maximum number of nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scaling {
    pub min_size: i32,
    pub desired_size: i32,
    pub max_size: i32,
}

/// A Kubernetes taint as EKS takes it: the effect is `NO_SCHEDULE`,
/// `NO_EXECUTE` or `PREFER_NO_SCHEDULE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

/// What we set on a node group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeGroupSettings {
    pub cluster: String,
    pub name: String,
    pub node_role_arn: String,
    /// Sorted: EKS keeps no order.
    pub subnet_ids: Vec<String>,
    pub instance_types: Vec<String>,
    /// `ON_DEMAND` or `SPOT`.
    pub capacity_type: String,
    pub ami_type: String,
    /// GiB.
    pub disk_size: i32,
    pub scaling: Scaling,
    pub labels: BTreeMap<String, String>,
    /// Sorted by key.
    pub taints: Vec<Taint>,
    pub tags: BTreeMap<String, String>,
}

/// A node group as EKS describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroupInfo {
    pub settings: NodeGroupSettings,
    pub arn: String,
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, `CREATE_FAILED`,
    /// `DELETE_FAILED`, `DEGRADED`.
    pub status: String,
}

/// Label and taint changes for [`Eks::update_node_group`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeGroupUpdate {
    pub scaling: Option<Scaling>,
    pub set_labels: BTreeMap<String, String>,
    pub remove_labels: Vec<String>,
    pub set_taints: Vec<Taint>,
    pub remove_taints: Vec<Taint>,
}

impl NodeGroupUpdate {
    fn is_empty(&self) -> bool {
        *self == NodeGroupUpdate::default()
    }
}

impl Eks {
    /// Starts creating a node group; see [`Eks::wait_node_group_active`].
    pub async fn create_node_group(&self, group: &NodeGroupSettings) -> Result<(), AwsError> {
        let (cluster, name) = (&group.cluster, &group.name);
        let action = format!("create EKS node group {name} in cluster {cluster}");
        let request = Request::new("CreateNodegroup", name, action);
        let call = self
            .sdk
            .create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .node_role(&group.node_role_arn)
            .set_subnets(Some(group.subnet_ids.clone()))
            .set_instance_types(Some(group.instance_types.clone()))
            .capacity_type(CapacityTypes::from(group.capacity_type.as_str()))
            .ami_type(AmiTypes::from(group.ami_type.as_str()))
            .disk_size(group.disk_size)
            .scaling_config(sdk_scaling(group.scaling))
            .set_labels(Some(hash_map(&group.labels)).filter(|l| !l.is_empty()))
            .set_taints(Some(group.taints.iter().map(sdk_taint).collect()))
            .set_tags(Some(hash_map(&group.tags)).filter(|t| !t.is_empty()))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// The node group `name` of `cluster`, or `None` when there is none.
    pub async fn describe_node_group(
        &self,
        cluster: &str,
        name: &str,
    ) -> Result<Option<NodeGroupInfo>, AwsError> {
        let action = format!("describe EKS node group {name} in cluster {cluster}");
        let request = Request::new("DescribeNodegroup", name, action.clone());
        let call = self
            .sdk
            .describe_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send();
        let Some(output) = found(self.send(request, call).await)? else {
            return Ok(None);
        };
        let group = output.nodegroup.ok_or_else(|| self.incomplete(action))?;
        Ok(Some(node_group_info(group)))
    }

    /// The names of every node group of `cluster`.
    pub async fn list_node_groups(&self, cluster: &str) -> Result<Vec<String>, AwsError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let action = format!("list the node groups of EKS cluster {cluster}");
            let request = Request::new("ListNodegroups", cluster, action);
            let call = self
                .sdk
                .list_nodegroups()
                .cluster_name(cluster)
                .set_next_token(token)
                .send();
            let page = self.send(request, call).await?;
            names.extend(page.nodegroups().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(names);
            }
        }
    }

    /// Changes scaling, labels and taints in one `UpdateNodegroupConfig`,
    /// since EKS runs one update at a time per node group.
    pub async fn update_node_group(
        &self,
        cluster: &str,
        name: &str,
        update: &NodeGroupUpdate,
    ) -> Result<(), AwsError> {
        if update.is_empty() {
            return Ok(());
        }
        let action = format!("update EKS node group {name} in cluster {cluster}");
        let request = Request::new("UpdateNodegroupConfig", name, action);
        let call = self
            .sdk
            .update_nodegroup_config()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .set_scaling_config(update.scaling.map(sdk_scaling))
            .set_labels(labels_payload(update))
            .set_taints(taints_payload(update))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Deletes a node group and waits until it is gone, for at most
    /// `timeout`; `false` when it was already gone.
    pub async fn delete_node_group(
        &self,
        cluster: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<bool, AwsError> {
        let action = format!("delete EKS node group {name} in cluster {cluster}");
        let request = Request::new("DeleteNodegroup", name, action);
        let call = self
            .sdk
            .delete_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send();
        if found(self.send(request, call).await)?.is_none() {
            return Ok(false);
        }
        self.wait_node_group_deleted(cluster, name, timeout).await?;
        Ok(true)
    }

    /// Waits until the node group is `ACTIVE`, for at most `timeout`.
    pub async fn wait_node_group_active(
        &self,
        cluster: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<NodeGroupInfo, AwsError> {
        let deadline = Instant::now() + timeout;
        loop {
            let group = self.describe_node_group(cluster, name).await?;
            let status = group.as_ref().map_or("missing", |g| g.status.as_str());
            let status = status.to_string();
            match (status.as_str(), group) {
                ("ACTIVE", Some(group)) => return Ok(group),
                ("CREATE_FAILED" | "DELETING" | "DEGRADED" | "missing", _) => {
                    return Err(self.node_group_unsettled(cluster, name, &status, "became"));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(self.node_group_unsettled(cluster, name, &status, "was still"));
            }
            waiting(name, &status, "waiting for the node group");
            tokio::time::sleep(POLL).await;
        }
    }

    async fn wait_node_group_deleted(
        &self,
        cluster: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<(), AwsError> {
        let deadline = Instant::now() + timeout;
        while let Some(group) = self.describe_node_group(cluster, name).await? {
            if group.status == "DELETE_FAILED" {
                return Err(self.node_group_unsettled(cluster, name, &group.status, "became"));
            }
            if Instant::now() >= deadline {
                return Err(self.node_group_unsettled(cluster, name, &group.status, "was still"));
            }
            waiting(name, &group.status, "waiting for the node group to go");
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    fn node_group_unsettled(
        &self,
        cluster: &str,
        name: &str,
        status: &str,
        verb: &str,
    ) -> AwsError {
        let action = format!("wait for EKS node group {name} in cluster {cluster}");
        let cause = ServiceError::other(&format!(
            "the node group {verb} {status}; its health issues are in the EKS console"
        ));
        request::failed(self.account_id(), action, cause)
    }
}

/// Progress of a long wait, at info: EKS takes minutes.
fn waiting(name: &str, status: &str, what: &str) {
    tracing::info!(eks.node_group = name, eks.status = status, "{what}");
}

fn sdk_scaling(scaling: Scaling) -> NodegroupScalingConfig {
    NodegroupScalingConfig::builder()
        .min_size(scaling.min_size)
        .desired_size(scaling.desired_size)
        .max_size(scaling.max_size)
        .build()
}

fn sdk_taint(taint: &Taint) -> SdkTaint {
    SdkTaint::builder()
        .key(&taint.key)
        .value(&taint.value)
        .effect(TaintEffect::from(taint.effect.as_str()))
        .build()
}

fn labels_payload(update: &NodeGroupUpdate) -> Option<UpdateLabelsPayload> {
    let (set, remove) = (&update.set_labels, &update.remove_labels);
    if set.is_empty() && remove.is_empty() {
        return None;
    }
    let payload = UpdateLabelsPayload::builder()
        .set_add_or_update_labels(Some(hash_map(set)).filter(|l| !l.is_empty()))
        .set_remove_labels(Some(remove.clone()).filter(|l| !l.is_empty()));
    Some(payload.build())
}

fn taints_payload(update: &NodeGroupUpdate) -> Option<UpdateTaintsPayload> {
    let (set, remove) = (&update.set_taints, &update.remove_taints);
    if set.is_empty() && remove.is_empty() {
        return None;
    }
    let taints = |list: &[Taint]| Some(list.iter().map(sdk_taint).collect::<Vec<_>>());
    let payload = UpdateTaintsPayload::builder()
        .set_add_or_update_taints(taints(set).filter(|t| !t.is_empty()))
        .set_remove_taints(taints(remove).filter(|t| !t.is_empty()));
    Some(payload.build())
}

fn node_group_info(group: Nodegroup) -> NodeGroupInfo {
    let text = |value: Option<&str>| value.unwrap_or_default().to_string();
    let mut subnet_ids = group.subnets().to_vec();
    subnet_ids.sort();
    let settings = NodeGroupSettings {
        cluster: text(group.cluster_name()),
        name: text(group.nodegroup_name()),
        node_role_arn: text(group.node_role()),
        subnet_ids,
        instance_types: group.instance_types().to_vec(),
        capacity_type: text(group.capacity_type().map(CapacityTypes::as_str)),
        ami_type: text(group.ami_type().map(AmiTypes::as_str)),
        disk_size: group.disk_size().unwrap_or_default(),
        scaling: scaling(group.scaling_config()),
        labels: btree_map(group.labels()),
        taints: taints(group.taints()),
        tags: btree_map(group.tags()),
    };
    NodeGroupInfo {
        settings,
        arn: text(group.nodegroup_arn()),
        status: text(group.status().map(|s| s.as_str())),
    }
}

fn scaling(config: Option<&NodegroupScalingConfig>) -> Scaling {
    let size = |value: Option<i32>| value.unwrap_or_default();
    Scaling {
        min_size: size(config.and_then(NodegroupScalingConfig::min_size)),
        desired_size: size(config.and_then(NodegroupScalingConfig::desired_size)),
        max_size: size(config.and_then(NodegroupScalingConfig::max_size)),
    }
}

fn taints(taints: &[SdkTaint]) -> Vec<Taint> {
    let text = |value: Option<&str>| value.unwrap_or_default().to_string();
    let mut taints: Vec<Taint> = taints
        .iter()
        .map(|taint| Taint {
            key: text(taint.key()),
            value: text(taint.value()),
            effect: text(taint.effect().map(TaintEffect::as_str)),
        })
        .collect();
    taints.sort();
    taints
}

fn btree_map(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    let entries = map.into_iter().flatten();
    entries.map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn hash_map(map: &BTreeMap<String, String>) -> HashMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}
