//! Sub-object kinds: how the reconcile engine observes, creates, updates
//! and deletes each type of AWS and Kubernetes object.
//!
//! Every object we create carries ownership marks: the tags (AWS) or
//! labels (Kubernetes) [`MANAGED_BY`] = [`MANAGED_BY_VALUE`] and
//! [`OWNER`] = the owning resource's id. The engine adopts an existing
//! object only when it carries them.

pub mod access_entry;
pub mod eks_cluster;
pub mod event_rule;
pub mod iam_role;
pub mod inline_policy;
pub mod kube_object;
pub mod node_group;
pub mod oidc_provider;
pub mod policy_attachment;
pub mod schedule;
pub mod sqs_queue;

use std::fmt::Display;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backends::aws::iam::Iam;
use crate::backends::aws::{Account, Aws};
use crate::reconcile::{KindError, Spec};

/// Tag or label key marking objects this provider created.
pub const MANAGED_BY: &str = "ci-platform/managed-by";
/// Its value.
pub const MANAGED_BY_VALUE: &str = "terraform-provider-ci";
/// Tag or label key naming the resource that owns an object.
pub const OWNER: &str = "ci-platform/owner";

/// Delete ranks: the order in which a resource's sub-objects are deleted,
/// lowest first. Objects go before what they use: Kubernetes objects
/// before their cluster (deleting a NodePool or `EC2NodeClass` first lets
/// Karpenter terminate its instances, which EKS would otherwise leave
/// running), schedules before the node groups they scale, rules before
/// their queue, attachments before their roles, roles before the OIDC
/// provider their trust names.
pub mod rank {
    pub const KUBE_OBJECT: u8 = 0;
    pub const SCHEDULE: u8 = 1;
    pub const EVENT_RULE: u8 = 1;
    pub const NODE_GROUP: u8 = 2;
    pub const QUEUE: u8 = 2;
    pub const EKS_CLUSTER: u8 = 3;
    pub const ROLE_POLICY: u8 = 4;
    pub const IAM_ROLE: u8 = 5;
    pub const OIDC_PROVIDER: u8 = 6;
}

/// How kinds reach the account a spec names.
#[derive(Clone)]
pub struct Reach {
    pub aws: Arc<Aws>,
    /// `Some(role)`: assume this role in the spec's account; `None`: use the
    /// provider's own credentials (the per-account way of working).
    pub assume: Option<String>,
}

impl Reach {
    /// Clients acting in `account_id`.
    pub async fn account(&self, account_id: &str) -> Result<Account, KindError> {
        let account = match &self.assume {
            Some(role) => self.aws.account(Some(account_id), role).await,
            None => self.aws.account(None, "").await,
        };
        account.map_err(backend)
    }

    /// The IAM client acting in `account_id`.
    pub async fn iam(&self, account_id: &str) -> Result<Iam, KindError> {
        Ok(self.account(account_id).await?.iam())
    }
}

/// Whether AWS tags carry our ownership mark.
pub fn owned_by_tags(tags: &std::collections::BTreeMap<String, String>) -> bool {
    tags.get(MANAGED_BY).map(String::as_str) == Some(MANAGED_BY_VALUE)
}

/// The tag keys `now` has and `wanted` does not: what a retag removes.
pub fn stale_tags(
    now: &std::collections::BTreeMap<String, String>,
    wanted: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    now.keys()
        .filter(|key| !wanted.contains_key(*key))
        .cloned()
        .collect()
}

/// A backend error as the engine carries it.
pub fn backend(error: impl Display) -> KindError {
    KindError::Backend(error.to_string())
}

/// Reads a spec into its typed form.
pub fn parse<T: DeserializeOwned>(id: &str, spec: &Spec) -> Result<T, KindError> {
    serde_json::from_value(spec.clone()).map_err(|error| KindError::Spec {
        id: id.to_string(),
        reason: error.to_string(),
    })
}

/// Writes a typed spec as JSON.
pub fn render<T: Serialize>(spec: &T) -> Spec {
    serde_json::to_value(spec).unwrap_or(Spec::Null)
}
