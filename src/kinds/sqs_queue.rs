//! SQS queues, with their attributes (retention, encryption, access
//! policy) and tags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::backends::aws::Sqs;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueFields {
    pub account: String,
    pub name: String,
    /// `MessageRetentionPeriod` (seconds) as SQS takes it.
    pub message_retention_seconds: String,
    pub managed_encryption: bool,
    /// The queue's access policy.
    pub policy: serde_json::Value,
    pub tags: BTreeMap<String, String>,
}

impl QueueFields {
    fn attributes(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (
                "MessageRetentionPeriod".to_string(),
                self.message_retention_seconds.clone(),
            ),
            (
                "SqsManagedSseEnabled".to_string(),
                self.managed_encryption.to_string(),
            ),
            ("Policy".to_string(), self.policy.to_string()),
        ])
    }
}

/// The SQS queue kind.
pub struct SqsQueue(pub Reach);

impl SqsQueue {
    async fn sqs(&self, account: &str) -> Result<Sqs, KindError> {
        Ok(self.0.account(account).await?.sqs())
    }
}

#[async_trait::async_trait]
impl Kind for SqsQueue {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: QueueFields = parse(id, spec)?;
        let sqs = self.sqs(&wanted.account).await?;
        let Some(queue) = sqs.describe_queue(&wanted.name).await.map_err(backend)? else {
            return Ok(None);
        };
        let attribute = |name: &str| queue.attributes.get(name).cloned().unwrap_or_default();
        let policy = serde_json::from_str(&attribute("Policy")).unwrap_or(serde_json::Value::Null);
        let fields = QueueFields {
            account: wanted.account.clone(),
            name: wanted.name.clone(),
            message_retention_seconds: attribute("MessageRetentionPeriod"),
            managed_encryption: attribute("SqsManagedSseEnabled") == "true",
            policy,
            tags: queue.tags.clone(),
        };
        Ok(Some(Observed {
            owned: super::owned_by_tags(&queue.tags),
            spec: render(&fields),
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: QueueFields = parse(id, spec)?;
        let sqs = self.sqs(&wanted.account).await?;
        sqs.create_queue(&wanted.name, &wanted.attributes(), &wanted.tags)
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
        let wanted: QueueFields = parse(id, desired)?;
        let now: QueueFields = parse(id, &observed.spec)?;
        let sqs = self.sqs(&wanted.account).await?;
        let url = sqs.queue_url(&wanted.name).await.map_err(backend)?;
        let url = url.ok_or_else(|| {
            backend(format!(
                "SQS queue {} vanished during the update",
                wanted.name
            ))
        })?;
        if changes.iter().any(|change| change.field != "tags") {
            sqs.set_attributes(&wanted.name, &url, &wanted.attributes())
                .await
                .map_err(backend)?;
        }
        if changes.iter().any(|change| change.field == "tags") {
            let stale = super::stale_tags(&now.tags, &wanted.tags);
            sqs.retag(&wanted.name, &url, &wanted.tags, &stale)
                .await
                .map_err(backend)?;
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: QueueFields = parse(id, spec)?;
        let sqs = self.sqs(&wanted.account).await?;
        sqs.delete_queue(&wanted.name).await.map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "name"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::QUEUE
    }
}
