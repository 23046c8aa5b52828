//! `ci_runner_pool`: one GitLab group's runners and the nodes its jobs run on.
//!
//! A pool owns the group's *job namespace*, the *runner manager* (GitLab
//! Runner with the Kubernetes executor: ServiceAccount, Role, RoleBinding,
//! token Secret, `config.toml` ConfigMap, Deployment) and a Karpenter
//! `NodePool` whose taint and label keep other pools' jobs off its nodes.
//!
//! *Job defaults* are the CPU and memory a job gets when it asks for
//! nothing; *job maximums* are the most it may ask for with
//! `KUBERNETES_CPU_REQUEST` and friends (`*_overwrite_max_allowed` in
//! `config.toml`).

mod capacity;
mod config_toml;
mod expand;

/// The node label and taint key that tie nodes and job pods to a pool.
pub use expand::POOL_LABEL;
mod jobs;
mod lifecycle;
mod pool_objects;
mod schema;
mod validate;

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

pub use capacity::{Instance, allowed_instances};

/// The runner image unless configured otherwise.
pub const DEFAULT_RUNNER_IMAGE: &str =
    "registry.gitlab.com/gitlab-org/gitlab-runner:alpine-v17.11.0";
pub const DEFAULT_CONCURRENT: i64 = 10;
pub const DEFAULT_POLL_TIMEOUT: i64 = 180;
/// The instance families of DESIGN.md §1: cheap general-purpose and
/// compute-optimised amd64 families.
pub const DEFAULT_INSTANCE_FAMILIES: &[&str] = &["c5", "c5a", "c6i", "c6a", "m5", "m5a"];
/// Sizes too small to run a job, or large enough that one idle node costs
/// more than a day of small ones.
pub const DEFAULT_EXCLUDED_SIZES: &[&str] = &[
    "nano",
    "micro",
    "24xlarge",
    "32xlarge",
    "48xlarge",
    "metal",
    "metal-24xl",
    "metal-48xl",
];
pub const DEFAULT_ARCHITECTURES: &[&str] = &["amd64"];
pub const DEFAULT_CAPACITY_TYPES: &[&str] = &["spot", "on-demand"];
pub const DEFAULT_CPU_LIMIT: &str = "1000";
pub const DEFAULT_MEMORY_LIMIT: &str = "4000Gi";
pub const DEFAULT_CONSOLIDATE_AFTER: &str = "5m";
pub const DEFAULT_EXPIRE_AFTER: &str = "720h";
pub const DEFAULT_DISRUPTION_BUDGET: &str = "10%";

/// The default namespace of the pool for `group`: `ci-<group>`.
pub fn default_namespace(group: &str) -> String {
    fit_name(&format!("ci-{group}"), 63)
}

/// The `ci_runner_pool` resource type.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunnerPool;

#[async_trait::async_trait]
impl Resource for RunnerPool {
    fn type_name(&self) -> &'static str {
        "ci_runner_pool"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    fn plan(
        &self,
        _context: &Context,
        config: &Value,
        _prior: &Value,
        planned: Value,
    ) -> Result<Value, Diagnostics> {
        Ok(lifecycle::plan(config, planned))
    }

    fn replace_on(&self) -> Vec<Path> {
        vec![
            Path::root().attribute("cluster_name"),
            Path::root().attribute("group"),
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
        lifecycle::apply(context, prior, planned, config).await
    }

    async fn import(&self, context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
        lifecycle::import(context, id).await
    }
}
