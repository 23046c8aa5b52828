//! SQS: Karpenter's interruption queue.
//!
//! A queue is found by name (`GetQueueUrl`); its settings are *attributes*
//! (`MessageRetentionPeriod`, `SqsManagedSseEnabled`, `Policy`), read and
//! written as strings.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sqs::types::QueueAttributeName;

use super::error::{AwsError, code};
use super::request::{Request, found};
use super::service::Sqs;

/// The codes SQS answers for a queue that does not exist, by protocol.
const NO_QUEUE: [&str; 2] = [code::QUEUE_DOES_NOT_EXIST, "QueueDoesNotExist"];

/// A queue as SQS describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Queue {
    pub url: String,
    pub arn: String,
    /// The attributes we manage, by their SQS names.
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

/// The attributes a queue spec may set.
pub const MANAGED_ATTRIBUTES: [&str; 3] =
    ["MessageRetentionPeriod", "SqsManagedSseEnabled", "Policy"];

impl Sqs {
    /// The URL of the queue `name`, or `None` when there is none.
    pub async fn queue_url(&self, name: &str) -> Result<Option<String>, AwsError> {
        let request = Request::new("GetQueueUrl", name, format!("find SQS queue {name}"));
        let call = self.sdk.get_queue_url().queue_name(name).send();
        let output = found(self.send(request, call).await, &NO_QUEUE)?;
        Ok(output.and_then(|o| o.queue_url))
    }

    /// The queue `name` with its managed attributes and tags.
    pub async fn describe_queue(&self, name: &str) -> Result<Option<Queue>, AwsError> {
        let Some(url) = self.queue_url(name).await? else {
            return Ok(None);
        };
        let request = Request::new("GetQueueAttributes", name, format!("read SQS queue {name}"));
        let call = self
            .sdk
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::All)
            .send();
        let Some(output) = found(self.send(request, call).await, &NO_QUEUE)? else {
            return Ok(None);
        };
        let mut attributes: BTreeMap<String, String> = output
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| (name.as_str().to_string(), value))
            .collect();
        let arn = attributes.remove("QueueArn").unwrap_or_default();
        attributes.retain(|name, _| MANAGED_ATTRIBUTES.contains(&name.as_str()));
        let tags = self.queue_tags(name, &url).await?;
        Ok(Some(Queue {
            url,
            arn,
            attributes,
            tags,
        }))
    }

    async fn queue_tags(
        &self,
        name: &str,
        url: &str,
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let request = Request::new(
            "ListQueueTags",
            name,
            format!("read the tags of SQS queue {name}"),
        );
        let call = self.sdk.list_queue_tags().queue_url(url).send();
        let output = self.send(request, call).await?;
        Ok(output.tags.unwrap_or_default().into_iter().collect())
    }

    /// Creates the queue; returns its URL.
    pub async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let action = format!("create SQS queue {name}");
        let request = Request::new("CreateQueue", name, action.clone());
        let call = self
            .sdk
            .create_queue()
            .queue_name(name)
            .set_attributes(Some(sdk_attributes(attributes)))
            .set_tags(Some(to_hash_map(tags)).filter(|t| !t.is_empty()))
            .send();
        let output = self.send(request, call).await?;
        output.queue_url.ok_or_else(|| self.incomplete(action))
    }

    /// Sets the queue's attributes.
    pub async fn set_attributes(
        &self,
        name: &str,
        url: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        let request = Request::new(
            "SetQueueAttributes",
            name,
            format!("update SQS queue {name}"),
        );
        let call = self
            .sdk
            .set_queue_attributes()
            .queue_url(url)
            .set_attributes(Some(sdk_attributes(attributes)))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Sets `tags` and removes the keys in `stale`.
    pub async fn retag(
        &self,
        name: &str,
        url: &str,
        tags: &BTreeMap<String, String>,
        stale: &[String],
    ) -> Result<(), AwsError> {
        if !stale.is_empty() {
            let request = Request::new("UntagQueue", name, format!("untag SQS queue {name}"));
            let call = self
                .sdk
                .untag_queue()
                .queue_url(url)
                .set_tag_keys(Some(stale.to_vec()))
                .send();
            self.send(request, call).await?;
        }
        let request = Request::new("TagQueue", name, format!("tag SQS queue {name}"));
        let call = self
            .sdk
            .tag_queue()
            .queue_url(url)
            .set_tags(Some(to_hash_map(tags)))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Deletes the queue; `false` when it was already gone.
    pub async fn delete_queue(&self, name: &str) -> Result<bool, AwsError> {
        let Some(url) = self.queue_url(name).await? else {
            return Ok(false);
        };
        let request = Request::new("DeleteQueue", name, format!("delete SQS queue {name}"));
        let call = self.sdk.delete_queue().queue_url(url).send();
        Ok(found(self.send(request, call).await, &NO_QUEUE)?.is_some())
    }
}

fn sdk_attributes(attributes: &BTreeMap<String, String>) -> HashMap<QueueAttributeName, String> {
    attributes
        .iter()
        .map(|(name, value)| (QueueAttributeName::from(name.as_str()), value.clone()))
        .collect()
}

fn to_hash_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}
