//! Consistency checks on a schema, run by tests before Terraform sees it.
//!
//! Terraform rejects a schema whose attributes are neither required,
//! optional nor computed, whose names clash, or whose write-only
//! attributes are computed; docs are generated from descriptions, so an
//! empty one is a problem too.

use super::{Attribute, AttributeKind, Block, NestedBlock, Nesting};
use std::collections::BTreeSet;

/// Names Terraform reserves in every resource block.
const RESERVED: &[&str] = &[
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "provider",
    "provisioner",
    "connection",
];

impl Block {
    /// What is wrong with this block and everything in it, one line each,
    /// prefixed with the dotted location.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.collect_problems("", &mut problems);
        for name in self.names() {
            if RESERVED.contains(&name) {
                problems.push(format!("{name}: reserved by Terraform"));
            }
        }
        problems
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        let attributes = self.attributes.iter().map(|a| a.name.as_str());
        attributes.chain(self.blocks.iter().map(|b| b.name.as_str()))
    }

    fn collect_problems(&self, at: &str, problems: &mut Vec<String>) {
        if self.description.trim().is_empty() {
            problems.push(format!("{at}: block has no description"));
        }
        let mut seen = BTreeSet::new();
        for name in self.names() {
            if !seen.insert(name) {
                problems.push(format!("{at}{name}: declared twice"));
            }
        }
        for attribute in &self.attributes {
            attribute.collect_problems(at, problems);
        }
        for block in &self.blocks {
            block.collect_problems(at, problems);
        }
    }
}

impl Attribute {
    fn collect_problems(&self, at: &str, problems: &mut Vec<String>) {
        let here = format!("{at}{}", self.name);
        let mut problem = |text: &str| problems.push(format!("{here}: {text}"));
        if !is_identifier(&self.name) {
            problem("name must be lowercase letters, digits and underscores");
        }
        if self.description.trim().is_empty() {
            problem("attribute has no description");
        }
        if self.required == (self.optional || self.computed) {
            problem("must be either required, or optional and/or computed");
        }
        if self.write_only && self.computed {
            problem("a write-only attribute cannot be computed");
        }
        if let AttributeKind::Nested(nested) = &self.kind {
            if nested.nesting == Nesting::Group {
                problem("nested attributes cannot use group nesting");
            }
            for inner in &nested.attributes {
                inner.collect_problems(&format!("{here}."), problems);
            }
        }
    }
}

impl NestedBlock {
    fn collect_problems(&self, at: &str, problems: &mut Vec<String>) {
        let here = format!("{at}{}", self.name);
        if !is_identifier(&self.name) {
            problems.push(format!(
                "{here}: name must be lowercase letters, digits and underscores"
            ));
        }
        let counted = matches!(self.nesting, Nesting::List | Nesting::Set);
        if !counted && (self.min_items != 0 || self.max_items != 0) {
            problems.push(format!(
                "{here}: min/max items apply to list and set blocks only"
            ));
        }
        if self.max_items != 0 && self.min_items > self.max_items {
            problems.push(format!("{here}: min_items is above max_items"));
        }
        self.block.collect_problems(&format!("{here}."), problems);
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::schema::{Attribute, Block, NestedBlock};
    use crate::value::Type;

    #[test]
    fn builders_set_the_flags_they_name() {
        let attribute = Attribute::new("token", Type::String)
            .optional()
            .sensitive()
            .write_only();
        assert!(attribute.optional && attribute.sensitive && attribute.write_only);
        assert!(!attribute.required && !attribute.computed);
        let both = Attribute::new("name", Type::String).optional().computed();
        assert!(both.optional && both.computed);
        let list = NestedBlock::list("group", Block::new("G."))
            .min_items(1)
            .max_items(3);
        assert_eq!((list.min_items, list.max_items), (1, 3));
    }

    #[test]
    fn inconsistent_schemas_are_reported() {
        let block = Block::new("")
            .attribute(Attribute::new("neither", Type::String).description("No flags."))
            .attribute(Attribute::required("Bad", Type::String).description("Upper case."))
            .attribute(
                Attribute::new("wo", Type::String)
                    .optional()
                    .computed()
                    .write_only()
                    .description("W."),
            )
            .attribute(Attribute::required("dup", Type::String))
            .attribute(Attribute::required("count", Type::Number).description("Reserved."))
            .block(NestedBlock::single("dup", Block::new("D.")).min_items(1));
        let problems = block.problems();
        let expected = [
            ": block has no description",
            "dup: declared twice",
            "neither: must be either required",
            "Bad: name must be lowercase",
            "wo: a write-only attribute cannot be computed",
            "dup: attribute has no description",
            "dup: min/max items apply to list and set blocks only",
            "count: reserved by Terraform",
        ];
        for text in expected {
            assert!(
                problems.iter().any(|p| p.starts_with(text)),
                "missing {text:?} in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    }
}
