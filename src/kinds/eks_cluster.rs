//! EKS clusters.
//!
//! Create and every update wait for the cluster to be `ACTIVE` again,
//! within the resource's `timeouts`; delete waits until it is gone, so the
//! cluster role it uses is deleted only afterwards.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::backends::aws::Eks;
use crate::backends::aws::eks::cluster::{ClusterInfo, ClusterSettings};
use crate::backends::aws::propagation::retry_while_propagating;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};
use crate::resources::timeouts::Timeouts;

/// The managed fields of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EksClusterFields {
    pub account: String,
    pub name: String,
    pub role_arn: String,
    /// `None`: whatever version EKS chose; never drift.
    pub version: Option<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub endpoint_private_access: bool,
    pub endpoint_public_access: bool,
    /// Empty unless the public endpoint is on.
    pub public_access_cidrs: Vec<String>,
    /// Sorted.
    pub log_types: Vec<String>,
    pub authentication_mode: String,
    pub tags: BTreeMap<String, String>,
}

impl EksClusterFields {
    fn settings(&self) -> ClusterSettings {
        ClusterSettings {
            name: self.name.clone(),
            role_arn: self.role_arn.clone(),
            version: self.version.clone(),
            subnet_ids: self.subnet_ids.clone(),
            security_group_ids: self.security_group_ids.clone(),
            endpoint_private_access: self.endpoint_private_access,
            endpoint_public_access: self.endpoint_public_access,
            public_access_cidrs: self.public_access_cidrs.clone(),
            log_types: self.log_types.clone(),
            authentication_mode: Some(self.authentication_mode.clone()),
            tags: self.tags.clone(),
        }
    }

    /// What EKS reports, in the shape of `wanted`: fields `wanted` leaves
    /// to EKS (version), or that EKS reports only in some cases (public
    /// CIDRs without a public endpoint; the authentication mode, which
    /// emulators omit), take the wanted value.
    fn observed(wanted: &EksClusterFields, info: &ClusterInfo) -> EksClusterFields {
        let now = &info.settings;
        let mut log_types = now.log_types.clone();
        log_types.sort();
        EksClusterFields {
            account: wanted.account.clone(),
            name: now.name.clone(),
            role_arn: now.role_arn.clone(),
            version: wanted.version.as_ref().and(now.version.clone()),
            subnet_ids: now.subnet_ids.clone(),
            security_group_ids: now.security_group_ids.clone(),
            endpoint_private_access: now.endpoint_private_access,
            endpoint_public_access: now.endpoint_public_access,
            public_access_cidrs: if now.endpoint_public_access {
                now.public_access_cidrs.clone()
            } else {
                Vec::new()
            },
            log_types,
            authentication_mode: now
                .authentication_mode
                .clone()
                .unwrap_or_else(|| wanted.authentication_mode.clone()),
            tags: now.tags.clone(),
        }
    }
}

/// The EKS cluster kind, waiting within `timeouts`.
pub struct EksCluster {
    reach: Reach,
    timeouts: Timeouts,
    /// The last cluster observed, so that a read can report the endpoint
    /// and issuer without asking EKS twice.
    seen: Mutex<Option<ClusterInfo>>,
}

impl EksCluster {
    pub fn new(reach: Reach, timeouts: Timeouts) -> EksCluster {
        EksCluster {
            reach,
            timeouts,
            seen: Mutex::new(None),
        }
    }

    /// The cluster as last observed by this kind.
    pub fn last_seen(&self) -> Option<ClusterInfo> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember(&self, info: &ClusterInfo) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(info.clone());
    }

    async fn eks(&self, account: &str) -> Result<Eks, KindError> {
        Ok(self.reach.account(account).await?.eks())
    }

    /// The cluster as EKS describes it, waiting for it to be `ACTIVE`.
    pub async fn active(&self, account: &str, name: &str) -> Result<ClusterInfo, KindError> {
        let eks = self.eks(account).await?;
        let wait = self.timeouts.update.max(Duration::from_secs(60));
        let info = eks.wait_active(name, wait).await.map_err(backend)?;
        self.remember(&info);
        Ok(info)
    }
}

#[async_trait::async_trait]
impl Kind for EksCluster {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: EksClusterFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        let Some(info) = eks.describe_cluster(&wanted.name).await.map_err(backend)? else {
            return Ok(None);
        };
        self.remember(&info);
        let owned = super::owned_by_tags(&info.settings.tags);
        let fields = EksClusterFields::observed(&wanted, &info);
        Ok(Some(Observed {
            spec: render(&fields),
            owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: EksClusterFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        let settings = wanted.settings();
        let create = || eks.create_cluster(&settings);
        retry_while_propagating("create the EKS cluster", create)
            .await
            .map_err(backend)?;
        tracing::info!(
            eks.cluster = wanted.name,
            "creating the EKS cluster; this takes 10 to 15 minutes"
        );
        eks.wait_active(&wanted.name, self.timeouts.create)
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
        let wanted: EksClusterFields = parse(id, desired)?;
        let now: EksClusterFields = parse(id, &observed.spec)?;
        let eks = self.eks(&wanted.account).await?;
        let settings = wanted.settings();
        let changed = |field: &str| changes.iter().any(|c| c.field == field);
        let network = [
            "security_group_ids",
            "endpoint_private_access",
            "endpoint_public_access",
            "public_access_cidrs",
        ];
        if network.iter().any(|field| changed(field)) {
            eks.update_cluster_network(&settings)
                .await
                .map_err(backend)?;
            self.settle(&eks, &wanted.name).await?;
        }
        if changed("log_types") {
            eks.update_cluster_logging(&wanted.name, &wanted.log_types)
                .await
                .map_err(backend)?;
            self.settle(&eks, &wanted.name).await?;
        }
        if changed("authentication_mode") {
            eks.update_authentication_mode(&wanted.name, &wanted.authentication_mode)
                .await
                .map_err(backend)?;
            self.settle(&eks, &wanted.name).await?;
        }
        if let (true, Some(version)) = (changed("version"), &wanted.version) {
            eks.update_cluster_version(&wanted.name, version)
                .await
                .map_err(backend)?;
            self.settle(&eks, &wanted.name).await?;
        }
        if changed("tags") {
            let info = eks.describe_cluster(&wanted.name).await.map_err(backend)?;
            let arn = info.map(|info| info.arn).unwrap_or_default();
            let stale = super::stale_tags(&now.tags, &wanted.tags);
            eks.retag(&arn, &wanted.tags, &stale)
                .await
                .map_err(backend)?;
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: EksClusterFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        if !eks.delete_cluster(&wanted.name).await.map_err(backend)? {
            return Ok(false);
        }
        tracing::info!(eks.cluster = wanted.name, "deleting the EKS cluster");
        eks.wait_deleted(&wanted.name, self.timeouts.delete)
            .await
            .map_err(backend)?;
        Ok(true)
    }

    /// Subnets can change in place only within the same VPC, and the
    /// cluster role never: both replace the cluster.
    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "name", "role_arn", "subnet_ids"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::EKS_CLUSTER
    }
}

impl EksCluster {
    async fn settle(&self, eks: &Eks, name: &str) -> Result<(), KindError> {
        eks.wait_active(name, self.timeouts.update)
            .await
            .map(drop)
            .map_err(backend)
    }
}
