//! The values a warm pool computes: defaults of optional inputs, names,
//! ARNs, the size of each group now, and the rendered sub-objects.
//!
//! Optional inputs with a default (`capacity_type`, the `schedule` block's
//! times...) are also computed, and a plan writes the default in: so the
//! state says what was applied, and an import, which can only see values,
//! gives the same state as an apply.

use std::collections::BTreeMap;

use super::expand::{ids, role_account, role_arn};
use super::pool::Pool;
use super::size_now::Phase;
use super::*;
use crate::kinds::node_group::IDENTITY;
use crate::reconcile::Record;
use crate::resources::lifecycle::{record_of, rendered, with};

/// `(attribute, default)` of each `group` block.
fn group_defaults() -> [(&'static str, Value); 4] {
    [
        ("capacity_type", Value::string(DEFAULT_CAPACITY_TYPE)),
        ("ami_type", Value::string(DEFAULT_AMI_TYPE)),
        ("disk_size", Value::from(DEFAULT_DISK_SIZE)),
        ("min_size", Value::from(0)),
    ]
}

/// `(attribute, default)` of the `schedule` block.
fn schedule_defaults() -> [(&'static str, Value); 4] {
    [
        ("enabled", Value::from(true)),
        ("time_zone", Value::string(DEFAULT_TIME_ZONE)),
        ("scale_down", Value::string(DEFAULT_SCALE_DOWN)),
        ("scale_up", Value::string(DEFAULT_SCALE_UP)),
    ]
}

/// `planned` with every default written where `config` leaves it null.
pub fn with_defaults(config: &Value, planned: Value) -> Value {
    let groups = match (config.attr("group"), planned.attr("group")) {
        (Some(Value::List(configs)), Some(Value::List(plans))) => {
            let pairs = configs.iter().zip(plans);
            let filled = pairs.map(|(c, p)| fill(c, p.clone(), group_defaults()));
            Some(Value::List(filled.collect()))
        }
        _ => None,
    };
    let schedule = match (config.attr("schedule"), planned.attr("schedule")) {
        (Some(c @ Value::Object(_)), Some(p)) => Some(fill(c, p.clone(), schedule_defaults())),
        _ => None,
    };
    let planned = match groups {
        Some(groups) => with(planned, "group", groups),
        None => planned,
    };
    match schedule {
        Some(schedule) => with(planned, "schedule", schedule),
        None => planned,
    }
}

fn fill(config: &Value, planned: Value, defaults: [(&str, Value); 4]) -> Value {
    defaults
        .into_iter()
        .fold(planned, |planned, (name, default)| {
            match config.attr(name) {
                Some(value) if !value.is_null() => planned,
                _ => with(planned, name, default),
            }
        })
}

/// The outputs of `pool` with `record` existing and its groups in
/// `phase`; `arns` by group name when known.
pub fn outputs(
    state: Value,
    pool: &Pool,
    record: &Record,
    phase: Phase,
    arns: Option<Value>,
) -> Value {
    let state = derived(state, pool, phase);
    let state = with(state, "rendered", rendered(record));
    with(
        state,
        "node_group_arns",
        arns.unwrap_or_else(Value::unknown),
    )
}

/// The values that follow from the inputs and the phase alone: id,
/// names, the size of each group now, the role ARN.
pub fn derived(state: Value, pool: &Pool, phase: Phase) -> Value {
    let by_group = |value: &dyn Fn(&super::pool::Group) -> Value| {
        let entries = pool.groups.iter().map(|g| (g.name.clone(), value(g)));
        Value::Map(entries.collect())
    };
    let state = with(state, "id", Value::string(pool.id()));
    let node_groups = by_group(&|g| Value::string(pool.node_group_name(g)));
    let state = with(state, "node_group_names", node_groups);
    let sizes = by_group(&|g| Value::from(i64::from(g.scaling(phase).desired_size)));
    let state = with(state, "current_sizes", sizes);
    let schedules = pool.schedule_names().into_iter().map(Value::string);
    let state = with(state, "schedule_names", Value::List(schedules.collect()));
    match role_account(&pool.node_role_arn) {
        Some((partition, account)) => {
            let arn = role_arn(&partition, &account, &pool.role_name());
            with(state, "scheduler_role_arn", Value::string(arn))
        }
        None => state,
    }
}

/// The phase a plan promised: a group planned at zero while its size is
/// not zero means the weekend. `None` when the plan does not say.
pub fn planned_phase(pool: &Pool, planned: &Value) -> Option<Phase> {
    let sizes = planned.attr("current_sizes")?.entries()?;
    let mut weekend = false;
    for group in &pool.groups {
        let size = sizes.get(&group.name)?.as_i64()?;
        weekend |= size == 0 && group.desired_size != 0;
    }
    Some(if weekend { Phase::Weekend } else { Phase::Week })
}

/// The prior node group ARNs when every node group keeps its identity, so
/// none is replaced and the ARNs stay; `None` otherwise.
pub fn kept_arns(prior: &Value, pool: &Pool, desired: &Record) -> Option<Value> {
    let arns = prior
        .attr("node_group_arns")
        .filter(|a| a.is_wholly_known())?;
    let before = record_of(prior);
    let identity = |spec: &serde_json::Value| IDENTITY.map(|field| spec.get(field).cloned());
    let same_identity = |id: &String| {
        let (then, now) = (before.get(id)?, desired.get(id)?);
        Some(identity(then) == identity(now))
    };
    let all_kept = pool.groups.iter().all(|group| {
        let id = ids::node_group(&pool.cluster, &pool.node_group_name(group));
        same_identity(&id) == Some(true)
    });
    let entries = arns.entries()?;
    let same_groups = entries.len() == pool.groups.len();
    (all_kept && same_groups).then(|| arns.clone())
}

/// The map of `arns` by group name.
pub fn arn_map(arns: &BTreeMap<String, String>) -> Value {
    Value::Map(
        arns.iter()
            .map(|(k, v)| (k.clone(), Value::string(v)))
            .collect(),
    )
}
