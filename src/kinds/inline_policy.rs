//! Inline policies embedded in a role.

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of an inline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlinePolicyFields {
    pub account: String,
    pub role: String,
    pub name: String,
    pub document: serde_json::Value,
}

/// The inline policy kind.
pub struct InlinePolicy(pub Reach);

#[async_trait::async_trait]
impl Kind for InlinePolicy {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: InlinePolicyFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let document = iam.get_inline_policy(&wanted.role, &wanted.name).await;
        let document = match document {
            Err(error) if error.is("NoSuchEntity") => None,
            other => other.map_err(backend)?,
        };
        Ok(document.map(|document| {
            let fields = InlinePolicyFields { document, ..wanted };
            Observed {
                spec: render(&fields),
                owned: true,
            }
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        self.put(id, spec).await
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        _: &Observed,
        _: &[Change],
    ) -> Result<Spec, KindError> {
        self.put(id, desired).await
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: InlinePolicyFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        match iam.delete_inline_policy(&wanted.role, &wanted.name).await {
            Err(error) if error.is("NoSuchEntity") => Ok(false),
            other => other.map_err(backend),
        }
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "role", "name"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::ROLE_POLICY
    }
}

impl InlinePolicy {
    async fn put(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: InlinePolicyFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        iam.put_inline_policy(&wanted.role, &wanted.name, &wanted.document)
            .await
            .map_err(backend)?;
        Ok(spec.clone())
    }
}
