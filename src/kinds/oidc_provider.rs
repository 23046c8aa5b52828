//! The cluster's OIDC issuer registered as an IAM OIDC provider in an
//! account.
//!
//! Several accesses into one account share one provider: each marks itself
//! a *user* with a tag of its own (`ci-platform/user/<hash>`). Deleting
//! removes only that tag; the provider itself goes when no user is left
//! and this provider created it. A provider someone else registered is
//! used, never deleted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MANAGED_BY, MANAGED_BY_VALUE, Reach, backend, parse, render};
use crate::backends::aws::iam::Iam;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// Tag key prefix of the resources using a shared provider.
pub const USER_PREFIX: &str = "ci-platform/user/";

/// The audience EKS service account tokens are issued for.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// A root CA thumbprint: IAM asks for one, and ignores it for issuers it
/// trusts through its own CA library, as it does for EKS.
const THUMBPRINT: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";

/// A tag key unique to one owning resource, marking it a user of a shared
/// OIDC provider.
pub fn user_tag(owner: &str) -> String {
    format!(
        "{USER_PREFIX}{}",
        crate::resources::fit_name(&owner.replace('/', "."), 100)
    )
}

/// The managed fields of an OIDC provider, as one user sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcFields {
    pub account: String,
    pub url: String,
    /// Derived by IAM from the account, partition and URL.
    pub arn: String,
    pub client_ids: Vec<String>,
    /// This user's tag key; null in an observation when the tag is missing.
    pub user: Option<String>,
}

/// The OIDC provider kind.
pub struct OidcProvider(pub Reach);

#[async_trait::async_trait]
impl Kind for OidcProvider {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: OidcFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let found = iam.find_oidc_provider(&wanted.url).await.map_err(backend)?;
        Ok(found.map(|provider| {
            let has_all = wanted
                .client_ids
                .iter()
                .all(|c| provider.client_ids.contains(c));
            let client_ids = if has_all {
                wanted.client_ids.clone()
            } else {
                provider.client_ids
            };
            let user = wanted
                .user
                .clone()
                .filter(|key| provider.tags.contains_key(key));
            let fields = OidcFields {
                client_ids,
                user,
                ..wanted
            };
            // Shared by design: any provider for this issuer may be used.
            Observed {
                spec: render(&fields),
                owned: true,
            }
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: OidcFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let mut tags = BTreeMap::from([(MANAGED_BY.to_string(), MANAGED_BY_VALUE.to_string())]);
        tags.extend(
            wanted
                .user
                .iter()
                .map(|key| (key.clone(), "in-use".to_string())),
        );
        let thumbprints = vec![THUMBPRINT.to_string()];
        let created =
            iam.create_oidc_provider(&wanted.url, &wanted.client_ids, &thumbprints, &tags);
        match created.await {
            Ok(_) => Ok(spec.clone()),
            // Another access into the same account created it a moment ago:
            // shared by design, so join it as one more user.
            Err(error) if error.is("EntityAlreadyExists") => {
                let user = wanted
                    .user
                    .iter()
                    .map(|key| (key.clone(), "in-use".to_string()));
                let tags: BTreeMap<String, String> = user.collect();
                iam.tag_oidc_provider(&wanted.arn, &tags)
                    .await
                    .map_err(backend)?;
                Ok(spec.clone())
            }
            Err(error) => Err(backend(error)),
        }
    }

    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        _: &Observed,
        changes: &[Change],
    ) -> Result<Spec, KindError> {
        let wanted: OidcFields = parse(id, desired)?;
        let iam = self.0.iam(&wanted.account).await?;
        if changes.iter().any(|c| c.field == "user") {
            if let Some(key) = &wanted.user {
                let tags = BTreeMap::from([(key.clone(), "in-use".to_string())]);
                iam.tag_oidc_provider(&wanted.arn, &tags)
                    .await
                    .map_err(backend)?;
            }
        }
        if changes.iter().any(|c| c.field == "client_ids") {
            // TODO: add missing client ids to a provider registered elsewhere.
            tracing::warn!(provider = %wanted.arn, "OIDC provider lacks the sts audience");
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: OidcFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let Some(provider) = iam.find_oidc_provider(&wanted.url).await.map_err(backend)? else {
            return Ok(false);
        };
        if let Some(key) = &wanted.user {
            iam.untag_oidc_provider(&wanted.arn, std::slice::from_ref(key))
                .await
                .map_err(backend)?;
        }
        let ours = super::owned_by_tags(&provider.tags);
        let others = provider
            .tags
            .keys()
            .any(|key| key.starts_with(USER_PREFIX) && Some(key) != wanted.user.as_ref());
        if ours && !others {
            return delete_provider(&iam, &wanted.arn).await;
        }
        Ok(true)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "url"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::OIDC_PROVIDER
    }
}

async fn delete_provider(iam: &Iam, arn: &str) -> Result<bool, KindError> {
    iam.delete_oidc_provider(arn).await.map_err(backend)
}
