//! Plan, apply, read, import and destroy of `ci_account_access`, on the
//! reconcile engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::expand::{self, Access, CLUSTER_TAG, INLINE_POLICY_NAME};
use crate::backends::Backends;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::kinds::iam_role::IamRole;
use crate::kinds::inline_policy::InlinePolicy;
use crate::kinds::kube_object::KubeObject;
use crate::kinds::oidc_provider::OidcProvider;
use crate::kinds::policy_attachment::PolicyAttachment;
use crate::kinds::{MANAGED_BY, OWNER, Reach};
use crate::reconcile::{self, KindError, Kinds, Record};
use crate::resources::lifecycle::{
    destroy_recorded, failure, failures, import_failure, record_of, rendered, unknown_at_apply,
    with,
};
use crate::resources::{Context, Outcome};
use crate::value::Value;

/// How diagnostics name this resource.
const WHAT: &str = "this access";

/// The kinds an access uses, reaching its account as configured.
fn kinds(backends: &Backends, access: &Access) -> Kinds {
    let target_role = access
        .target_role_name
        .clone()
        .unwrap_or_else(|| backends.config.target_role_name.clone());
    let reach = Reach {
        aws: backends.aws.clone(),
        assume: access.account_id.as_ref().map(|_| target_role),
    };
    Kinds::default()
        .with("oidc_provider", Arc::new(OidcProvider(reach.clone())))
        .with("iam_role", Arc::new(IamRole(reach.clone())))
        .with(
            "policy_attachment",
            Arc::new(PolicyAttachment(reach.clone())),
        )
        .with("inline_policy", Arc::new(InlinePolicy(reach)))
        .with("kube_object", Arc::new(KubeObject(backends.kube.clone())))
}

/// Fills what a plan can know: names, ARNs, variables and the rendered
/// sub-objects, when the account is known without asking AWS.
pub fn plan(context: &Context, config: &Value, prior: &Value, planned: Value) -> Value {
    let Some(access) = Access::from_value(config) else {
        return planned;
    };
    let mut planned = with(planned, "role_name", Value::string(&access.role_name));
    planned = with(planned, "ci_variables", string_map(&access.ci_variables()));
    let account = access.account_id.clone().or_else(|| account_of(prior));
    let (Some(account), Some(backends)) = (account, context.backends.as_ref()) else {
        return planned;
    };
    let desired = expand::expand(&access, &account, &backends.config.default_tags);
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    outputs(planned, &access, &account, &record)
}

/// The account in a prior state's id, `<account>/<role>`.
fn account_of(prior: &Value) -> Option<String> {
    let id = prior.attr("id")?.as_str()?;
    id.split_once('/').map(|(account, _)| account.to_string())
}

/// Sets the computed outputs from the account and the record.
fn outputs(state: Value, access: &Access, account: &str, record: &Record) -> Value {
    let state = with(state, "id", Value::string(access.id(account)));
    let state = with(state, "role_arn", Value::string(access.role_arn(account)));
    let state = with(
        state,
        "oidc_provider_arn",
        Value::string(access.oidc_provider_arn(account)),
    );
    let state = with(state, "role_name", Value::string(&access.role_name));
    let state = with(state, "ci_variables", string_map(&access.ci_variables()));
    with(state, "rendered", rendered(record))
}

/// Applies a create or update; a null plan destroys.
pub async fn apply(context: &Context, prior: Value, planned: Value) -> Outcome {
    match apply_or_destroy(context, &prior, planned).await {
        Ok(outcome) => outcome,
        Err(diagnostics) => Outcome::with(prior, diagnostics),
    }
}

async fn apply_or_destroy(
    context: &Context,
    prior: &Value,
    planned: Value,
) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    if planned.is_null() {
        return Ok(destroy(context, &backends, prior).await);
    }
    let access = Access::from_value(&planned).ok_or_else(|| unknown_at_apply(WHAT))?;
    let account = resolve_account(&backends, &access).await?;
    let desired = expand::expand(&access, &account, &backends.config.default_tags);
    let kinds = kinds(&backends, &access);
    let applied = reconcile::apply(&kinds, &desired, &record_of(prior), &context.stop).await;

    let diagnostics = failures("Cannot apply", &applied.errors);
    if prior.is_null() && applied.record.is_empty() {
        return Ok(Outcome::with(Value::Null, diagnostics));
    }
    let state = outputs(planned, &access, &account, &applied.record);
    Ok(Outcome::with(state, diagnostics))
}

async fn destroy(context: &Context, backends: &Backends, prior: &Value) -> Outcome {
    let Some(access) = Access::from_value(prior) else {
        return Outcome::with(prior.clone(), unknown_at_apply(WHAT));
    };
    let kinds = kinds(backends, &access);
    destroy_recorded(context, &kinds, prior).await
}

async fn resolve_account(backends: &Backends, access: &Access) -> Result<String, Diagnostics> {
    if let Some(account) = &access.account_id {
        return Ok(account.clone());
    }
    let own = backends.aws.account(None, "").await.map_err(|error| {
        Diagnostics::from(Diagnostic::error(
            "Cannot find the provider's own account",
            error.to_string(),
        ))
    })?;
    Ok(own.id().to_string())
}

/// Observes every sub-object. Missing ones leave the record, so the plan
/// shows them to be created again; the access is gone only when nothing
/// of it is left (dropping it sooner would orphan the rest).
pub async fn read(context: &Context, current: Value) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let access = Access::from_value(&current).ok_or_else(|| unknown_at_apply(WHAT))?;
    let record = record_of(&current);
    let kinds = kinds(&backends, &access);
    let refreshed = reconcile::read(&kinds, &record)
        .await
        .map_err(|errors| failures("Cannot read", &errors))?;

    if refreshed.record.is_empty() {
        tracing::info!(id = ?current.attr("id"), "nothing of the access is left; it must be re-created");
        return Ok(Outcome::with(Value::Null, Diagnostics::default()));
    }
    let state = with(current, "rendered", rendered(&refreshed.record));
    Ok(Outcome::with(state, Diagnostics::default()))
}

/// Rebuilds the state of the access whose id is `<account_id>/<role_name>`
/// by observing its role, policies and ServiceAccount.
pub async fn import(
    context: &Context,
    schema_block: &crate::schema::Block,
    id: &str,
) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let (account, role_name) = id.split_once('/').ok_or_else(|| bad_import_id(id))?;
    let reach = Reach {
        aws: backends.aws.clone(),
        assume: Some(backends.config.target_role_name.clone()),
    };
    let iam = reach
        .account(account)
        .await
        .map_err(|e| kind_failure("Cannot import", id, &e))?
        .iam();
    let role = iam
        .get_role(role_name)
        .await
        .map_err(|e| import_failure(id, e))?;
    let role = role.ok_or_else(|| {
        Diagnostics::from(Diagnostic::error(
            "Cannot import: no such role",
            format!("No IAM role {role_name} exists in account {account}."),
        ))
    })?;
    let (issuer, namespace, service_account) = trust_of(&role.assume_role_policy).ok_or_else(|| {
        Diagnostics::from(Diagnostic::error(
            "Cannot import: not a CI access role",
            format!("The trust policy of {role_name} does not trust one service account through an OIDC issuer."),
        ))
    })?;
    let policies = iam
        .list_attached_policies(role_name)
        .await
        .map_err(|e| import_failure(id, e))?;
    let inline = iam
        .get_inline_policy(role_name, INLINE_POLICY_NAME)
        .await
        .map_err(|e| import_failure(id, e))?;

    let mut user_tags = role.tags.clone();
    let cluster = user_tags.remove(CLUSTER_TAG).unwrap_or_default();
    user_tags.remove(MANAGED_BY);
    user_tags.remove(OWNER);
    user_tags.retain(|key, value| backends.config.default_tags.get(key) != Some(value));

    let mut config = null_object(schema_block);
    let set = |config: &mut BTreeMap<String, Value>, name: &str, value: Value| {
        config.insert(name.to_string(), value);
    };
    set(&mut config, "cluster_name", Value::string(cluster));
    set(&mut config, "account_id", Value::string(account));
    set(&mut config, "oidc_issuer_url", Value::string(issuer));
    set(&mut config, "namespace", Value::string(namespace));
    set(
        &mut config,
        "service_account",
        Value::string(service_account),
    );
    set(&mut config, "role_name", Value::string(role_name));
    if !policies.is_empty() {
        set(
            &mut config,
            "policy_arns",
            Value::List(policies.into_iter().map(Value::string).collect()),
        );
    }
    if let Some(document) = inline {
        set(
            &mut config,
            "inline_policy",
            Value::string(document.to_string()),
        );
    }
    if role.max_session_duration != 3600 {
        set(
            &mut config,
            "max_session_duration",
            Value::from(i64::from(role.max_session_duration)),
        );
    }
    if let Some(boundary) = role.permissions_boundary {
        set(&mut config, "permissions_boundary", Value::string(boundary));
    }
    if !user_tags.is_empty() {
        set(&mut config, "tags", string_map(&user_tags));
    }

    let state = Value::Object(config);
    let access = Access::from_value(&state).ok_or_else(|| unknown_at_apply(WHAT))?;
    let desired = expand::expand(&access, account, &backends.config.default_tags);
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    let state = outputs(state, &access, account, &record);
    read(context, state).await
}

/// Issuer URL, namespace and service account from a trust policy written
/// by [`super::trust_policy::render`].
fn trust_of(policy: &serde_json::Value) -> Option<(String, String, String)> {
    let statement = policy.pointer("/Statement/0")?;
    let federated = statement.pointer("/Principal/Federated")?.as_str()?;
    let host_path = federated.split_once(":oidc-provider/")?.1;
    let conditions = statement.pointer("/Condition/StringEquals")?.as_object()?;
    let subject = conditions.get(&format!("{host_path}:sub"))?.as_str()?;
    let rest = subject.strip_prefix("system:serviceaccount:")?;
    let (namespace, service_account) = rest.split_once(':')?;
    Some((
        format!("https://{host_path}"),
        namespace.to_string(),
        service_account.to_string(),
    ))
}

fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::string(v)))
            .collect(),
    )
}

fn null_object(block: &crate::schema::Block) -> BTreeMap<String, Value> {
    block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect()
}

fn kind_failure(verb: &str, id: &str, error: &KindError) -> Diagnostics {
    failure(verb, id, error).into()
}

fn bad_import_id(id: &str) -> Diagnostics {
    Diagnostic::error(
        "Invalid import ID",
        format!("\"{id}\" is not an access ID: use `<account_id>/<role_name>`."),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_trust_policy_gives_back_issuer_namespace_and_service_account() {
        let policy = crate::resources::account_access::trust_policy::render(
            &super::super::trust_policy::TrustPolicyInputs {
                account_id: "111111111111",
                issuer_url: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                namespace: "payments",
                service_account: "deploy",
            },
        );
        let expected = (
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC".to_string(),
            "payments".to_string(),
            "deploy".to_string(),
        );
        assert_eq!(trust_of(&policy), Some(expected));
        assert_eq!(trust_of(&json!({"Statement": []})), None);
    }

    #[test]
    fn rendered_and_record_round_trip() {
        let record = Record::from([("iam_role/1/r".to_string(), json!({"name": "r", "tags": {}}))]);
        let state = Value::object([("rendered".to_string(), rendered(&record))]);
        assert_eq!(record_of(&state), record);
    }
}
