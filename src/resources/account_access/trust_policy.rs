//! The IAM trust policy that lets one service account assume the role.
//!
//! IAM keys the conditions on the issuer without its scheme
//! (`oidc.eks.REGION.amazonaws.com/id/ID:sub`); both `sub` and `aud` are
//! pinned with `StringEquals`, never `StringLike`, so no other service
//! account and no other audience matches.

use crate::resources::fit_name;
use serde_json::{Value as Json, json};

/// IAM's default quota on a role's trust policy, in characters without
/// whitespace.
pub const MAX_TRUST_POLICY_CHARS: usize = 2048;
/// The audience EKS pod identity webhooks request for IRSA tokens.
pub const AUDIENCE: &str = "sts.amazonaws.com";
const MAX_ROLE_NAME: usize = 64;

/// What the trust policy is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicyInputs<'a> {
    pub account_id: &'a str,
    pub issuer_url: &'a str,
    pub namespace: &'a str,
    pub service_account: &'a str,
}

/// `oidc.eks.eu-west-1.amazonaws.com/id/ID` for its `https://` URL.
pub fn issuer_host_path(issuer_url: &str) -> &str {
    issuer_url.strip_prefix("https://").unwrap_or(issuer_url)
}

/// The AWS partition of an EKS issuer: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition(issuer_url: &str) -> &'static str {
    let host = issuer_host_path(issuer_url)
        .split('/')
        .next()
        .unwrap_or_default();
    if host.ends_with(".amazonaws.com.cn") {
        "aws-cn"
    } else if host.contains(".us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The ARN of the issuer's OIDC provider in `account_id`.
pub fn oidc_provider_arn(account_id: &str, issuer_url: &str) -> String {
    let partition = partition(issuer_url);
    format!(
        "arn:{partition}:iam::{account_id}:oidc-provider/{}",
        issuer_host_path(issuer_url)
    )
}

/// The trust policy document.
pub fn render(inputs: &TrustPolicyInputs) -> Json {
    let issuer = issuer_host_path(inputs.issuer_url);
    let subject = format!(
        "system:serviceaccount:{}:{}",
        inputs.namespace, inputs.service_account
    );
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn(inputs.account_id, inputs.issuer_url)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{issuer}:sub"): subject,
                format!("{issuer}:aud"): AUDIENCE,
            }}
        }]
    })
}

/// The default role name, `ci-<namespace>-<service_account>`, shortened
/// to IAM's 64 characters with a stable hash suffix when too long.
pub fn default_role_name(namespace: &str, service_account: &str) -> String {
    fit_name(&format!("ci-{namespace}-{service_account}"), MAX_ROLE_NAME)
}
