//! One AWS request: its span and, on failure, an error that names the
//! action, the object and the account. Every service wrapper sends
//! through [`send`], so logs and errors read the same for IAM, EKS, SQS,
//! EventBridge and Scheduler.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use tracing::Instrument as _;

use super::error::{AwsError, ServiceError};

/// One request, described for its span and its error.
pub struct Request<'a> {
    /// The API operation, e.g. `CreateRole` or `DescribeCluster`.
    pub operation: &'static str,
    /// The name or ARN of the object acted on.
    pub object: &'a str,
    /// What the request does, e.g. "create IAM role ci-x".
    pub action: String,
}

impl<'a> Request<'a> {
    pub fn new(operation: &'static str, object: &'a str, action: String) -> Request<'a> {
        Request {
            operation,
            object,
            action,
        }
    }
}

/// Sends `call` inside a span for `request`, in `account`.
pub async fn send<T, E, R>(
    account: &str,
    request: Request<'_>,
    call: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> Result<T, AwsError>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let span = tracing::debug_span!(
        "aws",
        aws.operation = request.operation,
        aws.object = request.object,
        aws.account = account,
    );
    let result = call.instrument(span).await;
    result.map_err(|error| failed(account, request.action, error.into()))
}

/// The error of `action` in `account`.
pub fn failed(account: &str, action: String, cause: ServiceError) -> AwsError {
    AwsError::Request {
        action,
        account: account.to_string(),
        cause,
    }
}

/// The error for a successful answer that lacks what was asked for.
pub fn incomplete(account: &str, action: String) -> AwsError {
    failed(
        account,
        action,
        ServiceError::other("the answer is incomplete"),
    )
}

/// `Some` of a successful result, `None` when AWS answered with one of
/// the `absent` codes.
pub fn found<T>(result: Result<T, AwsError>, absent: &[&str]) -> Result<Option<T>, AwsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if absent.iter().any(|code| error.is(code)) => Ok(None),
        Err(error) => Err(error),
    }
}
