//! IAM roles: trust policy, tags, session length, boundary, description.

use super::{Iam, Request, document_text, found, removed, sdk_tags, tag_map};
use crate::backends::aws::error::AwsError;
use serde_json::Value;
use std::collections::BTreeMap;

/// IAM's limit when none is set: one hour.
const DEFAULT_MAX_SESSION_DURATION: i32 = 3600;

/// A role as IAM reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub arn: String,
    pub name: String,
    /// The trust policy.
    pub assume_role_policy: Value,
    pub tags: BTreeMap<String, String>,
    /// Seconds, 3,600 to 43,200.
    pub max_session_duration: i32,
    /// The ARN of the managed policy used as permissions boundary.
    pub permissions_boundary: Option<String>,
    pub description: Option<String>,
}

/// A role to create.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpec {
    pub name: String,
    /// The trust policy.
    pub assume_role_policy: Value,
    pub tags: BTreeMap<String, String>,
    /// Seconds, 3,600 to 43,200.
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub description: Option<String>,
}

impl Iam {
    /// The role called `name`, or `None` if there is none.
    pub async fn get_role(&self, name: &str) -> Result<Option<Role>, AwsError> {
        let request = Request::new("GetRole", name, format!("read IAM role {name}"));
        let call = self.client.get_role().role_name(name).send();
        let Some(output) = found(self.send(request, call).await)? else {
            return Ok(None);
        };
        let role = output
            .role
            .ok_or_else(|| self.incomplete(format!("read IAM role {name}")))?;
        self.role_from_sdk(role).map(Some)
    }

    /// Creates a role as `spec` says and returns it.
    pub async fn create_role(&self, spec: &RoleSpec) -> Result<Role, AwsError> {
        let name = spec.name.as_str();
        let request = Request::new("CreateRole", name, format!("create IAM role {name}"));
        let call = self
            .client
            .create_role()
            .role_name(name)
            .assume_role_policy_document(document_text(&spec.assume_role_policy))
            .max_session_duration(spec.max_session_duration)
            .set_permissions_boundary(spec.permissions_boundary.clone())
            .set_description(spec.description.clone())
            .set_tags(sdk_tags(&spec.tags))
            .send();
        let output = self.send(request, call).await?;
        let action = || format!("create IAM role {name}");
        let created = output.role.ok_or_else(|| self.incomplete(action()))?;
        // IAM stores what it was sent; only the ARN is new.
        Ok(Role {
            arn: created.arn,
            name: spec.name.clone(),
            assume_role_policy: spec.assume_role_policy.clone(),
            tags: spec.tags.clone(),
            max_session_duration: spec.max_session_duration,
            permissions_boundary: spec.permissions_boundary.clone(),
            description: spec.description.clone(),
        })
    }

    /// Replaces the role's trust policy.
    pub async fn update_assume_role_policy(
        &self,
        name: &str,
        policy: &Value,
    ) -> Result<(), AwsError> {
        let action = format!("update the trust policy of IAM role {name}");
        let request = Request::new("UpdateAssumeRolePolicy", name, action);
        let call = self
            .client
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(document_text(policy))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Sets the role's session length and description; `None` clears the
    /// description.
    pub async fn update_role(
        &self,
        name: &str,
        max_session_duration: i32,
        description: Option<&str>,
    ) -> Result<(), AwsError> {
        let request = Request::new("UpdateRole", name, format!("update IAM role {name}"));
        let call = self
            .client
            .update_role()
            .role_name(name)
            .max_session_duration(max_session_duration)
            .description(description.unwrap_or_default())
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Sets the managed policy `policy_arn` as the role's boundary.
    pub async fn put_permissions_boundary(
        &self,
        name: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        let action = format!("set the permissions boundary of IAM role {name} to {policy_arn}");
        let request = Request::new("PutRolePermissionsBoundary", name, action);
        let call = self
            .client
            .put_role_permissions_boundary()
            .role_name(name)
            .permissions_boundary(policy_arn)
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Removes the role's boundary; `false` if the role has none.
    pub async fn delete_permissions_boundary(&self, name: &str) -> Result<bool, AwsError> {
        let action = format!("remove the permissions boundary of IAM role {name}");
        let request = Request::new("DeleteRolePermissionsBoundary", name, action);
        let call = self
            .client
            .delete_role_permissions_boundary()
            .role_name(name)
            .send();
        removed(self.send(request, call).await)
    }

    /// Adds or overwrites the role's tags named in `tags`.
    pub async fn tag_role(
        &self,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        if tags.is_empty() {
            return Ok(());
        }
        let request = Request::new("TagRole", name, format!("tag IAM role {name}"));
        let call = self
            .client
            .tag_role()
            .role_name(name)
            .set_tags(sdk_tags(tags))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Removes the role's tags with these keys.
    pub async fn untag_role(&self, name: &str, keys: &[String]) -> Result<(), AwsError> {
        if keys.is_empty() {
            return Ok(());
        }
        let request = Request::new("UntagRole", name, format!("untag IAM role {name}"));
        let call = self
            .client
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(keys.to_vec()))
            .send();
        self.send(request, call).await.map(drop)
    }

    /// Deletes the role; `false` if there was none. IAM refuses
    /// (`DeleteConflict`) while policies are attached or inline.
    pub async fn delete_role(&self, name: &str) -> Result<bool, AwsError> {
        let request = Request::new("DeleteRole", name, format!("delete IAM role {name}"));
        let call = self.client.delete_role().role_name(name).send();
        removed(self.send(request, call).await)
    }

    fn role_from_sdk(&self, role: aws_sdk_iam::types::Role) -> Result<Role, AwsError> {
        let name = role.role_name;
        let policy = role.assume_role_policy_document.unwrap_or_default();
        let assume_role_policy =
            self.parse_document(&policy, || format!("trust policy of IAM role {name}"))?;
        let boundary = role.permissions_boundary;
        Ok(Role {
            arn: role.arn,
            assume_role_policy,
            tags: tag_map(role.tags),
            max_session_duration: role
                .max_session_duration
                .unwrap_or(DEFAULT_MAX_SESSION_DURATION),
            permissions_boundary: boundary.and_then(|b| b.permissions_boundary_arn),
            description: role.description.filter(|text| !text.is_empty()),
            name,
        })
    }
}
