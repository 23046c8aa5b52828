//! Backends: the AWS and Kubernetes APIs, knowing nothing about Terraform.
//!
//! Each backend turns the provider configuration into clients, lazily and
//! cached (one STS session per account, one Kubernetes client per cluster),
//! and offers the few operations the sub-object kinds need, with errors
//! that name the operation and the object.

pub mod aws;
pub mod kube;

use std::sync::Arc;

use crate::provider::config::ProviderConfig;

/// Both backends, built once per provider configuration.
pub struct Backends {
    pub aws: Arc<aws::Aws>,
    pub kube: Arc<kube::Kube>,
    pub config: Arc<ProviderConfig>,
}

impl Backends {
    /// Builds the clients' settings; makes no call.
    pub fn new(config: Arc<ProviderConfig>) -> Self {
        let aws = Arc::new(aws::Aws::new(&config));
        let kube = kube::Kube::new(&config).with_aws(aws.clone());
        Backends {
            aws,
            kube: Arc::new(kube),
            config,
        }
    }
}
