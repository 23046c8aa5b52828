//! `ci_account_access`: IRSA from one runner pool's service account into
//! one AWS account.
//!
//! A job pod runs as a Kubernetes service account; the cluster's OIDC
//! issuer signs its token; an IAM role in the *target account* trusts that
//! issuer for exactly that service account (`sub`) and audience (`aud`).
//! This resource owns the issuer's OIDC provider registered in the target
//! account, the role and its policies, and the annotated ServiceAccount.
//!
//! In the *central* way of working `account_id` names the target account
//! and the provider assumes its target role there; in the *per-account* way
//! `account_id` is left out and the provider's own credentials are used.

mod expand;
mod lifecycle;
mod schema;
pub mod trust_policy;
mod validate;

#[cfg(test)]
mod tests;

use super::{Context, Outcome, Resource};
use crate::diagnostics::Diagnostics;
use crate::schema::Schema;
use crate::value::Value;
use crate::value::path::Path;

pub use trust_policy::default_role_name;

/// The `ci_account_access` resource type.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountAccess;

#[async_trait::async_trait]
impl Resource for AccountAccess {
    fn type_name(&self) -> &'static str {
        "ci_account_access"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    fn plan(
        &self,
        context: &Context,
        config: &Value,
        prior: &Value,
        planned: Value,
    ) -> Result<Value, Diagnostics> {
        Ok(lifecycle::plan(context, config, prior, planned))
    }

    fn replace_on(&self) -> Vec<Path> {
        vec![
            Path::root().attribute("account_id"),
            Path::root().attribute("role_name"),
        ]
    }

    async fn read(
        &self,
        context: &Context,
        current: Value,
        _: Vec<u8>,
    ) -> Result<Outcome, Diagnostics> {
        lifecycle::read(context, current).await
    }

    async fn apply(
        &self,
        context: &Context,
        prior: Value,
        planned: Value,
        _config: Value,
        _private: Vec<u8>,
    ) -> Outcome {
        lifecycle::apply(context, prior, planned).await
    }

    async fn import(&self, context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
        lifecycle::import(context, &schema::schema().block, id).await
    }
}
