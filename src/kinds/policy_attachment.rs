//! Managed policies attached to a role. An attachment has no tags of its
//! own: it is ours because the role it hangs on is.

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse};
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of an attachment: all identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentFields {
    pub account: String,
    pub role: String,
    pub policy_arn: String,
}

/// The managed policy attachment kind.
pub struct PolicyAttachment(pub Reach);

#[async_trait::async_trait]
impl Kind for PolicyAttachment {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: AttachmentFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        // A role that is gone lists no attachments.
        let attached = iam
            .list_attached_policies(&wanted.role)
            .await
            .map_err(backend)?;
        let present = attached.contains(&wanted.policy_arn);
        Ok(present.then(|| Observed {
            spec: spec.clone(),
            owned: true,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: AttachmentFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        iam.attach_policy(&wanted.role, &wanted.policy_arn)
            .await
            .map_err(backend)?;
        Ok(spec.clone())
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        _: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        // Every field is identity: a difference is a replacement, never an update.
        let _ = parse::<AttachmentFields>(id, desired)?;
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: AttachmentFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        match iam.detach_policy(&wanted.role, &wanted.policy_arn).await {
            Err(error) if error.is("NoSuchEntity") => Ok(false),
            other => other.map_err(backend),
        }
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "role", "policy_arn"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::ROLE_POLICY
    }
}
