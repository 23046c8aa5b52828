//! IAM: the objects that give a CI job access to an account.
//!
//! - An *OIDC provider* is IAM's record of an external token issuer, here a
//!   cluster's service-account issuer; its ARN is derived from the issuer
//!   URL, so there is at most one per issuer in an account.
//! - A role's *trust policy* (IAM's "assume role policy") says who may
//!   assume the role; its *permissions boundary* caps what its policies
//!   can grant.
//! - A *managed policy* stands alone and is attached to roles by ARN; an
//!   *inline policy* is embedded in one role under a name.
//!
//! Reads of an object that does not exist return `None` (or `false`),
//! never an error: observing absence is normal when reconciling. Policy
//! documents are JSON values both ways.

mod oidc_provider;
mod policy;
mod role;

pub use oidc_provider::OidcProvider;
pub use role::{Role, RoleSpec};

use super::error::{AwsError, ServiceError, code};
use super::policy_document::parse_policy_document;
use super::request::Request;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use serde_json::Value;
use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// IAM in one account: a thin wrapper over the SDK client that names the
/// object and the account in every error and span.
#[derive(Clone)]
pub struct Iam {
    client: aws_sdk_iam::Client,
    account: Arc<str>,
    partition: &'static str,
}

impl Iam {
    pub(super) fn new(
        client: aws_sdk_iam::Client,
        account: Arc<str>,
        partition: &'static str,
    ) -> Iam {
        Iam {
            client,
            account,
            partition,
        }
    }

    /// The account this client acts in.
    pub fn account_id(&self) -> &str {
        &self.account
    }

    /// The ARN partition this client's account is in.
    pub fn partition(&self) -> &'static str {
        self.partition
    }

    /// Sends one request inside a span, naming it in the error.
    async fn send<T, E, R>(
        &self,
        request: Request<'_>,
        call: impl Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        super::request::send(&self.account, request, call).await
    }

    fn failed(&self, action: String, cause: ServiceError) -> AwsError {
        super::request::failed(&self.account, action, cause)
    }

    /// The error for a successful answer that lacks what was asked for.
    fn incomplete(&self, action: String) -> AwsError {
        self.failed(action, ServiceError::other("IAM's answer is incomplete"))
    }

    /// Parses a policy document IAM returned; `document` names it.
    fn parse_document(&self, text: &str, document: impl Fn() -> String) -> Result<Value, AwsError> {
        parse_policy_document(text).map_err(|error| AwsError::PolicyDocument {
            document: document(),
            account: self.account.to_string(),
            reason: error.to_string(),
        })
    }
}

impl fmt::Debug for Iam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iam")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// `Some` of a successful result, `None` for `NoSuchEntity`.
fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    super::request::found(result, &[code::NO_SUCH_ENTITY])
}

/// `true` when a delete or detach removed something, `false` when there
/// was nothing to remove.
fn removed<T>(result: Result<T, AwsError>) -> Result<bool, AwsError> {
    found(result).map(|done| done.is_some())
}

fn tag_map(tags: Option<Vec<Tag>>) -> BTreeMap<String, String> {
    let tags = tags.unwrap_or_default().into_iter();
    tags.map(|tag| (tag.key, tag.value)).collect()
}

/// The SDK's tag list; `None` when empty, as IAM rejects empty lists.
fn sdk_tags(tags: &BTreeMap<String, String>) -> Option<Vec<Tag>> {
    // Building a tag fails only when its key or value is missing.
    let tags = tags
        .iter()
        .filter_map(|(key, value)| Tag::builder().key(key).value(value).build().ok());
    Some(tags.collect::<Vec<_>>()).filter(|tags| !tags.is_empty())
}

/// A policy document as IAM takes it.
fn document_text(document: &Value) -> String {
    document.to_string()
}
