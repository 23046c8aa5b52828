//! The reconcile engine: one high-level resource, many sub-objects.
//!
//! Words used here:
//!
//! - a *sub-object* is one AWS or Kubernetes object a resource owns: an IAM
//!   role, a policy attachment, a ServiceAccount;
//! - its *id* names it within the resource, `kind/...` (for example
//!   `iam_role/111111111111/ci-payments-deploy`); the prefix picks its kind;
//! - its *spec* is the JSON of the fields we manage, identity included, so
//!   a spec alone is enough to observe, update or delete the object;
//! - a *kind* knows how to observe, create, update and delete one type of
//!   sub-object, and which field differences force a replacement;
//! - the *record* is the map id -> spec of what exists, kept in the
//!   resource's state (its `rendered` attribute), written as soon as each
//!   sub-object exists so that a failure never forgets anything.
//!
//! Planning is pure: a resource expands its configuration into [`Desired`]
//! sub-objects with no API call. Apply, read and delete are the functions in
//! [`apply`], [`read`] and [`delete`]; they order the work by dependency and
//! run independent sub-objects concurrently.

pub mod apply;
pub mod kind;
pub mod order;
pub mod read;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use apply::{Applied, apply, delete_all};
pub use kind::{Change, Kind, KindError, Kinds, Observed};
pub use read::{Refreshed, read};

/// The JSON of a sub-object's managed fields.
pub type Spec = serde_json::Value;

/// What exists: sub-object id to the spec it was last applied or observed
/// with.
pub type Record = BTreeMap<String, Spec>;

/// One sub-object as the resource wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub id: String,
    pub spec: Spec,
    /// Ids of sub-objects that must exist before this one.
    pub depends_on: Vec<String>,
}

impl Desired {
    pub fn new(id: impl Into<String>, spec: Spec) -> Self {
        Desired {
            id: id.into(),
            spec,
            depends_on: Vec::new(),
        }
    }

    pub fn after(mut self, id: &str) -> Self {
        self.depends_on.push(id.to_string());
        self
    }
}

/// The kind prefix of an id: `iam_role` for `iam_role/1111/ci-x`.
pub fn kind_of(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}
