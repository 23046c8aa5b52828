//! Builders that keep schema declarations short.
//!
//! ```ignore
//! Block::new("A CI cluster.")
//!     .attribute(Attribute::required("name", Type::String).description("Cluster name."))
//!     .attribute(Attribute::new("tags", map_of(Type::String)).optional())
//!     .block(NestedBlock::list("group", group_block).min_items(1))
//! ```
//!
//! An attribute starts with no flags ([`Attribute::new`]) or as required
//! ([`Attribute::required`]); the chained flags then say how it is set.

use super::{Attribute, AttributeKind, Block, NestedAttributes, NestedBlock, Nesting, Schema};
use crate::value::Type;

/// `list(element)`.
pub fn list_of(element: Type) -> Type {
    Type::List(Box::new(element))
}

/// `set(element)`.
pub fn set_of(element: Type) -> Type {
    Type::Set(Box::new(element))
}

/// `map(element)`.
pub fn map_of(element: Type) -> Type {
    Type::Map(Box::new(element))
}

impl Schema {
    /// A schema at version 0.
    pub fn new(block: Block) -> Self {
        Schema { version: 0, block }
    }

    /// The same schema at another state version.
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}

impl Block {
    /// An empty block with a markdown description.
    pub fn new(description: impl Into<String>) -> Self {
        Block {
            description: description.into(),
            ..Block::default()
        }
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds several attributes, in order.
    pub fn attributes(mut self, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    /// Adds a nested block.
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Marks the block deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The attribute called `name`, if any.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested block called `name`, if any.
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

impl Attribute {
    /// An attribute with no flags set: follow with `.optional()` and/or
    /// `.computed()`.
    pub fn new(name: impl Into<String>, ty: Type) -> Self {
        Attribute::with_kind(name, AttributeKind::Type(ty))
    }

    /// A required attribute.
    pub fn required(name: impl Into<String>, ty: Type) -> Self {
        Attribute {
            required: true,
            ..Attribute::new(name, ty)
        }
    }

    /// An attribute holding nested attributes; flags as for [`Attribute::new`].
    pub fn nested(name: impl Into<String>, nested: NestedAttributes) -> Self {
        Attribute::with_kind(name, AttributeKind::Nested(nested))
    }

    fn with_kind(name: impl Into<String>, kind: AttributeKind) -> Self {
        Attribute {
            name: name.into(),
            kind,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
        }
    }

    /// May be set in configuration (and is no longer required).
    pub fn optional(mut self) -> Self {
        self.required = false;
        self.optional = true;
        self
    }

    /// Set by the provider; with `.optional()`, only when the
    /// configuration leaves it null.
    pub fn computed(mut self) -> Self {
        self.required = false;
        self.computed = true;
        self
    }

    /// Hidden in plan output and logs.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Never stored in plan or state (Terraform 1.11+; older versions store it).
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Marks the attribute deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Sets the markdown description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
}

impl NestedAttributes {
    /// Nested attributes with a nesting mode (`Group` is not valid here).
    pub fn new(nesting: Nesting, attributes: impl IntoIterator<Item = Attribute>) -> Self {
        NestedAttributes {
            attributes: attributes.into_iter().collect(),
            nesting,
        }
    }
}

impl NestedBlock {
    fn with_nesting(name: impl Into<String>, block: Block, nesting: Nesting) -> Self {
        NestedBlock {
            name: name.into(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    /// At most one instance; null when absent.
    pub fn single(name: impl Into<String>, block: Block) -> Self {
        NestedBlock::with_nesting(name, block, Nesting::Single)
    }

    /// Exactly one instance, never null; absent means all attributes null.
    pub fn group(name: impl Into<String>, block: Block) -> Self {
        NestedBlock::with_nesting(name, block, Nesting::Group)
    }

    /// Repeated instances in order.
    pub fn list(name: impl Into<String>, block: Block) -> Self {
        NestedBlock::with_nesting(name, block, Nesting::List)
    }

    /// Repeated instances without order; elements cannot be addressed by path.
    pub fn set(name: impl Into<String>, block: Block) -> Self {
        NestedBlock::with_nesting(name, block, Nesting::Set)
    }

    /// Instances keyed by their label.
    pub fn map(name: impl Into<String>, block: Block) -> Self {
        NestedBlock::with_nesting(name, block, Nesting::Map)
    }

    /// The fewest instances allowed (list and set only).
    pub fn min_items(mut self, min: i64) -> Self {
        self.min_items = min;
        self
    }

    /// The most instances allowed, 0 for no limit (list and set only).
    pub fn max_items(mut self, max: i64) -> Self {
        self.max_items = max;
        self
    }
}
