//! IAM roles: trust policy, tags, maximum session, permissions boundary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Reach, backend, parse, render};
use crate::backends::aws::iam::{Role, RoleSpec};
use crate::backends::aws::propagation::retry_while_propagating;
use crate::reconcile::{Change, Kind, KindError, Observed, Spec};

/// The managed fields of a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleFields {
    pub account: String,
    pub name: String,
    pub assume_role_policy: serde_json::Value,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Set at create and kept on update; not compared (`None`: the CI
    /// access description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl RoleFields {
    fn observed(wanted: &RoleFields, role: Role) -> RoleFields {
        RoleFields {
            account: wanted.account.clone(),
            name: role.name,
            assume_role_policy: role.assume_role_policy,
            max_session_duration: role.max_session_duration,
            permissions_boundary: role.permissions_boundary,
            tags: role.tags,
            description: wanted.description.clone(),
        }
    }

    fn description(&self) -> &str {
        self.description.as_deref().unwrap_or(DESCRIPTION)
    }
}

/// The description every role gets; UpdateRole would clear it if omitted.
const DESCRIPTION: &str = "CI job access, managed by terraform-provider-ci";

/// The IAM role kind.
pub struct IamRole(pub Reach);

#[async_trait::async_trait]
impl Kind for IamRole {
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError> {
        let wanted: RoleFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let Some(role) = iam.get_role(&wanted.name).await.map_err(backend)? else {
            return Ok(None);
        };
        let owned = super::owned_by_tags(&role.tags);
        let fields = RoleFields::observed(&wanted, role);
        Ok(Some(Observed {
            spec: render(&fields),
            owned,
        }))
    }

    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError> {
        let wanted: RoleFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        let request = RoleSpec {
            name: wanted.name.clone(),
            assume_role_policy: wanted.assume_role_policy.clone(),
            tags: wanted.tags.clone(),
            max_session_duration: wanted.max_session_duration,
            permissions_boundary: wanted.permissions_boundary.clone(),
            description: Some(wanted.description().to_string()),
        };
        // A trust naming the OIDC provider created just before may not be
        // accepted at once.
        let create = || iam.create_role(&request);
        retry_while_propagating("create the IAM role", create)
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
        let wanted: RoleFields = parse(id, desired)?;
        let now: RoleFields = parse(id, &observed.spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        for change in changes {
            match change.field.as_str() {
                "assume_role_policy" => {
                    let update =
                        || iam.update_assume_role_policy(&wanted.name, &wanted.assume_role_policy);
                    retry_while_propagating("update the role's trust", update).await
                }
                "max_session_duration" => {
                    // UpdateRole sets the description too: keep ours.
                    iam.update_role(
                        &wanted.name,
                        wanted.max_session_duration,
                        Some(wanted.description()),
                    )
                    .await
                }
                "permissions_boundary" => match &wanted.permissions_boundary {
                    Some(arn) => iam.put_permissions_boundary(&wanted.name, arn).await,
                    None => iam
                        .delete_permissions_boundary(&wanted.name)
                        .await
                        .map(drop),
                },
                "tags" => retag(&iam, &wanted, &now).await,
                _ => Ok(()),
            }
            .map_err(backend)?;
        }
        Ok(desired.clone())
    }

    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError> {
        let wanted: RoleFields = parse(id, spec)?;
        let iam = self.0.iam(&wanted.account).await?;
        iam.delete_role(&wanted.name).await.map_err(backend)
    }

    fn identity_fields(&self) -> &'static [&'static str] {
        &["account", "name"]
    }

    fn delete_rank(&self) -> u8 {
        super::rank::IAM_ROLE
    }
}

async fn retag(
    iam: &crate::backends::aws::iam::Iam,
    wanted: &RoleFields,
    now: &RoleFields,
) -> Result<(), crate::backends::aws::AwsError> {
    let stale = super::stale_tags(&now.tags, &wanted.tags);
    if !stale.is_empty() {
        iam.untag_role(&wanted.name, &stale).await?;
    }
    iam.tag_role(&wanted.name, &wanted.tags).await
}
