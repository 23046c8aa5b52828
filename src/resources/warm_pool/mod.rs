//! `ci_warm_pool`: warm capacity for one runner pool that sleeps on weekends.
//!
//! A warm pool is a set of EKS managed node groups (*groups*, typically a
//! small-instance and a large-instance one) carrying the runner pool's node
//! label and taint, so that pool's first jobs of the day start without
//! waiting for Karpenter. Two EventBridge Scheduler *schedules* scale every
//! group to zero for the weekend (*scale down*) and back to its configured
//! size for the week (*scale up*), through a scheduler IAM role allowed
//! only `eks:UpdateNodegroupConfig` on these node groups.

mod schema;
mod validate;

#[cfg(test)]
mod tests;

use super::Resource;
use crate::diagnostics::Diagnostics;
use crate::schema::Schema;
use crate::value::Value;

pub const DEFAULT_TIME_ZONE: &str = "UTC";
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
}
