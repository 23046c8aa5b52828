//! IAM is eventually consistent: a role created a moment ago may not yet
//! be assumable by the service it trusts. EKS then answers
//! `InvalidParameterException` ("Role ... cannot be assumed"), EventBridge
//! Scheduler `ValidationException` ("The execution role you provide must
//! allow ..."). Likewise a new OIDC provider may not yet be accepted as a
//! trust policy's principal: IAM answers `MalformedPolicyDocument`
//! ("Invalid principal in policy: ...oidc-provider/..."). These answers are
//! retried here for a bounded time; every other error returns at once. Throttling and 5xx are the SDK's retries
//! (see `sdk_config.rs`), not these.

use std::time::Duration;

use tokio::time::Instant;

use super::error::{AwsError, code};

/// How long a new role is given to propagate. AWS documents "a few
/// seconds"; a minute covers the slow cases seen in practice.
pub const BUDGET: Duration = Duration::from_secs(60);
/// The first wait; each later one doubles, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(2);
const MAX_WAIT: Duration = Duration::from_secs(15);

/// Whether `error` is a service saying a new IAM role is not usable yet.
pub fn is_propagation_delay(error: &AwsError) -> bool {
    let message = error.to_string().to_ascii_lowercase();
    let said = error.code().unwrap_or_default();
    let role_refused = said == "InvalidParameterException" && message.contains("assume")
        || said == "ValidationException" && message.contains("execution role");
    let issuer_unknown = said == code::MALFORMED_POLICY_DOCUMENT
        && message.contains("invalid principal")
        && message.contains("oidc-provider/");
    role_refused && message.contains("role") || issuer_unknown
}

/// Runs `call` until it succeeds, fails otherwise than by propagation
/// delay, or [`BUDGET`] has passed; `what` names it in the logs.
pub async fn retry_while_propagating<T, F, Fut>(what: &str, call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    retry_within(what, BUDGET, FIRST_WAIT, call).await
}

async fn retry_within<T, F, Fut>(
    what: &str,
    budget: Duration,
    first_wait: Duration,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let deadline = Instant::now() + budget;
    let mut wait = first_wait;
    loop {
        match call().await {
            Err(error) if is_propagation_delay(&error) && Instant::now() + wait < deadline => {
                tracing::info!(
                    what,
                    wait_ms = wait.as_millis(),
                    "a new IAM role is not usable yet; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::aws::ServiceError;
    use crate::backends::aws::request::failed;
    use std::sync::atomic::{AtomicU32, Ordering};

    const TEST_BUDGET: Duration = Duration::from_millis(300);

    fn error(code: &str, message: &str) -> AwsError {
        failed(
            "111122223333",
            "create EKS cluster ci".into(),
            ServiceError::coded(code, message),
        )
    }

    fn not_assumable() -> AwsError {
        error(
            "InvalidParameterException",
            "Role arn:aws:iam::1:role/x cannot be assumed by EKS",
        )
    }

    #[tokio::test]
    async fn a_role_not_yet_assumable_is_retried_until_it_is() {
        let calls = AtomicU32::new(0);
        let result = retry_within("test", TEST_BUDGET, Duration::from_millis(1), || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(not_assumable()),
                _ => Ok("created"),
            }
        })
        .await;
        assert_eq!(result.unwrap(), "created");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn other_errors_return_at_once() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            retry_within("test", TEST_BUDGET, Duration::from_millis(1), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(error("ResourceInUseException", "Cluster already exists"))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_retries_stop_within_the_budget() {
        let started = Instant::now();
        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            retry_within("test", TEST_BUDGET, Duration::from_millis(1), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(not_assumable())
            })
            .await;
        assert!(is_propagation_delay(&result.unwrap_err()));
        assert!(started.elapsed() <= TEST_BUDGET, "{:?}", started.elapsed());
        assert!(calls.load(Ordering::SeqCst) >= 4);
    }

    #[test]
    fn a_trust_naming_a_new_oidc_provider_counts_and_other_bad_policies_do_not() {
        let new_issuer = error(
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"FEDERATED\":\"arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB\"",
        );
        assert!(is_propagation_delay(&new_issuer));
        assert!(!is_propagation_delay(&error(
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::1:role/typo\""
        )));
        assert!(!is_propagation_delay(&error(
            "MalformedPolicyDocument",
            "Syntax errors in policy."
        )));
    }

    #[test]
    fn the_scheduler_wording_counts_and_unrelated_validation_does_not() {
        let scheduler = error(
            "ValidationException",
            "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.",
        );
        assert!(is_propagation_delay(&scheduler));
        assert!(!is_propagation_delay(&error(
            "ValidationException",
            "Invalid cron expression"
        )));
    }
}
