//! AWS: credentials, STS sessions per account, and the service calls.
//!
//! Words used here:
//!
//! - The *home account* is the one the provider's own credentials act in:
//!   the default credential chain (environment, shared files, web identity,
//!   container or instance role), followed by the provider block's
//!   `assume_role` when it has one. `account(None, _)` acts there.
//! - A *target account* is one a resource names by `account_id`. The
//!   provider reaches it by assuming `arn:aws:iam::<id>:role/<role_name>`
//!   with the home account's credentials.
//! - A *session* is the temporary credentials of one assumed role, cached
//!   per role for the life of the process and renewed shortly before they
//!   expire (see `session.rs`).
//!
//! [`Aws::new`] makes no call and reads nothing: the SDK configuration is
//! loaded at the first [`Aws::account`], so a plan that needs no AWS call
//! never fails for want of credentials or a region.

pub mod eks;
mod error;
pub mod events;
pub mod iam;
pub mod policy_document;
pub mod propagation;
pub mod request;
pub mod scheduler;
mod sdk_config;
mod service;
mod session;
pub mod sqs;

pub use error::{AwsError, ServiceError, code};
pub use iam::{Iam, OidcProvider, Role, RoleSpec};
pub use sdk_config::{DEFAULT_SESSION_NAME, partition as partition_of};
pub use session::RENEW_BEFORE_EXPIRY;

use crate::provider::config::ProviderConfig;
use aws_config::SdkConfig;
use aws_config::identity::IdentityCache;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use sdk_config::{Regional, Settings, partition};
pub use service::{Eks, Events, Scheduler, Service, Sqs};
use session::{AssumeRequest, RoleSession, SessionCredentials};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tokio::sync::OnceCell;
use tracing::Instrument as _;

/// The AWS backend of one provider process: cheap to build, shared by all
/// resources, and safe to call concurrently.
pub struct Aws {
    settings: Settings,
    /// Replaces the default credential chain when set.
    credentials: Option<SharedCredentialsProvider>,
    home: OnceCell<Home>,
    /// Target accounts by the ARN of the role assumed there.
    targets: Mutex<HashMap<String, Arc<Target>>>,
    assume_role_calls: Arc<AtomicU64>,
}

/// The home account's configuration, loaded at first use.
struct Home {
    /// Acts with the home account's credentials.
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    partition: &'static str,
    /// Found with `sts:GetCallerIdentity` when first asked for.
    account: OnceCell<Account>,
}

/// One target account: its session and, once assumed, its clients.
struct Target {
    session: Arc<RoleSession>,
    account: OnceLock<Account>,
}

/// Clients acting in one AWS account.
#[derive(Clone)]
pub struct Account {
    id: Arc<str>,
    iam: Iam,
    regional: Arc<LazyRegional>,
}

/// An account's regional clients, built when first used: most target
/// accounts only ever see IAM, and each SDK client holds its own
/// configuration and runtime plugins (about 30 KB), which at 200 accounts
/// was 25 of the provider's 62 MB in a refresh (`docs/performance.md`).
struct LazyRegional {
    sdk: SdkConfig,
    settings: Settings,
    clients: OnceLock<Regional>,
}

impl LazyRegional {
    fn get(&self) -> &Regional {
        self.clients
            .get_or_init(|| self.settings.regional(&self.sdk))
    }
}

impl Aws {
    /// The backend for `config`, with credentials from the default chain.
    pub fn new(config: &ProviderConfig) -> Aws {
        Aws {
            settings: Settings::new(config),
            credentials: None,
            home: OnceCell::new(),
            targets: Mutex::new(HashMap::new()),
            assume_role_calls: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Like [`Aws::new`], with these credentials in place of the default
    /// chain: for embedding the backend and for tests.
    pub fn with_credentials(
        config: &ProviderConfig,
        credentials: impl ProvideCredentials + 'static,
    ) -> Aws {
        let credentials = SharedCredentialsProvider::new(credentials);
        Aws {
            credentials: Some(credentials),
            ..Aws::new(config)
        }
    }

    /// Clients acting in `account_id`, or in the home account for `None`.
    ///
    /// For a target account the role `role_name` there is assumed once per
    /// process and renewed [`RENEW_BEFORE_EXPIRY`] before it expires;
    /// concurrent callers for the same account share one `sts:AssumeRole`.
    /// The session name is `assume_role.session_name`, by default
    /// [`DEFAULT_SESSION_NAME`].
    pub async fn account(
        &self,
        account_id: Option<&str>,
        role_name: &str,
    ) -> Result<Account, AwsError> {
        let home = self.home().await?;
        match account_id {
            None => self.home_account(home).await,
            Some(id) => self.target_account(home, id, role_name).await,
        }
    }

    /// The region known without loading anything: the provider block's,
    /// else `AWS_REGION` or `AWS_DEFAULT_REGION`. Plans use it; the shared
    /// config file is read only at the first call.
    pub fn configured_region(&self) -> Option<String> {
        self.settings.configured_region()
    }

    /// The region every regional client uses.
    pub async fn region(&self) -> Result<String, AwsError> {
        let home = self.home().await?;
        let region = home.sdk.region().map(|region| region.to_string());
        region.ok_or(AwsError::NoRegion)
    }

    /// The home account's credentials, resolved now (for signing EKS
    /// tokens). Never log them.
    pub async fn home_credentials(&self) -> Result<aws_credential_types::Credentials, AwsError> {
        let home = self.home().await?;
        let provider = home
            .sdk
            .credentials_provider()
            .ok_or(AwsError::NoCredentials)?;
        let credentials = provider.provide_credentials().await;
        credentials.map_err(|error| AwsError::CallerIdentity {
            cause: ServiceError::other(&error.to_string()),
        })
    }

    /// How many `sts:AssumeRole` calls this process made, for the home
    /// account's `assume_role` and for target accounts together.
    pub fn assume_role_calls(&self) -> u64 {
        self.assume_role_calls.load(Ordering::Relaxed)
    }

    async fn home(&self) -> Result<&Home, AwsError> {
        self.home.get_or_try_init(|| self.load_home()).await
    }

    async fn load_home(&self) -> Result<Home, AwsError> {
        let base = self.settings.load(self.credentials.clone()).await?;
        let sdk = match self.settings.assume_role() {
            None => base,
            Some(role) => {
                let request = AssumeRequest {
                    role_arn: role.role_arn.clone(),
                    session_name: self.settings.session_name().to_string(),
                    external_id: role.external_id.clone(),
                };
                let session = self.session(request, self.settings.sts(&base));
                with_session(&base, session)
            }
        };
        let region = sdk.region().map(|region| region.as_ref());
        Ok(Home {
            sts: self.settings.sts(&sdk),
            partition: partition(region.unwrap_or_default()),
            account: OnceCell::new(),
            sdk,
        })
    }

    async fn home_account(&self, home: &Home) -> Result<Account, AwsError> {
        let load = || async {
            let id = caller_account(&home.sts).await?;
            Ok(self.new_account(id, &home.sdk, home.partition))
        };
        home.account.get_or_try_init(load).await.cloned()
    }

    async fn target_account(
        &self,
        home: &Home,
        id: &str,
        role_name: &str,
    ) -> Result<Account, AwsError> {
        let role_arn = format!("arn:{}:iam::{id}:role/{role_name}", home.partition);
        let target = self.target(home, role_arn);
        // Assume the role now, so that a role we may not assume fails here,
        // naming the role, rather than at the first IAM call.
        target.session.credentials().await?;
        let account = target.account.get_or_init(|| {
            let sdk = with_session(&home.sdk, target.session.clone());
            self.new_account(id.into(), &sdk, home.partition)
        });
        Ok(account.clone())
    }

    /// The target for `role_arn`, created on first use.
    fn target(&self, home: &Home, role_arn: String) -> Arc<Target> {
        let mut targets = self.targets.lock().unwrap_or_else(PoisonError::into_inner);
        let target = targets.entry(role_arn).or_insert_with_key(|role_arn| {
            let request = AssumeRequest {
                role_arn: role_arn.clone(),
                session_name: self.settings.session_name().to_string(),
                external_id: None,
            };
            let session = self.session(request, home.sts.clone());
            Arc::new(Target {
                session,
                account: OnceLock::new(),
            })
        });
        target.clone()
    }

    fn session(&self, request: AssumeRequest, sts: aws_sdk_sts::Client) -> Arc<RoleSession> {
        let calls = self.assume_role_calls.clone();
        Arc::new(RoleSession::new(request, sts, calls))
    }

    fn new_account(&self, id: Arc<str>, sdk: &SdkConfig, partition: &'static str) -> Account {
        let iam = Iam::new(self.settings.iam(sdk), id.clone(), partition);
        let regional = Arc::new(LazyRegional {
            sdk: sdk.clone(),
            settings: self.settings.clone(),
            clients: OnceLock::new(),
        });
        Account { id, iam, regional }
    }
}

impl fmt::Debug for Aws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aws")
            .field("settings", &self.settings)
            .field("assume_role_calls", &self.assume_role_calls())
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The 12-digit account id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// IAM in this account.
    pub fn iam(&self) -> Iam {
        self.iam.clone()
    }

    /// EKS in this account, in the provider's region.
    pub fn eks(&self) -> Eks {
        self.service(self.regional.get().eks.clone())
    }

    /// SQS in this account, in the provider's region.
    pub fn sqs(&self) -> Sqs {
        self.service(self.regional.get().sqs.clone())
    }

    /// EventBridge in this account, in the provider's region.
    pub fn events(&self) -> Events {
        self.service(self.regional.get().events.clone())
    }

    /// EventBridge Scheduler in this account, in the provider's region.
    pub fn scheduler(&self) -> Scheduler {
        self.service(self.regional.get().scheduler.clone())
    }

    fn service<C>(&self, sdk: C) -> Service<C> {
        Service::new(sdk, self.id.clone(), self.partition())
    }

    /// The ARN partition, `aws` outside China and GovCloud.
    pub fn partition(&self) -> &'static str {
        self.iam.partition()
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account").field("id", &self.id).finish()
    }
}

/// `sdk` acting with the session's credentials.
fn with_session(sdk: &SdkConfig, session: Arc<RoleSession>) -> SdkConfig {
    let credentials = SharedCredentialsProvider::new(SessionCredentials(session));
    // The session caches and renews its credentials itself; the SDK's cache
    // in front of it would keep them until seconds before they expire.
    sdk.to_builder()
        .credentials_provider(credentials)
        .identity_cache(IdentityCache::no_cache())
        .build()
}

/// The account the credentials of `sts` act in.
async fn caller_account(sts: &aws_sdk_sts::Client) -> Result<Arc<str>, AwsError> {
    let span = tracing::debug_span!("aws", aws.operation = "GetCallerIdentity");
    let output = sts.get_caller_identity().send().instrument(span).await;
    let output = output.map_err(|error| AwsError::CallerIdentity {
        cause: error.into(),
    })?;
    let missing = || AwsError::CallerIdentity {
        cause: ServiceError::other("STS answered without an account id"),
    };
    output.account.map(Arc::from).ok_or_else(missing)
}
