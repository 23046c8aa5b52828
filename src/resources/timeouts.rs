//! The `timeouts` block: how long create, update and delete may wait.
//!
//! Terraform has no schema defaults, so the block's attributes are
//! optional and the defaults live here, written into each description and
//! applied by [`Timeouts::from_config`].

use super::field::Field;
use super::validate::{go_duration, parse_go_duration};
use crate::diagnostics::Diagnostics;
use crate::schema::{Attribute, Block, NestedBlock};
use crate::value::{Type, Value};
use std::time::Duration;

const OPERATIONS: [&str; 3] = ["create", "update", "delete"];

/// How long each operation may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Timeouts {
    /// Timeouts from the defaults, as duration strings (`["30m", "60m", "15m"]`).
    pub fn defaults(defaults: [&str; 3]) -> Self {
        let parse = |text| parse_go_duration(text).unwrap_or(Duration::ZERO);
        Timeouts {
            create: parse(defaults[0]),
            update: parse(defaults[1]),
            delete: parse(defaults[2]),
        }
    }

    /// The `timeouts` attribute of a resource configuration, defaults filling
    /// what is null, unknown or invalid (validation reports the latter).
    pub fn from_config(config: &Value, defaults: [&str; 3]) -> Self {
        let block = Field::root(config).attr("timeouts");
        let read = |name, default| {
            block
                .attr(name)
                .str()
                .and_then(parse_go_duration)
                .unwrap_or(default)
        };
        let fallback = Timeouts::defaults(defaults);
        Timeouts {
            create: read("create", fallback.create),
            update: read("update", fallback.update),
            delete: read("delete", fallback.delete),
        }
    }
}

/// A `timeouts` block whose descriptions name the defaults.
pub fn block(defaults: [&str; 3]) -> NestedBlock {
    let operation =
        |(name, default): (&str, &str)| {
            Attribute::new(name, Type::String).optional().description(format!(
            "How long `{name}` may wait before it fails, as a duration such as `\"30m\"` or \
             `\"1h30m\"`. Default `\"{default}\"`."
        ))
        };
    let block = Block::new("How long each operation may wait for AWS before it fails.")
        .attributes(OPERATIONS.into_iter().zip(defaults).map(operation));
    NestedBlock::single("timeouts", block)
}

/// Checks the durations in a `timeouts` block.
pub fn validate(block: &Field, diags: &mut Diagnostics) {
    for operation in OPERATIONS {
        block.attr(operation).check(diags, go_duration);
    }
}
