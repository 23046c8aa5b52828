//! Plan semantics shared by every resource, kept apart from the gRPC
//! adapter.
//!
//! Terraform's `proposed_new_state` is the configuration merged with the
//! prior state's computed values. The provider must mark every computed
//! value that may change as unknown, keep every configured value exactly
//! as configured, and name the paths whose change forces a replacement.

use crate::schema::{Block, Nesting};
use crate::value::Value;
use crate::value::path::Path;

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    Delete,
    /// An update whose planned state equals the prior state.
    NoOp,
}

impl Change {
    /// Classifies a plan from its prior and proposed states.
    pub fn of(prior: &Value, proposed: &Value) -> Change {
        match (prior.is_null(), proposed.is_null()) {
            (_, true) => Change::Delete,
            (true, false) => Change::Create,
            (false, false) if prior == proposed => Change::NoOp,
            (false, false) => Change::Update,
        }
    }
}

/// Marks as unknown every computed attribute left null by the
/// configuration, except those named in `stable` (such as `id`, which never
/// changes after create), which keep their prior value on update.
pub fn mark_computed_unknown(
    block: &Block,
    config: &Value,
    proposed: &Value,
    stable: &[&str],
) -> Value {
    let (Some(config_attrs), Some(proposed_attrs)) = (config.entries(), proposed.entries()) else {
        return proposed.clone();
    };
    let mut planned = proposed_attrs.clone();
    for attribute in &block.attributes {
        let configured = config_attrs
            .get(&attribute.name)
            .is_some_and(|v| !v.is_null());
        let keep = stable.contains(&attribute.name.as_str())
            && planned.get(&attribute.name).is_some_and(|v| !v.is_null());
        if attribute.computed && !configured && !keep {
            planned.insert(attribute.name.clone(), Value::unknown());
        }
    }
    for nested in &block.blocks {
        let (Some(config_value), Some(planned_value)) =
            (config_attrs.get(&nested.name), planned.get(&nested.name))
        else {
            continue;
        };
        let marked = mark_nested(&nested.block, nested.nesting, config_value, planned_value);
        planned.insert(nested.name.clone(), marked);
    }
    Value::Object(planned)
}

/// Lists and single blocks pair configuration and plan element by element;
/// set elements cannot be paired by position and are left to the resource.
fn mark_nested(block: &Block, nesting: Nesting, config: &Value, planned: &Value) -> Value {
    match (nesting, config, planned) {
        (Nesting::Single | Nesting::Group, _, _) => {
            mark_computed_unknown(block, config, planned, &[])
        }
        (Nesting::List, Value::List(configs), Value::List(plans)) => Value::List(
            configs
                .iter()
                .zip(plans)
                .map(|(c, p)| mark_computed_unknown(block, c, p, &[]))
                .collect(),
        ),
        (Nesting::Map, Value::Map(configs), Value::Map(plans)) => Value::Map(
            plans
                .iter()
                .map(|(key, p)| {
                    let c = configs.get(key).unwrap_or(&Value::Null);
                    (key.clone(), mark_computed_unknown(block, c, p, &[]))
                })
                .collect(),
        ),
        _ => planned.clone(),
    }
}

/// The paths among `replace_on` whose planned value differs from the prior
/// one. An unknown planned value counts as a change: it may differ.
pub fn requires_replace(prior: &Value, planned: &Value, replace_on: &[Path]) -> Vec<Path> {
    replace_on
        .iter()
        .filter(|path| {
            let before = lookup(prior, path);
            let after = lookup(planned, path);
            after.is_some_and(Value::is_unknown) || before != after
        })
        .cloned()
        .collect()
}

/// The value at `path`, if every step exists.
pub fn lookup<'v>(value: &'v Value, path: &Path) -> Option<&'v Value> {
    use crate::value::path::Step;

    path.0.iter().try_fold(value, |current, step| match step {
        Step::Attribute(name) => current.attr(name),
        Step::Key(key) => current.entries().and_then(|entries| entries.get(key)),
        Step::Index(index) => {
            let index = usize::try_from(*index).ok()?;
            current.elements().and_then(|elements| elements.get(index))
        }
    })
}
