//! A regional AWS service client bound to one account, so every request
//! is sent through [`super::request::send`] with the account named in its
//! span and error. The service modules (`eks`, `sqs`, `events`,
//! `scheduler`) add their operations to [`Service`] of their SDK client.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use super::error::AwsError;
use super::request::{self, Request};

/// An SDK client of one service, acting in one account.
#[derive(Clone)]
pub struct Service<C> {
    pub(super) sdk: C,
    pub(super) account: Arc<str>,
    pub(super) partition: &'static str,
}

impl<C> Service<C> {
    pub(super) fn new(sdk: C, account: Arc<str>, partition: &'static str) -> Service<C> {
        Service {
            sdk,
            account,
            partition,
        }
    }

    /// The account this client acts in.
    pub fn account_id(&self) -> &str {
        &self.account
    }

    /// The ARN partition of that account.
    pub fn partition(&self) -> &'static str {
        self.partition
    }

    /// Sends one request inside a span, naming it in the error.
    pub(super) async fn send<T, E, R>(
        &self,
        request: Request<'_>,
        call: impl Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        request::send(&self.account, request, call).await
    }

    /// The error for a successful answer that lacks what was asked for.
    pub(super) fn incomplete(&self, action: String) -> AwsError {
        request::incomplete(&self.account, action)
    }
}

impl<C> fmt::Debug for Service<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// EKS in one account and region.
pub type Eks = Service<aws_sdk_eks::Client>;
/// SQS in one account and region.
pub type Sqs = Service<aws_sdk_sqs::Client>;
/// EventBridge in one account and region.
pub type Events = Service<aws_sdk_eventbridge::Client>;
/// EventBridge Scheduler in one account and region.
pub type Scheduler = Service<aws_sdk_scheduler::Client>;
