//! From the provider block to the AWS SDK's configuration: region, retries,
//! endpoints and the clients built from them.
//!
//! # Retry budget
//!
//! Each AWS request is attempted at most `max_attempts` times (default 3).
//! Between attempts the SDK waits a random time up to 1 s, 2 s, 4 s ...
//! capped at 20 s, or what the service asks for. All clients of one service
//! and region share a retry quota of 500 tokens, spent 5 per retry (10
//! after a timeout) and returned on success, so a sustained outage stops
//! retries after about 100 rather than multiplying load. `adaptive` mode
//! also slows down sending once AWS throttles.

use super::error::AwsError;
use crate::provider::config::{AssumeRole, Endpoints, ProviderConfig, Retry, RetryMode};
use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// A client of `$service` from the shared SDK configuration, on `$endpoint`
/// when the provider block overrides it.
macro_rules! client {
    ($service:ident, $sdk:expr, $endpoint:expr) => {{
        let mut config = $service::config::Builder::from($sdk);
        if let Some(url) = &$endpoint {
            config = config.endpoint_url(url);
        }
        $service::Client::from_conf(config.build())
    }};
}

/// Session name recorded in CloudTrail when none is configured.
pub const DEFAULT_SESSION_NAME: &str = "terraform-provider-ci";

/// The parts of the provider configuration the AWS backend uses.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    region: Option<String>,
    assume_role: Option<AssumeRole>,
    retry: Retry,
    endpoints: Endpoints,
}

impl Settings {
    pub(super) fn new(config: &ProviderConfig) -> Settings {
        Settings {
            region: config.region.clone(),
            assume_role: config.assume_role.clone(),
            retry: config.retry,
            endpoints: config.endpoints.clone(),
        }
    }

    /// The role to assume in the home account before anything else.
    pub(super) fn assume_role(&self) -> Option<&AssumeRole> {
        self.assume_role.as_ref()
    }

    /// The session name of every `sts:AssumeRole` the provider makes.
    pub(super) fn session_name(&self) -> &str {
        let configured = self.assume_role.as_ref();
        let name = configured.and_then(|role| role.session_name.as_deref());
        name.unwrap_or(DEFAULT_SESSION_NAME)
    }

    /// The SDK configuration with the default credential chain, or with
    /// `credentials` when given. Makes no AWS call: credentials are
    /// resolved at the first request.
    pub(super) async fn load(
        &self,
        credentials: Option<SharedCredentialsProvider>,
    ) -> Result<SdkConfig, AwsError> {
        let region = self.region().await.ok_or(AwsError::NoRegion)?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region)
            .http_client(shared_https_client())
            .retry_config(retry_config(self.retry));
        if let Some(credentials) = credentials {
            loader = loader.credentials_provider(credentials);
        }
        Ok(loader.load().await)
    }

    /// The configured region, else the environment's.
    pub(super) fn configured_region(&self) -> Option<String> {
        let from_env = || {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        };
        self.region.clone().or_else(from_env)
    }

    /// The configured region, else `AWS_REGION` or `AWS_DEFAULT_REGION`,
    /// else the shared config file. Unlike the SDK's default chain this
    /// never asks the instance metadata service, which would stall for
    /// seconds off EC2.
    async fn region(&self) -> Option<Region> {
        let configured = self.region.clone().map(Region::new);
        RegionProviderChain::first_try(configured)
            .or_else(EnvironmentVariableRegionProvider::new())
            .or_else(ProfileFileRegionProvider::new())
            .region()
            .await
    }

    /// An IAM client. IAM is global: for AWS's own endpoints the SDK's
    /// endpoint rules sign with the partition's home region (`us-east-1`
    /// for `aws`) whatever the configured region; an endpoint override is
    /// signed with the configured region.
    pub(super) fn iam(&self, sdk: &SdkConfig) -> aws_sdk_iam::Client {
        client!(aws_sdk_iam, sdk, self.endpoints.iam)
    }

    /// An STS client, on the regional endpoint unless overridden.
    pub(super) fn sts(&self, sdk: &SdkConfig) -> aws_sdk_sts::Client {
        client!(aws_sdk_sts, sdk, self.endpoints.sts)
    }

    /// The regional clients of the services the cluster resources use.
    pub(super) fn regional(&self, sdk: &SdkConfig) -> Regional {
        Regional {
            eks: client!(aws_sdk_eks, sdk, self.endpoints.eks),
            sqs: client!(aws_sdk_sqs, sdk, self.endpoints.sqs),
            events: client!(aws_sdk_eventbridge, sdk, self.endpoints.events),
            scheduler: client!(aws_sdk_scheduler, sdk, self.endpoints.scheduler),
        }
    }
}

/// The HTTPS client every SDK client of the process shares. Left to
/// itself, each SDK client builds its own, with its own connection pool and
/// TLS roots: six clients in each of 200 accounts held about 800 sockets
/// and 34 of the provider's 96 MB during one refresh
/// (`docs/performance.md`). Otherwise this is
/// the SDK's default client: rustls on aws-lc, proxies from the
/// environment, the connect and read timeouts each client asks for.
fn shared_https_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// EKS, SQS, EventBridge and Scheduler clients of one account and region.
#[derive(Clone, Debug)]
pub(super) struct Regional {
    pub eks: aws_sdk_eks::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub scheduler: aws_sdk_scheduler::Client,
}

fn retry_config(retry: Retry) -> RetryConfig {
    let config = match retry.mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    };
    config.with_max_attempts(retry.max_attempts)
}

/// The ARN partition of a region: `aws-cn` for China, `aws-us-gov` for
/// GovCloud, `aws` elsewhere.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
