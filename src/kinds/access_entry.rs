//! EKS access entries: IAM principals allowed into a cluster whose
//! authentication mode includes `API`. Karpenter's nodes join through one
//! of type `EC2_LINUX` for the node role.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::backends::aws::Eks;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of an access entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntryFields {
    pub account: String,
    pub cluster: String,
    pub principal_arn: String,
    /// `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX` or `STANDARD`.
    pub kind: String,
    pub tags: BTreeMap<String, String>,
}

/// The access entry kind.
pub struct AccessEntry(pub Reach);

impl AccessEntry {
    async fn eks(&self, account: &str) -> Result<Eks, KindError> {
        Ok(self.0.account(account).await?.eks())
    }
}

#[async_trait::async_trait]
impl Kind for AccessEntry {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: AccessEntryFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        let entry = eks
            .describe_access_entry(&wanted.cluster, &wanted.principal_arn)
            .await;
        let Some(entry) = entry.map_err(backend)? else {
            return Ok(None);
        };
        let owned = super::owned_by_tags(&entry.tags);
        let fields = AccessEntryFields {
            kind: entry.kind,
            tags: entry.tags,
            ..wanted
        };
        Ok(Some(Observed {
            spec: render(&fields),
            owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: AccessEntryFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        eks.create_access_entry(
            &wanted.cluster,
            &wanted.principal_arn,
            &wanted.kind,
            &wanted.tags,
        )
        .await
        .map_err(backend)?;
        Ok(spec.clone())
    }

    /// Only tags change in place; everything else is identity.
    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        observed: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        let wanted: AccessEntryFields = parse(id, desired)?;
        let now: AccessEntryFields = parse(id, &observed.spec)?;
        let eks = self.eks(&wanted.account).await?;
        let entry = eks
            .describe_access_entry(&wanted.cluster, &wanted.principal_arn)
            .await;
        let arn = entry
            .map_err(backend)?
            .map(|entry| entry.arn)
            .unwrap_or_default();
        let stale = super::stale_tags(&now.tags, &wanted.tags);
        eks.retag(&arn, &wanted.tags, &stale)
            .await
            .map_err(backend)?;
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: AccessEntryFields = parse(id, spec)?;
        let eks = self.eks(&wanted.account).await?;
        eks.delete_access_entry(&wanted.cluster, &wanted.principal_arn)
            .await
            .map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "cluster", "principal_arn", "kind"]
    }

    /// Before the cluster it belongs to.
    fn delete_rank(&self) -> u8 {
        super::rank::KUBE_OBJECT
    }
}
