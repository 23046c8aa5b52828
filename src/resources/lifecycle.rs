//! What a resource does beyond its schema and validation: how it plans,
//! applies, reads and imports.
//!
//! Every method has a default, so a resource states only what differs. The
//! defaults are honest about what is missing: a resource without an apply
//! says so in an error instead of pretending to have created something.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::backends::Backends;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::reconcile::{KindError, Kinds, Record};
use crate::value::Value;

/// What an operation may use besides its own inputs.
#[derive(Clone)]
pub struct Context {
    /// `None` until Terraform has called `ConfigureProvider`.
    pub backends: Option<Arc<Backends>>,
    /// Cancelled when Terraform calls `StopProvider`.
    pub stop: CancellationToken,
}

impl Context {
    /// The backends, or an error saying the provider is not configured.
    pub fn backends(&self) -> Result<&Arc<Backends>, Diagnostics> {
        self.backends.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it. This is a bug in \
                 Terraform or the provider; run the command again.",
            )
            .into()
        })
    }
}

/// A state with the private bytes and diagnostics that go with it.
#[derive(Debug)]
pub struct Outcome {
    /// Null when the object is gone (read) or destroyed (apply).
    pub state: Value,
    /// Opaque to Terraform; handed back to us on the next call.
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

impl Outcome {
    /// An outcome that keeps `state` and reports `diagnostics`.
    pub fn with(state: Value, diagnostics: Diagnostics) -> Self {
        Outcome {
            state,
            private: Vec::new(),
            diagnostics,
        }
    }
}

/// The default apply: destroying is a no-op, creating and updating are not
/// supported and say so, keeping the prior state so nothing is lost.
pub fn unsupported_apply(type_name: &str, prior: Value, planned: &Value) -> Outcome {
    if planned.is_null() {
        return Outcome::with(Value::Null, Diagnostics::default());
    }
    let diagnostic = Diagnostic::error(
        format!("Cannot apply {type_name}"),
        format!(
            "This version of the provider validates and plans {type_name} but cannot create \
             or change it yet. Nothing was changed."
        ),
    );
    Outcome::with(prior, diagnostic.into())
}

/// The default import: not supported, said plainly.
pub fn unsupported_import(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Cannot import {type_name}"),
        format!("This version of the provider cannot import {type_name} yet."),
    )
    .into()
}

/// The default state upgrade: there is no older version to upgrade from.
pub fn no_state_upgrade(type_name: &str, version: i64) -> Diagnostics {
    Diagnostic::error(
        "Cannot upgrade the stored state",
        format!("{type_name} has no state upgrader from schema version {version}."),
    )
    .into()
}

/// The record of sub-objects kept in a state's `rendered` attribute.
pub fn record_of(state: &Value) -> Record {
    let Some(entries) = state.attr("rendered").and_then(Value::entries) else {
        return Record::new();
    };
    entries
        .iter()
        .filter_map(|(id, text)| Some((id.clone(), serde_json::from_str(text.as_str()?).ok()?)))
        .collect()
}

/// A record as the `rendered` map: pretty JSON per sub-object, so plans
/// show structural diffs.
pub fn rendered(record: &Record) -> Value {
    let pretty = |spec: &serde_json::Value| serde_json::to_string_pretty(spec).unwrap_or_default();
    Value::Map(
        record
            .iter()
            .map(|(id, spec)| (id.clone(), Value::string(pretty(spec))))
            .collect(),
    )
}

/// Deletes every recorded sub-object of `prior`: a null state when all are
/// gone, else `prior` with what is left and why.
pub async fn destroy_recorded(context: &Context, kinds: &Kinds, prior: &Value) -> Outcome {
    let deleted = crate::reconcile::delete_all(kinds, &record_of(prior), &context.stop).await;
    if deleted.succeeded() {
        return Outcome::with(Value::Null, Diagnostics::default());
    }
    let remaining = with(prior.clone(), "rendered", rendered(&deleted.record));
    Outcome::with(remaining, failures("Cannot delete", &deleted.errors))
}

/// `state` with attribute `name` set to `value`.
pub fn with(state: Value, name: &str, value: Value) -> Value {
    match state {
        Value::Object(mut attributes) => {
            attributes.insert(name.to_string(), value);
            Value::Object(attributes)
        }
        other => other,
    }
}

/// One diagnostic per failed sub-object; `verb` is "Cannot apply" or
/// "Cannot delete".
pub fn failures(verb: &str, errors: &[(String, KindError)]) -> Diagnostics {
    Diagnostics(
        errors
            .iter()
            .map(|(id, error)| failure(verb, id, error))
            .collect(),
    )
}

/// The diagnostic for one failed sub-object.
pub fn failure(verb: &str, id: &str, error: &KindError) -> Diagnostic {
    Diagnostic::error(
        format!("{verb} {id}"),
        format!(
            "{error}\n\nEverything created before the failure is recorded in the state; \
             fix the cause and apply again to finish."
        ),
    )
}

/// An import that failed reading `id`.
pub fn import_failure(id: &str, error: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(format!("Cannot import {id}"), error.to_string()).into()
}

/// A plan reached apply with inputs still unknown, which Terraform never
/// allows; `what` names the resource ("this access").
pub fn unknown_at_apply(what: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown values at apply",
        format!("Some inputs of {what} are still unknown. This is a bug in the provider."),
    )
    .into()
}
