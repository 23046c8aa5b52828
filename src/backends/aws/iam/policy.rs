//! A role's policies: managed policies attached by ARN, and inline
//! policies embedded under a name.

use super::{Iam, Request, document_text, found, removed};
use crate::backends::aws::error::AwsError;
use serde_json::Value;

impl Iam {
    /// The ARNs of the managed policies attached to `role`, all pages; empty
    /// when the role does not exist.
    pub async fn list_attached_policies(&self, role: &str) -> Result<Vec<String>, AwsError> {
        let action = format!("list the policies attached to IAM role {role}");
        let request = Request::new("ListAttachedRolePolicies", role, action);
        let call = self
            .client
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .try_collect();
        let attached = found(self.send(request, call).await)?.unwrap_or_default();
        let arns = attached.into_iter().filter_map(|policy| policy.policy_arn);
        Ok(arns.collect())
    }

    /// Attaches the managed policy `policy_arn` to `role`; attaching twice
    /// is harmless.
    pub async fn attach_policy(&self, role: &str, policy_arn: &str) -> Result<(), AwsError> {
        let action = format!("attach policy {policy_arn} to IAM role {role}");
        let request = Request::new("AttachRolePolicy", role, action);
        let call = self
            .client
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Detaches `policy_arn` from `role`; `false` if it was not attached.
    pub async fn detach_policy(&self, role: &str, policy_arn: &str) -> Result<bool, AwsError> {
        let action = format!("detach policy {policy_arn} from IAM role {role}");
        let request = Request::new("DetachRolePolicy", role, action);
        let call = self
            .client
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)
            .send();
        removed(self.send(request, call).await)
    }

    /// Whether the managed policy `policy_arn` exists.
    pub async fn policy_exists(&self, policy_arn: &str) -> Result<bool, AwsError> {
        let action = format!("read IAM policy {policy_arn}");
        let request = Request::new("GetPolicy", policy_arn, action);
        let call = self.client.get_policy().policy_arn(policy_arn).send();
        removed(self.send(request, call).await)
    }

    /// The document of `role`'s inline policy `name`, or `None`.
    pub async fn get_inline_policy(
        &self,
        role: &str,
        name: &str,
    ) -> Result<Option<Value>, AwsError> {
        let action = format!("read inline policy {name} of IAM role {role}");
        let request = Request::new("GetRolePolicy", name, action);
        let call = self
            .client
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send();
        let Some(output) = found(self.send(request, call).await)? else {
            return Ok(None);
        };
        let document = || format!("inline policy {name} of IAM role {role}");
        self.parse_document(&output.policy_document, document)
            .map(Some)
    }

    /// Creates or replaces `role`'s inline policy `name`.
    pub async fn put_inline_policy(
        &self,
        role: &str,
        name: &str,
        document: &Value,
    ) -> Result<(), AwsError> {
        let action = format!("put inline policy {name} on IAM role {role}");
        let request = Request::new("PutRolePolicy", name, action);
        let call = self
            .client
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document_text(document))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Deletes `role`'s inline policy `name`; `false` if there was none.
    pub async fn delete_inline_policy(&self, role: &str, name: &str) -> Result<bool, AwsError> {
        let action = format!("delete inline policy {name} of IAM role {role}");
        let request = Request::new("DeleteRolePolicy", name, action);
        let call = self
            .client
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send();
        removed(self.send(request, call).await)
    }
}
