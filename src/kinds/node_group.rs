//! EKS managed node groups, in the provider's own account.
//!
//! The managed fields are the backend's [`NodeGroupFields`]. Scaling,
//! labels and taints change in place through one `UpdateNodegroupConfig`;
//! tags through `TagResource`; everything else EKS cannot change on an
//! existing group, so it forces a new one. Ownership is the
//! [`MANAGED_BY`] tag. Create returns once EKS accepted the request; the
//! resource waits for the groups to become `ACTIVE` after the whole apply
//! (see `Eks::wait_node_group_active`), so that a slow or failed group is
//! recorded in state rather than forgotten.

use std::time::Duration;

use super::{Reach, backend, parse, rank, render};
use crate::backends::aws::Eks;
use crate::backends::aws::propagation::retry_while_propagating;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

pub use crate::backends::aws::eks::node_group::{
    NodeGroupSettings as NodeGroupFields, NodeGroupUpdate, Scaling, Taint,
};

/// The fields EKS cannot change on an existing node group.
pub const IDENTITY: [&str; 8] = [
    "cluster",
    "name",
    "node_role_arn",
    "subnet_ids",
    "instance_types",
    "capacity_type",
    "ami_type",
    "disk_size",
];

/// The node group kind; deletes wait up to the given time for EKS to
/// remove the group (its instances drain first).
pub struct NodeGroup(pub Reach, pub Duration);

impl NodeGroup {
    /// EKS in the provider's own account, where the cluster is.
    async fn eks(&self) -> Result<Eks, KindError> {
        let account = self.0.aws.account(None, "").await.map_err(backend)?;
        Ok(account.eks())
    }
}

#[async_trait::async_trait]
impl Kind for NodeGroup {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: NodeGroupFields = parse(id, spec)?;
        let eks = self.eks().await?;
        let found = eks.describe_node_group(&wanted.cluster, &wanted.name).await;
        let Some(group) = found.map_err(backend)? else {
            return Ok(None);
        };
        let tags = &group.settings.tags;
        let owned = super::owned_by_tags(tags);
        Ok(Some(Observed {
            spec: render(&group.settings),
            owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: NodeGroupFields = parse(id, spec)?;
        let eks = self.eks().await?;
        let create = || eks.create_node_group(&wanted);
        retry_while_propagating("create the node group", create)
            .await
            .map_err(backend)?;
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        observed: &Observed,
        changes: &[Change],
    ) -> Result<Spec, KindError> {
        let wanted: NodeGroupFields = parse(id, desired)?;
        let now: NodeGroupFields = parse(id, &observed.spec)?;
        let eks = self.eks().await?;
        let update = config_update(&wanted, &now, changes);
        eks.update_node_group(&wanted.cluster, &wanted.name, &update)
            .await
            .map_err(backend)?;
        if changes.iter().any(|change| change.field == "tags") {
            retag(&eks, &wanted, &now).await?;
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: NodeGroupFields = parse(id, spec)?;
        let eks = self.eks().await?;
        eks.delete_node_group(&wanted.cluster, &wanted.name, self.1)
            .await
            .map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &IDENTITY
    }

    fn delete_rank(&self) -> u8 {
        rank::NODE_GROUP
    }
}

/// The `UpdateNodegroupConfig` that brings `now` to `wanted` for the
/// changed fields among scaling, labels and taints.
fn config_update(
    wanted: &NodeGroupFields,
    now: &NodeGroupFields,
    changes: &[Change],
) -> NodeGroupUpdate {
    let changed = |field: &str| changes.iter().any(|change| change.field == field);
    let mut update = NodeGroupUpdate::default();
    if changed("scaling") {
        update.scaling = Some(wanted.scaling);
    }
    if changed("labels") {
        update.set_labels = wanted.labels.clone();
        update.remove_labels = now
            .labels
            .keys()
            .filter(|key| !wanted.labels.contains_key(*key))
            .cloned()
            .collect();
    }
    if changed("taints") {
        update.set_taints = wanted.taints.clone();
        update.remove_taints = now
            .taints
            .iter()
            .filter(|taint| !wanted.taints.iter().any(|t| t.key == taint.key))
            .cloned()
            .collect();
    }
    update
}

/// Sets the wanted tags and removes the others; tags are addressed by the
/// group's ARN, which only a describe gives.
async fn retag(
    eks: &Eks,
    wanted: &NodeGroupFields,
    now: &NodeGroupFields,
) -> Result<(), KindError> {
    let found = eks.describe_node_group(&wanted.cluster, &wanted.name).await;
    let Some(group) = found.map_err(backend)? else {
        return Err(KindError::Backend(format!(
            "node group {} disappeared while its tags were being updated; apply again",
            wanted.name
        )));
    };
    let stale = super::stale_tags(&now.tags, &wanted.tags);
    eks.retag(&group.arn, &wanted.tags, &stale)
        .await
        .map_err(backend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn group() -> NodeGroupFields {
        NodeGroupFields {
            cluster: "central".into(),
            name: "payments-small".into(),
            node_role_arn: "arn:aws:iam::123456789012:role/nodes".into(),
            subnet_ids: vec!["subnet-1".into()],
            instance_types: vec!["c6i.xlarge".into()],
            capacity_type: "ON_DEMAND".into(),
            ami_type: "AL2023_x86_64_STANDARD".into(),
            disk_size: 50,
            scaling: Scaling {
                min_size: 1,
                desired_size: 2,
                max_size: 4,
            },
            labels: BTreeMap::from([("pool".into(), "payments".into())]),
            taints: vec![taint("pool", "payments")],
            tags: BTreeMap::new(),
        }
    }

    fn taint(key: &str, value: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: "NO_SCHEDULE".into(),
        }
    }

    fn changes(wanted: &NodeGroupFields, now: &NodeGroupFields) -> Vec<Change> {
        crate::reconcile::kind::top_level_changes(&render(wanted), &render(now), &IDENTITY)
    }

    #[test]
    fn a_size_changed_by_hand_is_an_in_place_scaling_update() {
        let wanted = group();
        let mut now = group();
        now.scaling.desired_size = 7;
        let found = changes(&wanted, &now);
        assert_eq!(found.len(), 1);
        assert!(!found[0].forces_replacement);
        let update = config_update(&wanted, &now, &found);
        assert_eq!(update.scaling, Some(wanted.scaling));
        assert!(update.set_labels.is_empty() && update.set_taints.is_empty());
    }

    #[test]
    fn another_instance_type_forces_a_new_group() {
        let wanted = group();
        let mut now = group();
        now.instance_types = vec!["m5.large".into()];
        let found = changes(&wanted, &now);
        assert_eq!(found.len(), 1);
        assert!(found[0].forces_replacement, "{found:?}");
    }

    #[test]
    fn labels_and_taints_no_longer_wanted_are_removed() {
        let wanted = group();
        let mut now = group();
        now.labels.insert("stray".into(), "x".into());
        now.taints.push(taint("stray", "x"));
        let found = changes(&wanted, &now);
        let update = config_update(&wanted, &now, &found);
        assert_eq!(update.remove_labels, ["stray"]);
        assert_eq!(update.remove_taints, [taint("stray", "x")]);
        assert_eq!(update.scaling, None);
    }
}
