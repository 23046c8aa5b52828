//! Plan, apply, read, import and destroy of `ci_cluster`, on the reconcile
//! engine.
//!
//! Apply runs in two *phases*: first everything whose spec is known (the
//! roles, the EKS cluster, the queue and rules, the Kubernetes objects),
//! then, once the cluster is `ACTIVE` and EKS has given it an OIDC issuer,
//! the objects that name the issuer (the OIDC provider and Karpenter's
//! controller role with its policy). Later applies know the issuer from
//! the state and run one phase.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::TIMEOUT_DEFAULTS;
use super::expand::{self, ClusterInputs, Facts, INPUTS_ANNOTATION, NODE_CLASS_TAG, ids};
use crate::backends::Backends;
use crate::backends::aws::eks::cluster::ClusterInfo;
use crate::backends::kube::ObjectRef;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::kinds::access_entry::AccessEntry;
use crate::kinds::eks_cluster::EksCluster;
use crate::kinds::event_rule::EventRule;
use crate::kinds::iam_role::IamRole;
use crate::kinds::inline_policy::InlinePolicy;
use crate::kinds::kube_object::KubeObject;
use crate::kinds::oidc_provider::OidcProvider;
use crate::kinds::policy_attachment::PolicyAttachment;
use crate::kinds::sqs_queue::SqsQueue;
use crate::kinds::{MANAGED_BY, MANAGED_BY_VALUE, Reach};
use crate::reconcile::{self, Desired, Kinds, Record};
use crate::resources::lifecycle::{
    destroy_recorded, failures, import_failure, record_of, rendered, unknown_at_apply, with,
};
use crate::resources::timeouts::Timeouts;
use crate::resources::{Context, Outcome};
use crate::value::Value;

/// How diagnostics name this resource.
const WHAT: &str = "this cluster";

/// The kinds a cluster uses, all acting in the provider's own account.
fn kinds(backends: &Backends, timeouts: Timeouts) -> (Kinds, Arc<EksCluster>) {
    let reach = Reach {
        aws: backends.aws.clone(),
        assume: None,
    };
    let cluster = Arc::new(EksCluster::new(reach.clone(), timeouts));
    let kinds = Kinds::default()
        .with("eks_cluster", cluster.clone())
        .with("access_entry", Arc::new(AccessEntry(reach.clone())))
        .with("oidc_provider", Arc::new(OidcProvider(reach.clone())))
        .with("iam_role", Arc::new(IamRole(reach.clone())))
        .with(
            "policy_attachment",
            Arc::new(PolicyAttachment(reach.clone())),
        )
        .with("inline_policy", Arc::new(InlinePolicy(reach.clone())))
        .with("sqs_queue", Arc::new(SqsQueue(reach.clone())))
        .with("event_rule", Arc::new(EventRule(reach)))
        .with("kube_object", Arc::new(KubeObject(backends.kube.clone())));
    (kinds, cluster)
}

/// What a state already knows of AWS: account and region from the
/// cluster's ARN, and the issuer.
fn facts_of(state: &Value) -> Facts {
    let text = |name: &str| state.attr(name).and_then(Value::as_str).map(str::to_string);
    // arn:aws:eks:REGION:ACCOUNT:cluster/NAME
    let arn = text("arn").unwrap_or_default();
    let parts: Vec<&str> = arn.split(':').collect();
    let part = |index: usize| {
        parts
            .get(index)
            .filter(|p| !p.is_empty())
            .map(|p| p.to_string())
    };
    Facts {
        account: part(4),
        region: part(3),
        issuer: text("oidc_issuer_url"),
    }
}

/// Fills what a plan can know: names, ARNs once the account is known, and
/// every rendered sub-object that names no fact still unknown.
pub fn plan(context: &Context, config: &Value, prior: &Value, planned: Value) -> Value {
    let Some(inputs) = ClusterInputs::from_value(config) else {
        return planned;
    };
    let mut facts = facts_of(prior);
    let backends = context.backends.as_ref();
    if facts.region.is_none() {
        facts.region = backends.and_then(|b| b.aws.configured_region());
    }
    let empty = Default::default();
    let default_tags = backends.map_or(&empty, |b| &b.config.default_tags);
    let desired = expand::expand(&inputs, &facts, default_tags);
    let planned = with(planned, "rendered", planned_rendered(&desired));
    let planned = with_names(planned, &inputs);
    with_arns(planned, &inputs, &facts)
}

/// The rendered map of a plan: pending sub-objects are unknown.
fn planned_rendered(desired: &[Desired]) -> Value {
    let record: Record = desired
        .iter()
        .map(|d| (d.id.clone(), d.spec.clone()))
        .collect();
    let Value::Map(mut entries) = rendered(&record) else {
        return Value::unknown();
    };
    for d in desired.iter().filter(|d| expand::is_pending(&d.spec)) {
        entries.insert(d.id.clone(), Value::unknown());
    }
    Value::Map(entries)
}

fn with_names(state: Value, inputs: &ClusterInputs) -> Value {
    let keys = inputs
        .annotation_keys()
        .into_iter()
        .map(|(k, v)| (k, Value::string(v)))
        .collect();
    let state = with(state, "id", Value::string(&inputs.name));
    let state = with(
        state,
        "node_role_name",
        Value::string(&inputs.node_role_name),
    );
    let state = with(
        state,
        "interruption_queue_name",
        Value::string(&inputs.queue_name),
    );
    with(state, "job_annotation_keys", Value::Map(keys))
}

/// The ARNs the account and region give; the OIDC provider's also needs
/// the issuer.
fn with_arns(state: Value, inputs: &ClusterInputs, facts: &Facts) -> Value {
    let (Some(account), Some(region)) = (&facts.account, &facts.region) else {
        return state;
    };
    let partition = crate::backends::aws::partition_of(region);
    let role = |name: &str| Value::string(format!("arn:{partition}:iam::{account}:role/{name}"));
    let arn = format!(
        "arn:{partition}:eks:{region}:{account}:cluster/{}",
        inputs.name
    );
    let state = with(state, "arn", Value::string(arn));
    let state = with(state, "cluster_role_arn", role(&inputs.cluster_role_name()));
    let state = with(state, "node_role_arn", role(&inputs.node_role_name));
    let state = with(
        state,
        "controller_role_arn",
        role(&inputs.controller_role_name()),
    );
    let Some(issuer) = &facts.issuer else {
        return state;
    };
    let oidc = crate::resources::account_access::trust_policy::oidc_provider_arn(account, issuer);
    with(state, "oidc_provider_arn", Value::string(oidc))
}

/// Sets what EKS reports: endpoint, CA, issuer, version.
fn with_cluster(state: Value, info: &ClusterInfo) -> Value {
    let text = |value: &Option<String>| value.as_deref().map_or(Value::Null, Value::string);
    let state = with(state, "arn", Value::string(&info.arn));
    let state = with(state, "endpoint", text(&info.endpoint));
    let state = with(
        state,
        "certificate_authority_data",
        text(&info.certificate_authority),
    );
    let state = with(state, "oidc_issuer_url", text(&info.oidc_issuer));
    with(state, "kubernetes_version", text(&info.settings.version))
}

/// Applies a create or update; a null plan destroys. The inputs come from
/// `config`, as in the plan, so that the rendered objects match it.
pub async fn apply(context: &Context, prior: Value, planned: Value, config: &Value) -> Outcome {
    match apply_or_destroy(context, &prior, planned, config).await {
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
    let inputs = ClusterInputs::from_value(config).ok_or_else(|| unknown_at_apply(WHAT))?;
    let timeouts = Timeouts::from_config(&planned, TIMEOUT_DEFAULTS);
    let (kinds, cluster) = kinds(&backends, timeouts);
    let mut facts = home_facts(&backends).await?;
    facts.issuer = facts_of(prior).issuer;
    let default_tags = &backends.config.default_tags;
    let record = record_of(prior);

    // Phase one: everything whose spec is known now.
    let desired = expand::expand(&inputs, &facts, default_tags);
    let later: BTreeSet<String> = pending_ids(&desired);
    let now: Vec<Desired> = desired
        .into_iter()
        .filter(|d| !later.contains(&d.id))
        .collect();
    let (record_now, record_later) = split(&record, &later);
    let first = reconcile::apply(&kinds, &now, &record_now, &context.stop).await;
    let mut diagnostics = failures("Cannot apply", &first.errors);
    let mut record = first.record;
    record.extend(record_later.clone());

    // Phase two: what names the issuer, once the cluster is active.
    let mut info = None;
    if first.errors.is_empty() {
        match cluster.active("", &inputs.name).await {
            Ok(found) => {
                facts.issuer = found.oidc_issuer.clone();
                info = Some(found);
            }
            Err(error) => {
                let failed = [(ids::cluster(&inputs.name), error)];
                diagnostics.extend(failures("Cannot apply", &failed));
            }
        }
    }
    if info.is_some() && !later.is_empty() {
        let desired = expand::expand(&inputs, &facts, default_tags);
        let second: Vec<Desired> = desired
            .into_iter()
            .filter(|d| later.contains(&d.id))
            .collect();
        let applied = reconcile::apply(&kinds, &second, &record_later, &context.stop).await;
        diagnostics.extend(failures("Cannot apply", &applied.errors));
        record.retain(|id, _| !later.contains(id));
        record.extend(applied.record);
    }

    if prior.is_null() && record.is_empty() {
        return Ok(Outcome::with(Value::Null, diagnostics));
    }
    let state = with(planned, "rendered", rendered(&record));
    let state = with_arns(with_names(state, &inputs), &inputs, &facts);
    let state = match &info {
        Some(info) => with_cluster(state, info),
        None => unknown_outputs_as_null(state),
    };
    Ok(Outcome::with(state, diagnostics))
}

/// After a failed apply, outputs still unknown become null: a state may
/// not hold unknown values.
fn unknown_outputs_as_null(state: Value) -> Value {
    let Value::Object(mut attributes) = state else {
        return state;
    };
    for value in attributes.values_mut() {
        if value.is_unknown() {
            *value = Value::Null;
        }
    }
    Value::Object(attributes)
}

/// The pending sub-objects and everything that depends on them.
fn pending_ids(desired: &[Desired]) -> BTreeSet<String> {
    let mut later: BTreeSet<String> = desired
        .iter()
        .filter(|d| expand::is_pending(&d.spec))
        .map(|d| d.id.clone())
        .collect();
    loop {
        let waiting = desired
            .iter()
            .filter(|d| !later.contains(&d.id) && d.depends_on.iter().any(|id| later.contains(id)));
        let more: Vec<String> = waiting.map(|d| d.id.clone()).collect();
        if more.is_empty() {
            return later;
        }
        later.extend(more);
    }
}

/// The record split into what is not in `ids` and what is.
fn split(record: &Record, ids: &BTreeSet<String>) -> (Record, Record) {
    record
        .clone()
        .into_iter()
        .partition(|(id, _)| !ids.contains(id))
}

/// The account and region of the provider's own credentials.
async fn home_facts(backends: &Backends) -> Result<Facts, Diagnostics> {
    let cannot = |error: crate::backends::aws::AwsError| {
        Diagnostics::from(Diagnostic::error(
            "Cannot find the provider's own account",
            error.to_string(),
        ))
    };
    let account = backends.aws.account(None, "").await.map_err(cannot)?;
    let region = backends.aws.region().await.map_err(cannot)?;
    Ok(Facts {
        account: Some(account.id().to_string()),
        region: Some(region),
        issuer: None,
    })
}

async fn destroy(context: &Context, backends: &Backends, prior: &Value) -> Outcome {
    let timeouts = Timeouts::from_config(prior, TIMEOUT_DEFAULTS);
    let (kinds, _) = kinds(backends, timeouts);
    destroy_recorded(context, &kinds, prior).await
}

/// Observes every sub-object. Missing ones leave the record, so the plan
/// shows them to be created again; the cluster is gone only when nothing
/// of it is left (dropping it sooner would orphan the rest).
pub async fn read(context: &Context, current: Value) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let timeouts = Timeouts::from_config(&current, TIMEOUT_DEFAULTS);
    let (kinds, cluster) = kinds(&backends, timeouts);
    let record = record_of(&current);
    let refreshed = reconcile::read(&kinds, &record)
        .await
        .map_err(|errors| failures("Cannot read", &errors))?;
    if refreshed.record.is_empty() {
        tracing::info!(id = ?current.attr("id"), "nothing of the cluster is left; it must be created again");
        return Ok(Outcome::with(Value::Null, Diagnostics::default()));
    }
    let mut state = with(current, "rendered", rendered(&refreshed.record));
    if let Some(info) = cluster.last_seen() {
        state = with_cluster(state, &info);
    }
    Ok(Outcome::with(state, Diagnostics::default()))
}

/// Rebuilds the state of the cluster named `name` from the inputs its
/// `EC2NodeClass` records, then reads every sub-object.
pub async fn import(context: &Context, name: &str) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let account = backends
        .aws
        .account(None, "")
        .await
        .map_err(|e| import_failure(name, e))?;
    let info = account
        .eks()
        .describe_cluster(name)
        .await
        .map_err(|e| import_failure(name, e))?;
    let info = info.ok_or_else(|| not_ours(name, "no EKS cluster has this name"))?;
    let tags = &info.settings.tags;
    if tags.get(MANAGED_BY).map(String::as_str) != Some(MANAGED_BY_VALUE) {
        return Err(not_ours(name, "the EKS cluster has no ownership tags"));
    }
    let node_class = tags.get(NODE_CLASS_TAG).cloned().unwrap_or_default();
    let config = recorded_config(&backends, name, &node_class).await?;
    let inputs = ClusterInputs::from_value(&config)
        .ok_or_else(|| not_ours(name, "its recorded inputs are incomplete"))?;

    let facts = Facts {
        account: Some(account.id().to_string()),
        region: Some(
            backends
                .aws
                .region()
                .await
                .map_err(|e| import_failure(name, e))?,
        ),
        issuer: info.oidc_issuer.clone(),
    };
    let desired = expand::expand(&inputs, &facts, &backends.config.default_tags);
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    let state = with(config, "rendered", rendered(&record));
    let state = with_arns(with_names(state, &inputs), &inputs, &facts);
    read(context, with_cluster(state, &info)).await
}

/// The configuration recorded on the cluster's `EC2NodeClass`.
async fn recorded_config(
    backends: &Backends,
    name: &str,
    node_class: &str,
) -> Result<Value, Diagnostics> {
    let object = ObjectRef {
        api_version: "karpenter.k8s.aws/v1".to_string(),
        kind: "EC2NodeClass".to_string(),
        namespace: None,
        name: node_class.to_string(),
    };
    let client = backends
        .kube
        .cluster(name)
        .await
        .map_err(|e| import_failure(name, e))?;
    let live = client
        .get(&object)
        .await
        .map_err(|e| import_failure(name, e))?;
    let live = live.ok_or_else(|| not_ours(name, "its EC2NodeClass is missing"))?;
    let pointer = format!(
        "/metadata/annotations/{}",
        INPUTS_ANNOTATION.replace('/', "~1")
    );
    let text = live.pointer(&pointer).and_then(serde_json::Value::as_str);
    let ty = super::schema::schema().block.value_type();
    text.and_then(|text| crate::value::json::decode(text.as_bytes(), &ty).ok())
        .ok_or_else(|| not_ours(name, "its EC2NodeClass has no readable inputs annotation"))
}

fn not_ours(name: &str, why: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Cannot import cluster {name}"),
        format!(
            "{name} cannot be imported as a ci_cluster: {why}. Only clusters created by this \
             provider can be imported."
        ),
    )
    .into()
}
