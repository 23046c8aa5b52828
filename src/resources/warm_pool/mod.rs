//! `ci_warm_pool`: warm capacity for one runner pool that sleeps on weekends.
//!
//! A warm pool is a set of EKS managed node groups (*groups*, typically a
//! small-instance and a large-instance one) carrying the runner pool's node
//! label and taint, so that pool's first jobs of the day start without
//! waiting for Karpenter. Two EventBridge Scheduler *schedules* per group
//! scale it to zero for the weekend (*scale down*) and back to its
//! configured size for the week (*scale up*), through a scheduler IAM role
//! allowed only `eks:UpdateNodegroupConfig` on these node groups.
//!
//! The *size now* of a group is the size the schedules give it at this
//! moment ([`size_now`]); node groups are created at it, and read compares
//! what EKS reports with it, so a group asleep by its own schedule is not
//! drift. Tests replace the clock with [`size_now::CLOCK_ENV`].

mod cron;
mod expand;
mod import;
mod lifecycle;
mod outputs;
mod pool;
mod schema;
pub mod size_now;
mod validate;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod tests;

use super::{Context, Outcome, Resource};
use crate::diagnostics::Diagnostics;
use crate::schema::Schema;
use crate::value::Value;
use crate::value::path::Path;

pub const DEFAULT_TIME_ZONE: &str = "UTC";
/// `timeouts` defaults: creating or deleting a node group takes EKS 5 to
/// 15 minutes.
pub const TIMEOUT_DEFAULTS: [&str; 3] = ["30m", "30m", "30m"];
/// Friday 19:00: scale to zero for the weekend.
pub const DEFAULT_SCALE_DOWN: &str = "cron(0 19 ? * FRI *)";
/// Monday 06:00: back to the configured size.
pub const DEFAULT_SCALE_UP: &str = "cron(0 6 ? * MON *)";
pub const DEFAULT_CAPACITY_TYPE: &str = "ON_DEMAND";
pub const DEFAULT_DISK_SIZE: i64 = 50;
pub const DEFAULT_AMI_TYPE: &str = "AL2023_x86_64_STANDARD";

/// The `ci_warm_pool` resource type.
#[derive(Debug, Clone, Copy, Default)]
pub struct WarmPool;

#[async_trait::async_trait]
impl Resource for WarmPool {
    fn type_name(&self) -> &'static str {
        "ci_warm_pool"
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
        lifecycle::plan(context, config, prior, planned)
    }

    /// Version 0 (the first release) had no `timeouts` block.
    fn upgrade_state(
        &self,
        version: i64,
        mut state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        if version != 0 {
            return Err(super::lifecycle::no_state_upgrade(
                self.type_name(),
                version,
            ));
        }
        if let Some(attributes) = state.as_object_mut() {
            attributes.insert("timeouts".to_string(), serde_json::Value::Null);
        }
        Ok(state)
    }

    fn replace_on(&self) -> Vec<Path> {
        vec![
            Path::root().attribute("cluster_name"),
            Path::root().attribute("runner_pool"),
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
        _config: Value,
        _private: Vec<u8>,
    ) -> Outcome {
        lifecycle::apply(context, prior, planned).await
    }

    async fn import(&self, context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
        import::import(context, id).await
    }
}
