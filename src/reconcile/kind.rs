//! The interface every sub-object kind implements.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Spec;

/// A sub-object as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The managed fields, in the same shape as the desired spec.
    pub spec: Spec,
    /// Whether our ownership marks (tags, labels) are on it.
    pub owned: bool,
}

/// One field that differs between the desired and the observed spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    /// The object must be deleted and created again to change this field.
    pub forces_replacement: bool,
}

/// Why an operation on a sub-object failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum KindError {
    /// An object with our deterministic name exists but is not ours.
    #[error(
        "{id} already exists and was not created by this provider (it has no ownership \
         tags). Import it, delete it, or choose another name; the provider never takes \
         over objects it does not own."
    )]
    NotOwned { id: String },
    /// The backend call failed.
    #[error("{0}")]
    Backend(String),
    /// The spec is not one this kind understands (a provider bug).
    #[error("invalid spec for {id}: {reason}")]
    Spec { id: String, reason: String },
    /// Terraform asked the provider to stop.
    #[error("stopped before finishing, as Terraform asked")]
    Stopped,
}

/// Observes, creates, updates and deletes one type of sub-object.
#[async_trait::async_trait]
pub trait Kind: Send + Sync {
    /// Reads the object named by `spec`; `None` when it does not exist.
    async fn observe(&self, id: &str, spec: &Spec) -> Result<Option<Observed>, KindError>;

    /// Creates the object; returns the spec as created.
    async fn create(&self, id: &str, spec: &Spec) -> Result<Spec, KindError>;

    /// Brings an existing object to `desired`, given what `changes` differ.
    async fn update(
        &self,
        id: &str,
        desired: &Spec,
        observed: &Observed,
        changes: &[Change],
    ) -> Result<Spec, KindError>;

    /// Deletes the object; `Ok(false)` when it was already gone.
    async fn delete(&self, id: &str, spec: &Spec) -> Result<bool, KindError>;

    /// Fields whose change cannot be made in place.
    fn identity_fields(&self) -> &'static [&'static str];

    /// Where this kind is deleted relative to others: lower goes first
    /// (attachments before the roles they attach to, roles before the OIDC
    /// provider their trust names).
    fn delete_rank(&self) -> u8;

    /// The managed fields that differ, top-level field by field.
    fn diff(&self, desired: &Spec, observed: &Spec) -> Vec<Change> {
        top_level_changes(desired, observed, self.identity_fields())
    }
}

/// Field-by-field comparison of two JSON objects.
pub fn top_level_changes(desired: &Spec, observed: &Spec, identity: &[&str]) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let wanted = desired.as_object().unwrap_or(&empty);
    let actual = observed.as_object().unwrap_or(&empty);
    let mut fields: Vec<&String> = wanted.keys().chain(actual.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|field| wanted.get(*field) != actual.get(*field))
        .map(|field| Change {
            field: field.clone(),
            forces_replacement: identity.contains(&field.as_str()),
        })
        .collect()
}

/// The kinds a resource uses, by id prefix.
#[derive(Clone, Default)]
pub struct Kinds(BTreeMap<&'static str, Arc<dyn Kind>>);

impl Kinds {
    pub fn with(mut self, prefix: &'static str, kind: Arc<dyn Kind>) -> Self {
        self.0.insert(prefix, kind);
        self
    }

    /// The kind for a sub-object id.
    pub fn of(&self, id: &str) -> Result<&Arc<dyn Kind>, KindError> {
        self.0
            .get(super::kind_of(id))
            .ok_or_else(|| KindError::Spec {
                id: id.to_string(),
                reason: "no kind is registered for this id".to_string(),
            })
    }
}
