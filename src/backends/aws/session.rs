//! STS sessions: the temporary credentials of one assumed role.
//!
//! A [`RoleSession`] assumes its role on first use, keeps the credentials,
//! and assumes the role again once they are within
//! [`RENEW_BEFORE_EXPIRY`] of expiring. Callers that arrive while an
//! `sts:AssumeRole` is in flight wait for it and share its result, so many
//! concurrent resources in one account make one call.

use super::error::{AwsError, ServiceError};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::sync::RwLock;
use tracing::Instrument as _;

/// How long before expiry a session is renewed: long enough that no
/// request starts with credentials that expire while it is retried.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Shown as the source of session credentials in SDK logs.
const PROVIDER_NAME: &str = "terraform-provider-ci";

/// What to ask `sts:AssumeRole` for.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct AssumeRequest {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

/// One role's cached session, assumed with `sts`'s credentials.
pub(super) struct RoleSession {
    request: AssumeRequest,
    sts: aws_sdk_sts::Client,
    calls: Arc<AtomicU64>,
    cached: RwLock<Option<Credentials>>,
}

impl RoleSession {
    /// A session not yet assumed; `calls` counts every `sts:AssumeRole`.
    pub(super) fn new(
        request: AssumeRequest,
        sts: aws_sdk_sts::Client,
        calls: Arc<AtomicU64>,
    ) -> RoleSession {
        RoleSession {
            request,
            sts,
            calls,
            cached: RwLock::new(None),
        }
    }

    /// The session's credentials, assuming the role if they are missing
    /// or about to expire.
    pub(super) async fn credentials(&self) -> Result<Credentials, AwsError> {
        if let Some(credentials) = fresh(&*self.cached.read().await, SystemTime::now()) {
            return Ok(credentials);
        }
        let mut cached = self.cached.write().await;
        // Another caller may have renewed the session while we waited.
        if let Some(credentials) = fresh(&cached, SystemTime::now()) {
            return Ok(credentials);
        }
        let credentials = self.assume().await?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }

    async fn assume(&self) -> Result<Credentials, AwsError> {
        let role_arn = &self.request.role_arn;
        let span = tracing::debug_span!(
            "aws",
            aws.operation = "AssumeRole",
            aws.object = %role_arn,
        );
        self.calls.fetch_add(1, Ordering::Relaxed);
        let output = self
            .sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(&self.request.session_name)
            .set_external_id(self.request.external_id.clone())
            .send()
            .instrument(span)
            .await
            .map_err(|error| self.failed(error.into()))?;
        let credentials = output
            .credentials
            .ok_or_else(|| self.failed(no_credentials()))?;
        tracing::info!(aws.account = account_of(role_arn), %role_arn, "assumed role");
        Ok(into_sdk_credentials(credentials))
    }

    fn failed(&self, cause: ServiceError) -> AwsError {
        AwsError::AssumeRole {
            role_arn: self.request.role_arn.clone(),
            cause,
        }
    }
}

impl fmt::Debug for RoleSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoleSession")
            .field("role_arn", &self.request.role_arn)
            .finish_non_exhaustive()
    }
}

/// The cached credentials unless they expire within [`RENEW_BEFORE_EXPIRY`].
fn fresh(cached: &Option<Credentials>, now: SystemTime) -> Option<Credentials> {
    let credentials = cached.as_ref()?;
    let renew_at = credentials
        .expiry()
        .and_then(|expiry| expiry.checked_sub(RENEW_BEFORE_EXPIRY));
    match renew_at {
        Some(renew_at) if now >= renew_at => None,
        _ => Some(credentials.clone()),
    }
}

fn into_sdk_credentials(sts: aws_sdk_sts::types::Credentials) -> Credentials {
    let expiry = SystemTime::try_from(sts.expiration).ok();
    Credentials::new(
        sts.access_key_id,
        sts.secret_access_key,
        Some(sts.session_token),
        expiry,
        PROVIDER_NAME,
    )
}

/// A successful `AssumeRole` answer without credentials.
fn no_credentials() -> ServiceError {
    ServiceError::other("sts:AssumeRole returned no credentials")
}

/// The account id in a role ARN, `arn:aws:iam::<account>:role/<name>`.
fn account_of(role_arn: &str) -> &str {
    role_arn.split(':').nth(4).unwrap_or_default()
}

/// A [`RoleSession`] as the SDK's credentials provider, so that clients
/// built once keep working across renewals.
#[derive(Debug, Clone)]
pub(super) struct SessionCredentials(pub Arc<RoleSession>);

impl ProvideCredentials for SessionCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let credentials = self.0.credentials().await;
            credentials.map_err(CredentialsError::provider_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring_in(now: SystemTime, seconds: u64) -> Option<Credentials> {
        let expiry = now + Duration::from_secs(seconds);
        Some(Credentials::new(
            "AKID",
            "secret",
            None,
            Some(expiry),
            "test",
        ))
    }

    #[test]
    fn a_session_is_renewed_five_minutes_before_it_expires() {
        let now = SystemTime::now();
        assert!(fresh(&expiring_in(now, 301), now).is_some());
        assert!(fresh(&expiring_in(now, 300), now).is_none());
        assert!(fresh(&expiring_in(now, 10), now).is_none());
    }

    #[test]
    fn credentials_without_expiry_stay_fresh() {
        let credentials = Credentials::new("AKID", "secret", None, None, "test");
        assert!(fresh(&Some(credentials), SystemTime::now()).is_some());
        assert!(fresh(&None, SystemTime::now()).is_none());
    }

    #[test]
    fn the_account_is_read_from_a_role_arn() {
        let arn = "arn:aws:iam::111111111111:role/ci-provisioner";
        assert_eq!(account_of(arn), "111111111111");
        assert_eq!(account_of("not-an-arn"), "");
    }
}
