//! The cty type of the value a schema describes.
//!
//! Terraform decodes a configuration, plan or state against the *implied
//! type* of a block: an object with one attribute per attribute and per
//! nested block. A nested block's type follows its nesting mode: single
//! and group blocks are objects, list and set blocks are lists and sets of
//! objects, map blocks maps of objects. Nested attributes work the same way.

use super::{Attribute, AttributeKind, Block, NestedAttributes, NestedBlock, Nesting, Schema};
use crate::value::Type;
use std::collections::BTreeMap;

impl Schema {
    /// The object type of the schema's block.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

impl Block {
    /// The object type of this block: its attributes and nested blocks.
    pub fn value_type(&self) -> Type {
        let attributes = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()));
        let blocks = self.blocks.iter().map(|b| (b.name.clone(), b.value_type()));
        Type::Object(attributes.chain(blocks).collect())
    }
}

impl Attribute {
    /// The type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Type(ty) => ty.clone(),
            AttributeKind::Nested(nested) => nested.value_type(),
        }
    }
}

impl NestedAttributes {
    /// The object type of one element, wrapped as the nesting mode says.
    pub fn value_type(&self) -> Type {
        let object: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        nest(self.nesting, Type::Object(object))
    }
}

impl NestedBlock {
    /// The block's object type, wrapped as the nesting mode says.
    pub fn value_type(&self) -> Type {
        nest(self.nesting, self.block.value_type())
    }
}

fn nest(nesting: Nesting, object: Type) -> Type {
    match nesting {
        Nesting::Single | Nesting::Group => object,
        Nesting::List => Type::List(Box::new(object)),
        Nesting::Set => Type::Set(Box::new(object)),
        Nesting::Map => Type::Map(Box::new(object)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{list_of, map_of, set_of};

    fn inner() -> Block {
        Block::new("An instance.")
            .attribute(Attribute::required("name", Type::String).description("Name."))
            .attribute(
                Attribute::new("size", Type::Number)
                    .optional()
                    .description("Size."),
            )
    }

    fn inner_type() -> Type {
        Type::Object([("name".into(), Type::String), ("size".into(), Type::Number)].into())
    }

    #[test]
    fn nested_blocks_follow_their_nesting_mode() {
        let cases = [
            (NestedBlock::single("b", inner()), inner_type()),
            (NestedBlock::group("b", inner()), inner_type()),
            (NestedBlock::list("b", inner()), list_of(inner_type())),
            (NestedBlock::set("b", inner()), set_of(inner_type())),
            (NestedBlock::map("b", inner()), map_of(inner_type())),
        ];
        for (block, expected) in cases {
            let outer = Block::new("Outer.").block(block.clone());
            let expected = Type::Object([("b".to_string(), expected)].into());
            assert_eq!(outer.value_type(), expected, "{:?}", block.nesting);
        }
    }

    #[test]
    fn nested_attributes_follow_their_nesting_mode() {
        let attributes = inner().attributes;
        let nested =
            |nesting| Attribute::nested("n", NestedAttributes::new(nesting, attributes.clone()));
        assert_eq!(nested(Nesting::Single).value_type(), inner_type());
        assert_eq!(nested(Nesting::List).value_type(), list_of(inner_type()));
        assert_eq!(nested(Nesting::Set).value_type(), set_of(inner_type()));
        assert_eq!(nested(Nesting::Map).value_type(), map_of(inner_type()));
    }

    #[test]
    fn a_schema_is_the_object_of_its_attributes_and_blocks() {
        let schema = Schema::new(
            Block::new("Top.")
                .attribute(
                    Attribute::new("tags", map_of(Type::String))
                        .optional()
                        .description("Tags."),
                )
                .block(NestedBlock::list("group", inner()).min_items(1)),
        );
        let expected = Type::Object(
            [
                ("tags".to_string(), map_of(Type::String)),
                ("group".to_string(), list_of(inner_type())),
            ]
            .into(),
        );
        assert_eq!(schema.value_type(), expected);
        assert_eq!(schema.version(3).version, 3);
    }
}
