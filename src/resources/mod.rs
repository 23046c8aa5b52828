//! The provider's resources: one module per resource, each holding its
//! schema and validation (and, in later work, its expansion into
//! sub-objects).
//!
//! Words used throughout: a resource's *configuration* is the object value
//! Terraform decodes against the resource schema; it may hold *unknown*
//! values (known only after apply), which validation skips. A *sub-object*
//! is one AWS or Kubernetes object a resource owns.

pub mod account_access;
pub mod cluster;
pub mod field;
pub mod lifecycle;
pub mod runner_pool;
pub mod timeouts;
pub mod validate;
pub mod warm_pool;

#[cfg(test)]
pub(crate) mod testing;

use crate::diagnostics::Diagnostics;
use crate::schema::{Attribute, Schema, map_of};
use crate::value::path::Path;
use crate::value::{Type, Value};

pub use lifecycle::{Context, Outcome};

/// A managed resource type such as `ci_cluster`.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The Terraform type name, e.g. `ci_cluster`.
    fn type_name(&self) -> &'static str;

    /// The resource's schema, with descriptions for the generated docs.
    fn schema(&self) -> Schema;

    /// Checks a configuration that may hold unknown values; unknown values are skipped.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Fills the computed values a plan can know without any API call
    /// (rendered sub-objects, deterministic names and ARNs). `planned`
    /// already has every other computed value marked unknown.
    fn plan(
        &self,
        context: &Context,
        config: &Value,
        prior: &Value,
        planned: Value,
    ) -> Result<Value, Diagnostics> {
        let _ = (context, config, prior);
        Ok(planned)
    }

    /// Attributes whose change forces the object to be replaced.
    fn replace_on(&self) -> Vec<Path> {
        Vec::new()
    }

    /// Computed attributes that never change after create, so an update
    /// plan keeps their prior value instead of marking them unknown.
    fn stable_attributes(&self) -> &'static [&'static str] {
        &["id"]
    }

    /// Rewrites state stored at an older schema `version` (as JSON) into
    /// the current schema's shape.
    fn upgrade_state(
        &self,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let _ = state;
        Err(lifecycle::no_state_upgrade(self.type_name(), version))
    }

    /// Observes the real objects behind `current`; a null state means gone.
    async fn read(
        &self,
        context: &Context,
        current: Value,
        private: Vec<u8>,
    ) -> Result<Outcome, Diagnostics> {
        let _ = context;
        Ok(Outcome {
            state: current,
            private,
            diagnostics: Diagnostics::default(),
        })
    }

    /// Carries out a planned change. On failure the outcome holds the best
    /// state reached, so nothing created is forgotten.
    async fn apply(
        &self,
        context: &Context,
        prior: Value,
        planned: Value,
        config: Value,
        private: Vec<u8>,
    ) -> Outcome {
        let _ = (context, config, private);
        lifecycle::unsupported_apply(self.type_name(), prior, &planned)
    }

    /// Builds the full state of an existing object from its import ID.
    async fn import(&self, context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
        let _ = (context, id);
        Err(lifecycle::unsupported_import(self.type_name()))
    }
}

/// Every resource the provider serves.
pub fn all() -> Vec<Box<dyn Resource>> {
    vec![
        Box::new(cluster::Cluster),
        Box::new(runner_pool::RunnerPool),
        Box::new(account_access::AccountAccess),
        Box::new(warm_pool::WarmPool),
    ]
}

/// The computed `id` every resource has; `form` says what it looks like.
pub(crate) fn id_attribute(form: &str) -> Attribute {
    Attribute::new("id", Type::String)
        .computed()
        .description(format!(
            "Identifier set by the provider, also the ID to import with: {form}."
        ))
}

/// `full` if it has at most `max` characters, else its start and a stable
/// 8-hex-digit hash, `max` characters in all: deterministic names for
/// sub-objects whose services limit name lengths.
pub fn fit_name(full: &str, max: usize) -> String {
    if full.chars().count() <= max {
        return full.to_string();
    }
    let suffix = format!("-{:08x}", fnv1a(full.as_bytes()) as u32);
    let kept: String = full
        .chars()
        .take(max.saturating_sub(suffix.len()))
        .collect();
    format!("{}{suffix}", kept.trim_end_matches(['-', '.', '_']))
}

/// 64-bit FNV-1a: small, and stable across releases and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    let step = |hash: u64, byte: &u8| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, step)
}

/// The computed `rendered` map every resource has.
pub(crate) fn rendered_attribute() -> Attribute {
    Attribute::new("rendered", map_of(Type::String))
        .computed()
        .description(
            "The sub-objects this resource manages, rendered as they will be sent: sub-object ID \
         (for example `iam_role/ci-payments`) to its JSON or YAML. Shown in plans so that a \
         change to any IAM document, manifest or `config.toml` appears as a diff.",
        )
}

/// An optional `tags` map.
pub(crate) fn tags_attribute(applied_to: &str) -> Attribute {
    Attribute::new("tags", map_of(Type::String))
        .optional()
        .description(format!(
            "Tags for {applied_to}, merged over the provider's `default_tags`. Keys may not start \
         with `aws:`."
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::AttributeKind;

    #[test]
    fn the_four_resources_are_served() {
        let names: Vec<&str> = all().iter().map(|r| r.type_name()).collect();
        assert_eq!(
            names,
            [
                "ci_cluster",
                "ci_runner_pool",
                "ci_account_access",
                "ci_warm_pool"
            ]
        );
    }

    #[test]
    fn every_resource_has_id_rendered_and_a_described_schema() {
        for resource in all() {
            let block = resource.schema().block;
            for name in ["id", "rendered"] {
                let attribute = block.find_attribute(name).expect(name);
                assert!(
                    attribute.computed && !attribute.optional,
                    "{} {name}",
                    resource.type_name()
                );
            }
            assert!(
                block.description.len() > 100,
                "{} needs a fuller description",
                resource.type_name()
            );
            assert_eq!(
                block.problems(),
                Vec::<String>::new(),
                "{}",
                resource.type_name()
            );
        }
    }

    #[test]
    fn every_resource_takes_tags_or_labels() {
        for resource in all() {
            let block = resource.schema().block;
            let tags = block
                .find_attribute("tags")
                .or(block.find_attribute("labels"));
            let kind = tags.map(|a| &a.kind);
            assert_eq!(
                kind,
                Some(&AttributeKind::Type(map_of(Type::String))),
                "{}",
                resource.type_name()
            );
        }
    }

    #[test]
    fn an_empty_configuration_never_panics() {
        for resource in all() {
            resource.validate(&Value::Null);
            resource.validate(&Value::Unknown(Default::default()));
            resource.validate(&Value::Object(Default::default()));
        }
    }

    #[test]
    fn fitted_names_keep_short_ones_and_hash_long_ones() {
        assert_eq!(fit_name("short", 10), "short");
        let long = fit_name(&"x".repeat(80), 64);
        assert_eq!(long.chars().count(), 64);
        assert_ne!(long, fit_name(&"x".repeat(81), 64));
        assert_eq!(
            fit_name("ünïcode-ñame-that-is-long", 12).chars().count(),
            12
        );
    }
}
