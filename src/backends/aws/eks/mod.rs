//! EKS: clusters (`cluster.rs`) and managed node groups (`node_group.rs`).
//!
//! EKS answers `ResourceNotFoundException` for a cluster or node group
//! that does not exist; reads turn it into `None`.

pub mod cluster;
pub mod node_group;

use super::error::{AwsError, code};
use super::request;

/// `Some` of a successful result, `None` when EKS says it does not exist.
fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    request::found(result, &[code::RESOURCE_NOT_FOUND])
}
