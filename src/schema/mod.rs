//! Schemas: what a provider, resource or data source accepts and stores.
//!
//! A schema is a *block* of attributes and nested blocks plus a version
//! number for state upgrades. The words follow Terraform's: an attribute is
//! *required*, *optional* and/or *computed*; a nested block has a *nesting
//! mode* saying how many instances it may have and how they are keyed.

mod build;
mod check;
mod value_type;

pub use build::{list_of, map_of, set_of};

use crate::value::Type;

/// A versioned block: the schema of a provider, resource or data source.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Bumped whenever stored state needs upgrading.
    pub version: i64,
    pub block: Block,
}

/// Attributes and nested blocks at one level of a configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    /// Markdown; docs are generated from it.
    pub description: String,
    pub deprecated: bool,
}

/// One attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeKind,
    /// Markdown; docs are generated from it.
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Never stored in state or plan (Terraform 1.11+).
    pub write_only: bool,
    pub deprecated: bool,
}

/// The value an attribute holds: a plain type or nested attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeKind {
    Type(Type),
    Nested(NestedAttributes),
}

/// Attributes nested inside an attribute (protocol 6 `nested_type`).
#[derive(Debug, Clone, PartialEq)]
pub struct NestedAttributes {
    pub attributes: Vec<Attribute>,
    pub nesting: Nesting,
}

/// A nested block.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedBlock {
    pub name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

/// How many instances of a nested block or attribute set there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one, an object or null.
    Single,
    /// Exactly one object, never null (blocks only).
    Group,
    List,
    Set,
    /// Keyed by label.
    Map,
}
