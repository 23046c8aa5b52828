//! Errors of the AWS backend: which step failed, on which object, in which
//! account, and what AWS said.
//!
//! A *service error* is AWS's answer to one request: an error code such as
//! `NoSuchEntity` and a message. Requests that never got an answer (no
//! network, no credentials) have no code, only a message.

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::error::Error as StdError;
use std::fmt;

/// AWS error codes callers tell apart.
pub mod code {
    /// IAM: the object to create exists already.
    pub const ENTITY_ALREADY_EXISTS: &str = "EntityAlreadyExists";
    /// IAM: the object does not exist.
    pub const NO_SUCH_ENTITY: &str = "NoSuchEntity";
    /// EKS, EventBridge and Scheduler: the object does not exist.
    pub const RESOURCE_NOT_FOUND: &str = "ResourceNotFoundException";
    /// EKS and Scheduler: the object to create exists already.
    pub const RESOURCE_IN_USE: &str = "ResourceInUseException";
    /// Scheduler: the object to create exists already.
    pub const CONFLICT: &str = "ConflictException";
    /// SQS: the queue does not exist.
    pub const QUEUE_DOES_NOT_EXIST: &str = "AWS.SimpleQueueService.NonExistentQueue";
    /// IAM: the object is still in use (a role with policies attached).
    pub const DELETE_CONFLICT: &str = "DeleteConflict";
    /// IAM: a policy document was rejected.
    pub const MALFORMED_POLICY_DOCUMENT: &str = "MalformedPolicyDocument";
    /// IAM and STS: the credentials may not do this.
    pub const ACCESS_DENIED: &str = "AccessDenied";
    /// Any service: too many requests, even after retries.
    pub const THROTTLING: &str = "Throttling";
}

/// An error of the AWS backend.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No region in the provider block, the environment or the shared
    /// config file.
    #[error(
        "no AWS region is configured: set `region` in the provider block, or the \
         AWS_REGION environment variable"
    )]
    NoRegion,

    /// The SDK configuration has no credential provider at all.
    #[error("no AWS credentials are configured")]
    NoCredentials,

    /// `sts:AssumeRole` failed.
    #[error("cannot assume role {role_arn}: {cause}")]
    AssumeRole {
        role_arn: String,
        cause: ServiceError,
    },

    /// `sts:GetCallerIdentity` failed for the provider's own credentials.
    #[error("cannot find the account of the provider's AWS credentials: {cause}")]
    CallerIdentity { cause: ServiceError },

    /// A service request failed; `action` reads like "create IAM role
    /// ci-x" or "describe EKS cluster ci-main".
    #[error("cannot {action} in account {account}: {cause}")]
    Request {
        action: String,
        account: String,
        cause: ServiceError,
    },

    /// AWS returned a policy document that is not URL-encoded JSON.
    #[error("cannot read the {document} in account {account}: {reason}")]
    PolicyDocument {
        document: String,
        account: String,
        reason: String,
    },
}

impl AwsError {
    /// The AWS error code, e.g. `EntityAlreadyExists`, when AWS answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::AssumeRole { cause, .. }
            | AwsError::CallerIdentity { cause }
            | AwsError::Request { cause, .. } => cause.code(),
            AwsError::NoRegion | AwsError::NoCredentials | AwsError::PolicyDocument { .. } => None,
        }
    }

    /// Whether AWS answered with this error code.
    pub fn is(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

/// AWS's answer to a failed request, or why there was none.
pub struct ServiceError {
    code: Option<String>,
    message: String,
    source: Box<dyn StdError + Send + Sync>,
}

impl ServiceError {
    /// A failure AWS did not report, e.g. an answer missing a field.
    pub(crate) fn other(message: &str) -> ServiceError {
        ServiceError {
            code: None,
            message: message.to_string(),
            source: message.into(),
        }
    }

    /// An answer with an error code, as AWS would give it (tests).
    #[cfg(test)]
    pub(crate) fn coded(code: &str, message: &str) -> ServiceError {
        ServiceError {
            code: Some(code.to_string()),
            message: message.to_string(),
            source: message.into(),
        }
    }

    /// The AWS error code, when AWS answered.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// What AWS said, or why the request got no answer.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The SDK error underneath, for logs at debug level.
    pub fn sdk_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }
}

impl<E, R> From<SdkError<E, R>> for ServiceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    fn from(error: SdkError<E, R>) -> ServiceError {
        let code = error.code().map(str::to_string);
        // Only service errors carry a message of their own; for the others
        // (no connection, no credentials) the whole chain says what happened.
        let message = match error.message() {
            Some(message) => message.to_string(),
            None => DisplayErrorContext(&error).to_string(),
        };
        ServiceError {
            code,
            message,
            source: Box::new(error),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} ({code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceError")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}
