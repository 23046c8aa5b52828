//! Plan, apply, read, import and destroy of `ci_runner_pool`, on the
//! reconcile engine. Every sub-object is a Kubernetes object.

use std::sync::Arc;

use secrecy::SecretString;

use super::expand::{self, INPUTS_ANNOTATION, Pool};
use super::pool_objects::PoolObjects;
use super::{DEFAULT_RUNNER_IMAGE, default_namespace};
use crate::backends::Backends;
use crate::backends::kube::ObjectRef;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::reconcile::{self, Kinds, Record};
use crate::resources::lifecycle::{
    destroy_recorded, failures, import_failure, record_of, rendered, unknown_at_apply, with,
};
use crate::resources::{Context, Outcome};
use crate::value::Value;

/// How diagnostics name this resource.
const WHAT: &str = "this runner pool";

/// The kinds a pool uses; `token` only when apply writes the Secret.
fn kinds(backends: &Backends, token: Option<SecretString>) -> Kinds {
    let objects = PoolObjects::new(backends.kube.clone(), token);
    Kinds::default().with("kube_object", Arc::new(objects))
}

/// The runner token of a configuration: `runner_token`, else the
/// write-only `runner_token_wo`. `None` when unset or unknown.
pub fn token_of(config: &Value) -> Option<String> {
    let text = |name: &str| config.attr(name).and_then(Value::as_str);
    text("runner_token")
        .or_else(|| text("runner_token_wo"))
        .map(str::to_string)
}

fn token_unknown(config: &Value) -> bool {
    let unknown = |name: &str| config.attr(name).is_some_and(Value::is_unknown);
    unknown("runner_token") || unknown("runner_token_wo")
}

/// Fills what a plan can know: the names and defaults, and the rendered
/// objects once every input and the token are known.
pub fn plan(config: &Value, planned: Value) -> Value {
    let mut planned = with(planned, "runner_token_wo", Value::Null);
    if config.attr("runner_image").is_some_and(Value::is_null) {
        planned = with(planned, "runner_image", Value::string(DEFAULT_RUNNER_IMAGE));
    }
    if let Some(group) = config.attr("group").and_then(Value::as_str) {
        planned = with_names(planned, config, group);
    }
    let Some(pool) = Pool::from_value(config) else {
        return planned;
    };
    if token_unknown(config) {
        return planned;
    }
    let desired = expand::expand(&pool, token_of(config).as_deref());
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    with(planned, "rendered", rendered(&record))
}

/// The names that follow from the group (and cluster) alone.
fn with_names(planned: Value, config: &Value, group: &str) -> Value {
    let mut planned = with(
        planned,
        "node_pool_name",
        Value::string(expand::node_pool_name(group)),
    );
    planned = with(
        planned,
        "node_label",
        Value::string(expand::node_label(group)),
    );
    if config.attr("namespace").is_some_and(Value::is_null) {
        planned = with(
            planned,
            "namespace",
            Value::string(default_namespace(group)),
        );
    }
    match config.attr("cluster_name").and_then(Value::as_str) {
        Some(cluster) => with(planned, "id", Value::string(format!("{cluster}/{group}"))),
        None => planned,
    }
}

/// Applies a create or update; a null plan destroys.
pub async fn apply(context: &Context, prior: Value, planned: Value, config: Value) -> Outcome {
    match apply_or_destroy(context, &prior, planned, &config).await {
        Ok(outcome) => outcome,
        Err(diagnostics) => Outcome::with(prior, diagnostics),
    }
}

async fn apply_or_destroy(
    context: &Context,
    prior: &Value,
    planned: Value,
    config: &Value,
) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    if planned.is_null() {
        return Ok(destroy(context, &backends, prior).await);
    }
    let pool = Pool::from_value(&planned).ok_or_else(|| unknown_at_apply(WHAT))?;
    let token = token_of(&planned).or_else(|| token_of(config));
    let desired = expand::expand(&pool, token.as_deref());
    let kinds = kinds(&backends, token.map(SecretString::from));
    let applied = reconcile::apply(&kinds, &desired, &record_of(prior), &context.stop).await;

    let diagnostics = failures("Cannot apply", &applied.errors);
    if prior.is_null() && applied.record.is_empty() {
        return Ok(Outcome::with(Value::Null, diagnostics));
    }
    let state = with(planned, "rendered", rendered(&applied.record));
    Ok(Outcome::with(state, diagnostics))
}

async fn destroy(context: &Context, backends: &Backends, prior: &Value) -> Outcome {
    let kinds = kinds(backends, None);
    destroy_recorded(context, &kinds, prior).await
}

/// Observes every sub-object. Missing ones leave the record, so the plan
/// shows them to be created again; the pool is gone only when nothing of
/// it is left (a deleted namespace takes its objects, but not the
/// cluster-scoped NodePool, which would otherwise be orphaned).
pub async fn read(context: &Context, current: Value) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let kinds = kinds(&backends, None);
    let record = record_of(&current);
    let refreshed = reconcile::read(&kinds, &record)
        .await
        .map_err(|errors| failures("Cannot read", &errors))?;

    if refreshed.record.is_empty() {
        let id = current.attr("id");
        tracing::info!(?id, "nothing of the pool is left; it must be re-created");
        return Ok(Outcome::with(Value::Null, Diagnostics::default()));
    }
    let state = with(current, "rendered", rendered(&refreshed.record));
    Ok(Outcome::with(state, Diagnostics::default()))
}

/// Rebuilds the state of the pool whose id is `<cluster>/<group>` from
/// the inputs its NodePool records, then reads every object. The runner
/// token cannot be read back: it stays null.
pub async fn import(context: &Context, id: &str) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let (cluster, group) = id.split_once('/').ok_or_else(|| bad_import_id(id))?;
    let node_pool = ObjectRef {
        api_version: "karpenter.sh/v1".to_string(),
        kind: "NodePool".to_string(),
        namespace: None,
        name: expand::node_pool_name(group),
    };
    let client = backends
        .kube
        .cluster(cluster)
        .await
        .map_err(|e| import_failure(id, e))?;
    let live = client
        .get(&node_pool)
        .await
        .map_err(|e| import_failure(id, e))?
        .ok_or_else(|| no_such_pool(id, &node_pool.name))?;
    let pointer = format!(
        "/metadata/annotations/{}",
        INPUTS_ANNOTATION.replace('/', "~1")
    );
    let inputs = live.pointer(&pointer).and_then(serde_json::Value::as_str);
    let ty = super::schema::schema().block.value_type();
    let config = inputs
        .and_then(|text| crate::value::json::decode(text.as_bytes(), &ty).ok())
        .ok_or_else(|| not_a_pool(id))?;

    if Pool::from_value(&config).is_none() {
        return Err(not_a_pool(id));
    }
    // With no token the Secret and checksum hold placeholders; the read
    // replaces every object with what the cluster holds.
    read(context, plan(&config, config.clone())).await
}

fn no_such_pool(id: &str, node_pool: &str) -> Diagnostics {
    Diagnostic::error(
        "Cannot import: no such runner pool",
        format!("No NodePool {node_pool} exists for {id}."),
    )
    .into()
}

fn not_a_pool(id: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Cannot import {id}"),
        format!(
            "The NodePool of {id} has no readable {INPUTS_ANNOTATION} annotation, so it was \
             not created by this provider's ci_runner_pool."
        ),
    )
    .into()
}

fn bad_import_id(id: &str) -> Diagnostics {
    Diagnostic::error(
        "Invalid import ID",
        format!("\"{id}\" is not a runner pool ID: use `<cluster_name>/<group>`."),
    )
    .into()
}
