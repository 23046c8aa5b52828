//! The provider itself: its configuration block and what it resolves to.
//!
//! Terraform sends the `provider "ci"` block first for validation
//! ([`config::validate`]) and then to configure the provider
//! ([`config::ProviderConfig::from_value`]). Either may carry unknown
//! values, for example a Kubernetes host taken from a cluster that is not
//! created yet.

pub mod config;

pub use config::{
    AssumeRole, DEFAULT_TARGET_ROLE_NAME, Endpoints, KubernetesOverride, ProviderConfig, Retry,
    RetryMode, schema, validate,
};
