//! State semantics shared by every resource: planning with computed values
//! marked unknown, and upgrading stored state to the current schema.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::resources::Context;
use crate::value::Value;
use crate::value::path::Path;

use super::Registered;
use super::plan::{Change, mark_computed_unknown, requires_replace};

/// A planned new state and what it needs.
#[derive(Debug)]
pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<Path>,
    pub diagnostics: Diagnostics,
}

/// Plans a change to one resource.
///
/// Destroy plans are null (protocol 6.3 `plan_destroy`). Create and update
/// plans validate the configuration again, now that more of it is known,
/// and mark computed values unknown.
pub fn plan(
    context: &Context,
    registered: &Registered,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> Result<Planned, Diagnostics> {
    let change = Change::of(prior, proposed);
    if change == Change::Delete {
        return Ok(Planned {
            state: Value::Null,
            requires_replace: Vec::new(),
            diagnostics: Diagnostics::default(),
        });
    }

    let diagnostics = registered.resource.validate(config);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    // Even a plan with no configuration change asks the resource: sub-objects
    // that drifted out of band make the rendered values differ from the prior
    // state, and that difference is the plan.
    let marked = match change {
        Change::NoOp => proposed.clone(),
        _ => {
            let stable = registered.resource.stable_attributes();
            mark_computed_unknown(&registered.schema.block, config, proposed, stable)
        }
    };
    let state = registered.resource.plan(context, config, prior, marked)?;
    let requires_replace = match change {
        Change::Create => Vec::new(),
        _ => requires_replace(prior, &state, &registered.resource.replace_on()),
    };
    Ok(Planned {
        state,
        requires_replace,
        diagnostics,
    })
}

/// Brings stored JSON state written at `version` to the current schema.
pub fn upgrade(registered: &Registered, version: i64, json: &[u8]) -> Result<Value, Diagnostics> {
    let current = registered.schema.version;
    if version > current {
        return Err(Diagnostic::error(
            "State written by a newer provider",
            format!(
                "This state has schema version {version}, but this provider only knows \
                 versions up to {current}. Upgrade the provider to read it."
            ),
        )
        .into());
    }
    let json = if version < current {
        upgrade_json(registered, version, json)?
    } else {
        json.to_vec()
    };
    crate::value::json::decode(&json, &registered.ty).map_err(|error| {
        Diagnostic::error("Cannot read the stored state", error.to_string()).into()
    })
}

fn upgrade_json(
    registered: &Registered,
    version: i64,
    json: &[u8],
) -> Result<Vec<u8>, Diagnostics> {
    let old: serde_json::Value = serde_json::from_slice(json).map_err(|error| {
        Diagnostics::from(Diagnostic::error(
            "Cannot read the stored state",
            error.to_string(),
        ))
    })?;
    let upgraded = registered.resource.upgrade_state(version, old)?;
    Ok(upgraded.to_string().into_bytes())
}

/// Terraform 0.11's flatmap state predates this provider.
pub fn flatmap_refused() -> Diagnostics {
    Diagnostic::error(
        "Unsupported state format",
        "This state is in the flatmap form written before Terraform 0.12, which this \
         provider never wrote. Remove the resource from state and import it again.",
    )
    .into()
}

/// States written by the first released version (0.1.0, schema version 0
/// of every resource), taken from an apply of `examples/platform`: each
/// must still be read, unchanged, by this version. A schema change that
/// breaks one needs a state upgrader (`Resource::upgrade_state`) and a
/// bump of the schema version, never a replacement of a cluster.
#[cfg(test)]
mod first_release {
    use super::*;
    use crate::resources;

    const STATES: [(&str, &str); 4] = [
        ("ci_cluster", include_str!("state_v0/cluster.json")),
        ("ci_runner_pool", include_str!("state_v0/runner_pool.json")),
        (
            "ci_account_access",
            include_str!("state_v0/account_access.json"),
        ),
        ("ci_warm_pool", include_str!("state_v0/warm_pool.json")),
    ];

    fn registered(type_name: &str) -> Registered {
        let resource = resources::all()
            .into_iter()
            .find(|r| r.type_name() == type_name)
            .expect("a served resource");
        let schema = resource.schema();
        let ty = schema.block.value_type();
        Registered {
            resource,
            schema,
            ty,
        }
    }

    /// Upgraded, every stored attribute keeps its value; attributes added
    /// since are null (absent from the configuration), so nothing is
    /// replaced and a plan shows no change.
    #[test]
    fn every_resource_reads_the_state_of_the_first_release_unchanged() {
        for (type_name, json) in STATES {
            let registered = registered(type_name);

            let value = upgrade(&registered, 0, json.as_bytes())
                .unwrap_or_else(|d| panic!("{type_name}: {d:?}"));

            let encoded = crate::value::json::encode(&value, &registered.ty).unwrap();
            let again: serde_json::Value = serde_json::from_slice(&encoded).unwrap();
            let stored: serde_json::Value = serde_json::from_str(json).unwrap();
            let mut added = again.as_object().unwrap().clone();
            added.retain(|name, _| stored.get(name).is_none());
            assert!(
                added.values().all(serde_json::Value::is_null),
                "{type_name}: {added:?}"
            );
            for (name, stored_value) in stored.as_object().unwrap() {
                assert_eq!(&again[name], stored_value, "{type_name}.{name}");
            }
        }
    }

    #[test]
    fn warm_pools_of_the_first_release_gain_an_empty_timeouts_block() {
        let registered = registered("ci_warm_pool");
        assert_eq!(registered.schema.version, 1);

        let value = upgrade(&registered, 0, STATES[3].1.as_bytes()).unwrap();

        assert_eq!(value.attr("timeouts"), Some(&Value::Null));
    }

    #[test]
    fn a_state_from_a_newer_provider_is_refused_with_its_version() {
        let registered = registered("ci_cluster");
        let error = upgrade(&registered, 7, STATES[0].1.as_bytes()).unwrap_err();
        assert!(
            format!("{error:?}").contains("schema version 7"),
            "{error:?}"
        );
    }
}
