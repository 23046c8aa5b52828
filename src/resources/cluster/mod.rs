//! `ci_cluster`: the central CI cluster and everything around it.
//!
//! One resource owns the EKS cluster and its IAM role, the cluster's IAM
//! OIDC provider, Karpenter's node and controller roles, its interruption
//! queue and EventBridge rules, node access for Karpenter's nodes, the
//! default `EC2NodeClass`, and the cluster-wide Kyverno `ClusterPolicy`
//! objects that route CI job pods (the *job policies*).

pub mod expand;
pub mod job_policies;
mod karpenter_policy;
mod lifecycle;
pub mod node_access;
pub mod node_class;
mod schema;
mod validate;

#[cfg(test)]
mod expand_tests;
#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;

use super::fit_name;
use super::{Context, Outcome, Resource};
use crate::diagnostics::Diagnostics;
use crate::schema::Schema;
use crate::value::Value;
use crate::value::path::Path;

/// `timeouts` defaults: EKS takes 10-15 minutes to create a cluster and an
/// upgrade may take most of an hour.
pub const TIMEOUT_DEFAULTS: [&str; 3] = ["30m", "60m", "15m"];
/// Where Karpenter runs unless configured otherwise.
pub const DEFAULT_KARPENTER_NAMESPACE: &str = "kube-system";
pub const DEFAULT_KARPENTER_SERVICE_ACCOUNT: &str = "karpenter";
pub const DEFAULT_NODE_CLASS: &str = "default";
pub const DEFAULT_AMI_ALIAS: &str = "al2023@latest";
pub const DEFAULT_VOLUME_SIZE: &str = "100Gi";
pub const DEFAULT_VOLUME_TYPE: &str = "gp3";
pub const DEFAULT_DISCOVERY_TAG: &str = "karpenter.sh/discovery";
pub const DEFAULT_AUTHENTICATION_MODE: &str = "API_AND_CONFIG_MAP";
/// The job pod annotations the Kyverno job policies act on.
pub const DEFAULT_CAPACITY_TYPE_ANNOTATION: &str = "k8s.gitlab.runner/capacity-type";
pub const DEFAULT_GPU_ANNOTATION: &str = "k8s.gitlab.runner/gpu";
pub const DEFAULT_INSTANCE_TYPE_ANNOTATION: &str = "k8s.gitlab.runner/instance-type";

/// The default name of Karpenter's node role for cluster `name`.
pub fn default_node_role_name(name: &str) -> String {
    fit_name(&format!("KarpenterNodeRole-{name}"), 64)
}

/// The default name of Karpenter's interruption queue for cluster `name`.
pub fn default_interruption_queue_name(name: &str) -> String {
    fit_name(&format!("karpenter-{name}"), 80)
}

/// The `ci_cluster` resource type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cluster;

#[async_trait::async_trait]
impl Resource for Cluster {
    fn type_name(&self) -> &'static str {
        "ci_cluster"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    fn plan(
        &self,
        context: &Context,
        config: &Value,
        prior: &Value,
        planned: Value,
    ) -> Result<Value, Diagnostics> {
        Ok(lifecycle::plan(context, config, prior, planned))
    }

    fn replace_on(&self) -> Vec<Path> {
        vec![Path::root().attribute("name")]
    }

    /// What EKS decides at creation stays until the cluster is replaced.
    fn stable_attributes(&self) -> &'static [&'static str] {
        &[
            "id",
            "arn",
            "endpoint",
            "certificate_authority_data",
            "oidc_issuer_url",
            "oidc_provider_arn",
            "kubernetes_version",
        ]
    }

    async fn read(
        &self,
        context: &Context,
        current: Value,
        _: Vec<u8>,
    ) -> Result<Outcome, Diagnostics> {
        lifecycle::read(context, current).await
    }

    async fn apply(
        &self,
        context: &Context,
        prior: Value,
        planned: Value,
        config: Value,
        _private: Vec<u8>,
    ) -> Outcome {
        lifecycle::apply(context, prior, planned, &config).await
    }

    async fn import(&self, context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
        lifecycle::import(context, id).await
    }
}
