//! The `provider "ci"` block: schema, validation and the resolved settings.
//!
//! ```hcl
//! provider "ci" {
//!   region           = "eu-west-1"
//!   target_role_name = "ci-platform-provisioner"
//!   assume_role { role_arn = "arn:aws:iam::111111111111:role/ci-terraform" }
//!   default_tags = { team = "platform" }
//! }
//! ```
//!
//! [`ProviderConfig::from_value`] is pure: environment fallbacks such as
//! `AWS_REGION` and the default credential chain are the caller's.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resources::field::Field;
use crate::resources::validate::{
    self, IAM_ROLE, Problem, arn, aws_region, ensure, external_id, http_url, iam_role_name,
    iam_session_name, one_of,
};
use crate::schema::{Attribute, Block, NestedBlock, Schema, map_of};
use crate::value::path::Path;
use crate::value::{Type, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The role assumed in each target account unless configured otherwise.
pub const DEFAULT_TARGET_ROLE_NAME: &str = "ci-platform-provisioner";
/// Attempts per AWS call, as the AWS SDKs' standard retry mode uses.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
const MAX_ATTEMPTS_LIMIT: i64 = 25;
const ENDPOINT_SERVICES: [&str; 6] = ["iam", "sts", "eks", "sqs", "events", "scheduler"];
const PEM_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";

/// The provider's configuration schema.
pub fn schema() -> Schema {
    let block = Block::new(
        "The `ci` provider manages a central CI/CD runner platform on AWS: one EKS cluster \
         running GitLab CI jobs, per-group runner pools, warm capacity and cross-account \
         access. AWS credentials come from the default chain (environment, shared files, \
         SSO, instance or pod role), optionally followed by `assume_role`.",
    )
    .attributes(top_level_attributes())
    .block(assume_role_block())
    .block(endpoints_block())
    .block(kubernetes_block());
    Schema::new(block)
}

fn top_level_attributes() -> Vec<Attribute> {
    vec![
        Attribute::new("region", Type::String)
            .optional()
            .description(
                "AWS region of the CI account, e.g. `eu-west-1`. When unset, `AWS_REGION` or \
             `AWS_DEFAULT_REGION` and then the shared config file are used.",
            ),
        Attribute::new("target_role_name", Type::String)
            .optional()
            .description(format!(
                "Name of the IAM role the provider assumes in each target account named by a \
             resource's `account_id`, so that many accounts need no provider aliases. \
             Default `\"{DEFAULT_TARGET_ROLE_NAME}\"`; a resource may override it."
            )),
        Attribute::new("default_tags", map_of(Type::String))
            .optional()
            .description(
                "Tags added to every AWS object the provider creates. A resource's own `tags` \
             win on conflicting keys. The provider's ownership tags are always added.",
            ),
        Attribute::new("max_attempts", Type::Number)
            .optional()
            .description(format!(
                "How many times an AWS call is attempted before its error is reported, 1 to \
             {MAX_ATTEMPTS_LIMIT}. Default {DEFAULT_MAX_ATTEMPTS}. A Kubernetes request whose \
             connection breaks before an answer is sent up to as many times."
            )),
        Attribute::new("retry_mode", Type::String)
            .optional()
            .description(
                "How AWS calls are retried: `standard` (exponential backoff) or `adaptive` \
             (also slows down when AWS throttles). Default `standard`.",
            ),
    ]
}

fn assume_role_block() -> NestedBlock {
    let block = Block::new(
        "A role to assume in the CI account with the default-chain credentials, before \
         anything else. Target accounts are then reached from this role.",
    )
    .attribute(Attribute::required("role_arn", Type::String).description(
        "ARN of the role to assume, e.g. `arn:aws:iam::111111111111:role/ci-terraform`.",
    ))
    .attribute(
        Attribute::new("session_name", Type::String)
            .optional()
            .description(
                "Session name recorded in CloudTrail, 2 to 64 characters. Default \
         `terraform-provider-ci`.",
            ),
    )
    .attribute(
        Attribute::new("external_id", Type::String)
            .optional()
            .sensitive()
            .description("External ID the role's trust policy requires, if any."),
    );
    NestedBlock::single("assume_role", block)
}

fn endpoints_block() -> NestedBlock {
    let endpoint = |service: &str| {
        Attribute::new(service, Type::String)
            .optional()
            .description(format!(
                "URL to use for the {} API instead of the regional default, e.g. a VPC \
             endpoint, a FIPS endpoint or a local emulator.",
                service_title(service)
            ))
    };
    let block = Block::new(
        "Custom endpoints per AWS service, for emulators, VPC endpoints and FIPS. Unset \
         services use the regional default.",
    )
    .attributes(ENDPOINT_SERVICES.map(endpoint));
    NestedBlock::single("endpoints", block)
}

fn service_title(service: &str) -> &'static str {
    match service {
        "iam" => "IAM",
        "sts" => "STS",
        "eks" => "EKS",
        "sqs" => "SQS",
        "events" => "EventBridge",
        _ => "EventBridge Scheduler",
    }
}

fn kubernetes_block() -> NestedBlock {
    let block = Block::new(
        "Overrides how the provider reaches the cluster's Kubernetes API. By default it \
         finds the endpoint and CA with `eks:DescribeCluster` and signs its own EKS token \
         from the AWS credentials, so no kubeconfig is needed. Set values apply to every \
         cluster the provider manages.",
    )
    .attribute(Attribute::new("host", Type::String).optional().description(
        "URL of the Kubernetes API server, e.g. `https://ABC.gr7.eu-west-1.eks.amazonaws.com`.",
    ))
    .attribute(
        Attribute::new("cluster_ca_certificate", Type::String)
            .optional()
            .description("PEM-encoded CA certificate the API server's certificate must chain to."),
    )
    .attribute(
        Attribute::new("token", Type::String)
            .optional()
            .sensitive()
            .description(
                "Bearer token to authenticate with instead of a signed EKS token. Never logged.",
            ),
    )
    .attribute(
        Attribute::new("insecure", Type::Bool)
            .optional()
            .description(
                "Skip verification of the API server's certificate. For local test servers only; \
         cannot be combined with `cluster_ca_certificate`.",
            ),
    );
    NestedBlock::single("kubernetes", block)
}

/// Checks a provider configuration; unknown values are skipped.
pub fn validate(config: &Value) -> Diagnostics {
    let root = Field::root(config);
    let mut diags = Diagnostics::default();
    root.attr("region").check(&mut diags, aws_region);
    root.attr("target_role_name")
        .check(&mut diags, iam_role_name);
    validate::tags(&root.attr("default_tags"), &mut diags);
    validate::whole_number(
        &root.attr("max_attempts"),
        &mut diags,
        "max_attempts",
        1,
        MAX_ATTEMPTS_LIMIT,
    );
    root.attr("retry_mode")
        .check(&mut diags, one_of("retry mode", &["standard", "adaptive"]));
    validate_assume_role(&root.attr("assume_role"), &mut diags);
    validate_endpoints(&root.attr("endpoints"), &mut diags);
    validate_kubernetes(&root.attr("kubernetes"), &mut diags);
    diags
}

fn validate_assume_role(block: &Field, diags: &mut Diagnostics) {
    block.attr("role_arn").check(diags, arn(IAM_ROLE));
    block.attr("session_name").check(diags, iam_session_name);
    block.attr("external_id").check(diags, external_id);
}

fn validate_endpoints(block: &Field, diags: &mut Diagnostics) {
    for service in ENDPOINT_SERVICES {
        block.attr(service).check(diags, http_url);
    }
}

fn validate_kubernetes(block: &Field, diags: &mut Diagnostics) {
    block.attr("host").check(diags, http_url);
    let ca = block.attr("cluster_ca_certificate");
    ca.check(diags, pem_certificate);
    let insecure = block.attr("insecure");
    if insecure.bool() == Some(true) && ca.str().is_some() {
        diags.push(insecure.error(
            "Conflicting TLS settings",
            "insecure = true skips certificate verification, so cluster_ca_certificate would \
             be ignored. Remove one of them.",
        ));
    }
    let token = block.attr("token");
    if token.str().is_some_and(|t| t.trim().is_empty()) {
        diags.push(token.error("Empty token", "token is empty; remove it or set the token."));
    }
}

fn pem_certificate(value: &str) -> Result<(), Problem> {
    let pem = value.trim_start().starts_with(PEM_CERTIFICATE);
    ensure(pem, "Invalid CA certificate", || {
        "cluster_ca_certificate must be a PEM certificate starting with \
         \"-----BEGIN CERTIFICATE-----\". EKS reports it base64-encoded: decode it with \
         base64decode()."
            .to_string()
    })
}

/// The provider's settings, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    /// `None`: the caller falls back to the environment and shared config.
    pub region: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub target_role_name: String,
    pub default_tags: BTreeMap<String, String>,
    pub retry: Retry,
    pub endpoints: Endpoints,
    pub kubernetes: KubernetesOverride,
    /// Attributes that were unknown when the provider was configured; their
    /// fields above hold defaults. See [`ProviderConfig::require_known`].
    pub deferred: Vec<Path>,
}

/// The role assumed in the CI account.
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// How AWS calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub max_attempts: u32,
    pub mode: RetryMode,
}

/// The AWS SDK retry mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    #[default]
    Standard,
    Adaptive,
}

/// Custom endpoint URLs; `None` uses the regional default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub iam: Option<String>,
    pub sts: Option<String>,
    pub eks: Option<String>,
    pub sqs: Option<String>,
    pub events: Option<String>,
    pub scheduler: Option<String>,
}

/// Overrides of how the Kubernetes API is reached; `None` fields are found
/// through EKS.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KubernetesOverride {
    pub host: Option<String>,
    pub cluster_ca_certificate: Option<String>,
    pub token: Option<String>,
    pub insecure: bool,
}

impl fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "(sensitive)"),
            )
            .finish()
    }
}

impl fmt::Debug for KubernetesOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubernetesOverride")
            .field("host", &self.host)
            .field(
                "cluster_ca_certificate",
                &self.cluster_ca_certificate.is_some(),
            )
            .field("token", &self.token.as_ref().map(|_| "(sensitive)"))
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl ProviderConfig {
    /// Validates `config` and resolves it, applying defaults.
    ///
    /// Unknown values are not errors here: they are listed in `deferred`
    /// so that a plan which needs no AWS call still works.
    pub fn from_value(config: &Value) -> Result<ProviderConfig, Diagnostics> {
        let diags = validate(config);
        if diags.has_errors() {
            return Err(diags);
        }
        let mut reader = Reader::default();
        let root = Field::root(config);
        let config = ProviderConfig {
            region: reader.string(&root.attr("region")),
            assume_role: reader.assume_role(&root.attr("assume_role")),
            target_role_name: reader
                .string(&root.attr("target_role_name"))
                .unwrap_or_else(|| DEFAULT_TARGET_ROLE_NAME.to_string()),
            default_tags: reader.string_map(&root.attr("default_tags")),
            retry: reader.retry(&root),
            endpoints: reader.endpoints(&root.attr("endpoints")),
            kubernetes: reader.kubernetes(&root.attr("kubernetes")),
            deferred: Vec::new(),
        };
        Ok(ProviderConfig {
            deferred: reader.deferred,
            ..config
        })
    }

    /// Errors for every setting that was unknown at configuration time.
    /// Call before any AWS or Kubernetes call: acting with a default in
    /// place of an unknown role or endpoint would act in the wrong place.
    pub fn require_known(&self) -> Result<(), Diagnostics> {
        let errors = self.deferred.iter().map(|path| {
            Diagnostic::error(
                "Provider configuration not yet known",
                "This provider setting depends on a value known only after apply, and the \
                 provider needs it to reach AWS or Kubernetes now. Set it from values known \
                 at plan time, or apply its dependencies first with -target.",
            )
            .at(path.clone())
        });
        let diags = Diagnostics(errors.collect());
        if diags.is_empty() { Ok(()) } else { Err(diags) }
    }
}

/// Reads known values and records the paths of unknown ones.
#[derive(Default)]
struct Reader {
    deferred: Vec<Path>,
}

impl Reader {
    fn known<'a>(&mut self, field: &Field<'a>) -> Option<&'a Value> {
        if field.is_unknown() {
            self.deferred.push(field.path.clone());
        }
        (!field.is_unknown() && !field.is_null()).then_some(field.value)
    }

    fn string(&mut self, field: &Field) -> Option<String> {
        self.known(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn string_map(&mut self, field: &Field) -> BTreeMap<String, String> {
        let entries = self
            .known(field)
            .map(|_| field.entries().unwrap_or_default());
        let mut map = BTreeMap::new();
        for (key, value) in entries.unwrap_or_default() {
            if let Some(text) = self.string(&value) {
                map.insert(key.to_string(), text);
            }
        }
        map
    }

    fn assume_role(&mut self, block: &Field) -> Option<AssumeRole> {
        self.known(block)?;
        let role_arn = self.string(&block.attr("role_arn"));
        let session_name = self.string(&block.attr("session_name"));
        let external_id = self.string(&block.attr("external_id"));
        Some(AssumeRole {
            role_arn: role_arn?,
            session_name,
            external_id,
        })
    }

    fn retry(&mut self, root: &Field) -> Retry {
        let attempts = self
            .known(&root.attr("max_attempts"))
            .and_then(Value::as_i64);
        let mode = match self.string(&root.attr("retry_mode")).as_deref() {
            Some("adaptive") => RetryMode::Adaptive,
            _ => RetryMode::Standard,
        };
        let max_attempts = attempts.and_then(|n| u32::try_from(n).ok());
        Retry {
            max_attempts: max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            mode,
        }
    }

    fn endpoints(&mut self, block: &Field) -> Endpoints {
        if self.known(block).is_none() {
            return Endpoints::default();
        }
        let [iam, sts, eks, sqs, events, scheduler] =
            ENDPOINT_SERVICES.map(|service| self.string(&block.attr(service)));
        Endpoints {
            iam,
            sts,
            eks,
            sqs,
            events,
            scheduler,
        }
    }

    fn kubernetes(&mut self, block: &Field) -> KubernetesOverride {
        if self.known(block).is_none() {
            return KubernetesOverride::default();
        }
        KubernetesOverride {
            host: self.string(&block.attr("host")),
            cluster_ca_certificate: self.string(&block.attr("cluster_ca_certificate")),
            token: self.string(&block.attr("token")),
            insecure: self
                .known(&block.attr("insecure"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests;
