//! Plan, apply, read and destroy of `ci_warm_pool`, on the reconcile
//! engine.
//!
//! Drift without fighting the schedule: every node group's desired spec
//! carries the scaling the schedules say it has *now* (see
//! [`super::size_now`]). Read records what EKS reports, and plan expands
//! the configuration with the size for now, so a group its own schedule
//! scaled to zero for the weekend matches, while a size anyone else set
//! differs and shows as a change to put back. Apply does what the plan
//! showed: it sizes groups for the phase the plan promised in
//! `current_sizes`, even when a schedule fired in between.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::TIMEOUT_DEFAULTS;
use super::expand::{self, Place, ids, role_account};
use super::outputs::{arn_map, derived, kept_arns, outputs, planned_phase, with_defaults};
use super::pool::Pool;
use super::size_now::{self, Phase};
use crate::backends::Backends;
use crate::backends::aws::{Account, Eks};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::kinds::Reach;
use crate::kinds::iam_role::IamRole;
use crate::kinds::inline_policy::InlinePolicy;
use crate::kinds::node_group::NodeGroup;
use crate::kinds::schedule::Schedule;
use crate::reconcile::{self, Kinds, Record};
use crate::resources::lifecycle::{
    destroy_recorded, failures, record_of, rendered, unknown_at_apply, with,
};
use crate::resources::timeouts::Timeouts;
use crate::resources::{Context, Outcome};
use crate::value::Value;

/// How diagnostics name this resource.
const WHAT: &str = "this warm pool";

/// The kinds a warm pool uses, all in the provider's own account; node
/// group deletes wait up to `timeouts.delete`.
pub fn kinds(backends: &Backends, timeouts: Timeouts) -> Kinds {
    let reach = Reach {
        aws: backends.aws.clone(),
        assume: None,
    };
    Kinds::default()
        .with("iam_role", Arc::new(IamRole(reach.clone())))
        .with("inline_policy", Arc::new(InlinePolicy(reach.clone())))
        .with(
            "node_group",
            Arc::new(NodeGroup(reach.clone(), timeouts.delete)),
        )
        .with("schedule", Arc::new(Schedule(reach)))
}

/// Fills what a plan can know without any call: defaults, names, the size
/// of each group now, and the rendered sub-objects when the provider
/// block names the region.
pub fn plan(
    context: &Context,
    config: &Value,
    prior: &Value,
    planned: Value,
) -> Result<Value, Diagnostics> {
    let planned = with_defaults(config, planned);
    let Some(pool) = Pool::from_value(&planned) else {
        return Ok(planned);
    };
    let phase = phase_now(&pool)?;
    let planned = derived(planned, &pool, phase);
    let backends = context.backends.as_ref();
    let region = backends.and_then(|b| b.config.region.as_deref());
    let (Some(place), Some(backends)) = (Place::planned(&pool, region), backends) else {
        return Ok(planned);
    };
    let desired = expand::expand(&pool, &place, phase, &backends.config.default_tags);
    let record: Record = desired.into_iter().map(|d| (d.id, d.spec)).collect();
    let arns = kept_arns(prior, &pool, &record);
    Ok(outputs(planned, &pool, &record, phase, arns))
}

/// The phase of `pool`'s groups by the clock.
pub fn phase_now(pool: &Pool) -> Result<Phase, Diagnostics> {
    let timing = pool.schedule.timing().map_err(|why| {
        Diagnostics::from(Diagnostic::error(
            "Cannot evaluate the warm pool's schedule",
            format!("{why}. Correct the schedule block."),
        ))
    })?;
    Ok(timing.phase_at(size_now::now()?))
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
    let pool = Pool::from_value(&planned).ok_or_else(|| unknown_at_apply(WHAT))?;
    let account = own_account(&backends).await?;
    let place = place_of(&pool, &account)?;
    let phase = match planned_phase(&pool, &planned) {
        Some(phase) => phase,
        None => phase_now(&pool)?,
    };
    let desired = expand::expand(&pool, &place, phase, &backends.config.default_tags);
    let timeouts = Timeouts::from_config(&planned, TIMEOUT_DEFAULTS);
    let kinds = kinds(&backends, timeouts);
    let applied = reconcile::apply(&kinds, &desired, &record_of(prior), &context.stop).await;

    let mut diagnostics = failures("Cannot apply", &applied.errors);
    if prior.is_null() && applied.record.is_empty() {
        return Ok(Outcome::with(Value::Null, diagnostics));
    }
    let limit = if prior.is_null() {
        timeouts.create
    } else {
        timeouts.update
    };
    let wait = applied.succeeded().then_some(limit);
    let (arns, waited) =
        node_group_arns(context, &account.eks(), &pool, &applied.record, wait).await;
    diagnostics.extend(waited);
    let state = outputs(planned, &pool, &applied.record, phase, Some(arns));
    Ok(Outcome::with(state, diagnostics))
}

/// The provider's own account, where warm pools live.
pub async fn own_account(backends: &Backends) -> Result<Account, Diagnostics> {
    backends.aws.account(None, "").await.map_err(|error| {
        Diagnostics::from(Diagnostic::error(
            "Cannot find the provider's own account",
            format!("{error}\n\nWarm pools are created with the provider's own credentials."),
        ))
    })
}

/// The place of `pool` in `account`, which must hold its node role: the
/// plan rendered the role's account, and EKS wants the node role in the
/// cluster's account.
pub fn place_of(pool: &Pool, account: &Account) -> Result<Place, Diagnostics> {
    let role = role_account(&pool.node_role_arn).map(|(_, account)| account);
    if role.as_deref() != Some(account.id()) {
        return Err(Diagnostic::error(
            "Node role in another account",
            format!(
                "node_role_arn {} is not in account {}, where the provider's credentials act \
                 and the node groups would be created. Use the cluster's node role, or \
                 configure the provider for the cluster's account.",
                pool.node_role_arn,
                account.id()
            ),
        )
        .into());
    }
    let region = account.scheduler().region().unwrap_or_default();
    Ok(Place {
        account: account.id().to_string(),
        partition: account.partition().to_string(),
        region,
    })
}

/// The ARN of every recorded node group, by group name; with `wait`, once
/// each is `ACTIVE`, waiting up to `wait` (Terraform's stop ends the wait).
pub async fn node_group_arns(
    context: &Context,
    eks: &Eks,
    pool: &Pool,
    record: &Record,
    wait: Option<Duration>,
) -> (Value, Diagnostics) {
    let mut arns = BTreeMap::new();
    let mut diagnostics = Diagnostics::default();
    for group in &pool.groups {
        let name = pool.node_group_name(group);
        if !record.contains_key(&ids::node_group(&pool.cluster, &name)) {
            continue;
        }
        match node_group_arn(context, eks, &pool.cluster, &name, wait).await {
            Ok(arn) => {
                arns.insert(group.name.clone(), arn);
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (arn_map(&arns), diagnostics)
}

async fn node_group_arn(
    context: &Context,
    eks: &Eks,
    cluster: &str,
    name: &str,
    wait: Option<Duration>,
) -> Result<String, Diagnostic> {
    let failed = |error: &dyn std::fmt::Display| {
        Diagnostic::error(
            format!("Node group {name} is not ready"),
            format!(
                "{error}\n\nThe node group is recorded in the state; once EKS reports it \
                 ACTIVE, apply again to finish."
            ),
        )
    };
    let found = if let Some(limit) = wait {
        tokio::select! {
            found = eks.wait_node_group_active(cluster, name, limit) => found.map(Some),
            () = context.stop.cancelled() => return Err(failed(&"stopped, as Terraform asked")),
        }
    } else {
        eks.describe_node_group(cluster, name).await
    };
    match found {
        Ok(Some(group)) => Ok(group.arn),
        Ok(None) => Err(failed(&"EKS no longer knows it")),
        Err(error) => Err(failed(&error)),
    }
}

async fn destroy(context: &Context, backends: &Backends, prior: &Value) -> Outcome {
    let kinds = kinds(backends, Timeouts::from_config(prior, TIMEOUT_DEFAULTS));
    destroy_recorded(context, &kinds, prior).await
}

/// Observes every sub-object and the size each group should have now; a
/// warm pool with nothing left is gone.
pub async fn read(context: &Context, current: Value) -> Result<Outcome, Diagnostics> {
    let backends = context.backends()?.clone();
    let pool = Pool::from_value(&current).ok_or_else(|| unknown_at_apply(WHAT))?;
    let record = record_of(&current);
    let refreshed = reconcile::read(
        &kinds(&backends, Timeouts::defaults(TIMEOUT_DEFAULTS)),
        &record,
    )
    .await
    .map_err(|errors| failures("Cannot read", &errors))?;

    if !record.is_empty() && refreshed.record.is_empty() {
        let id = current.attr("id");
        tracing::info!(
            ?id,
            "every sub-object of the warm pool is gone; it must be re-created"
        );
        return Ok(Outcome::with(Value::Null, Diagnostics::default()));
    }
    let phase = phase_now(&pool)?;
    let state = derived(current, &pool, phase);
    let state = with(state, "rendered", rendered(&refreshed.record));
    Ok(Outcome::with(state, Diagnostics::default()))
}
