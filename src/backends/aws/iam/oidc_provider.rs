//! IAM OIDC providers: an account's trust in a cluster's token issuer.

use super::{Iam, Request, removed, sdk_tags, tag_map};
use crate::backends::aws::error::AwsError;
use std::collections::BTreeMap;

/// An OIDC provider as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    pub arn: String,
    /// The issuer as IAM keeps it: host and path, without `https://`.
    pub url: String,
    /// The audiences accepted, e.g. `sts.amazonaws.com`.
    pub client_ids: Vec<String>,
    /// SHA-1 thumbprints of the issuer's certificates (hex).
    pub thumbprints: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl Iam {
    /// The ARN IAM gives the provider of `issuer_url` in this account:
    /// `arn:aws:iam::<account>:oidc-provider/<issuer without https://>`.
    pub fn oidc_provider_arn(&self, issuer_url: &str) -> String {
        let issuer = issuer_url.strip_prefix("https://").unwrap_or(issuer_url);
        format!(
            "arn:{}:iam::{}:oidc-provider/{issuer}",
            self.partition, self.account
        )
    }

    /// The provider for `issuer_url`, found by its ARN in one call.
    pub async fn find_oidc_provider(
        &self,
        issuer_url: &str,
    ) -> Result<Option<OidcProvider>, AwsError> {
        let arn = self.oidc_provider_arn(issuer_url);
        let action = format!("read OIDC provider {arn}");
        let request = Request::new("GetOpenIDConnectProvider", &arn, action);
        let call = self
            .client
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .send();
        let Some(output) = super::found(self.send(request, call).await)? else {
            return Ok(None);
        };
        Ok(Some(OidcProvider {
            url: output.url.unwrap_or_default(),
            client_ids: output.client_id_list.unwrap_or_default(),
            thumbprints: output.thumbprint_list.unwrap_or_default(),
            tags: tag_map(output.tags),
            arn,
        }))
    }

    /// Registers `issuer_url` (starting `https://`) and returns the ARN.
    /// An empty `thumbprints` lets IAM use its own trust store.
    pub async fn create_oidc_provider(
        &self,
        issuer_url: &str,
        client_ids: &[String],
        thumbprints: &[String],
        tags: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let action = format!("create OIDC provider for {issuer_url}");
        let request = Request::new("CreateOpenIDConnectProvider", issuer_url, action);
        let thumbprints = Some(thumbprints.to_vec()).filter(|list| !list.is_empty());
        let call = self
            .client
            .create_open_id_connect_provider()
            .url(issuer_url)
            .set_client_id_list(Some(client_ids.to_vec()))
            .set_thumbprint_list(thumbprints)
            .set_tags(sdk_tags(tags))
            .send();
        let output = self.send(request, call).await?;
        let arn = output.open_id_connect_provider_arn;
        let action = || format!("create OIDC provider for {issuer_url}");
        arn.ok_or_else(|| self.incomplete(action()))
    }

    /// Deletes the provider; `false` if there was none.
    pub async fn delete_oidc_provider(&self, arn: &str) -> Result<bool, AwsError> {
        let action = format!("delete OIDC provider {arn}");
        let request = Request::new("DeleteOpenIDConnectProvider", arn, action);
        let call = self
            .client
            .delete_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send();
        removed(self.send(request, call).await)
    }

    /// Adds or overwrites the provider's tags named in `tags`.
    pub async fn tag_oidc_provider(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        if tags.is_empty() {
            return Ok(());
        }
        let action = format!("tag OIDC provider {arn}");
        let request = Request::new("TagOpenIDConnectProvider", arn, action);
        let call = self
            .client
            .tag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tags(sdk_tags(tags))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Removes the provider's tags with these keys.
    pub async fn untag_oidc_provider(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        if keys.is_empty() {
            return Ok(());
        }
        let action = format!("untag OIDC provider {arn}");
        let request = Request::new("UntagOpenIDConnectProvider", arn, action);
        let call = self
            .client
            .untag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send();
        self.send(request, call).await.map(drop)
    }
}
