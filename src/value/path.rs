//! Attribute paths: where in a value something is.
//!
//! A *path* is a list of *steps* from the root of a configuration, state or
//! plan down to one value inside it. It is shown the way the person who wrote
//! the configuration would write it: `provider.endpoints.iam`,
//! `group[1].instance_types`, `tags["team"]`. The root itself is the empty
//! path and shows as nothing at all.

use std::fmt;

/// One step into a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// An attribute of an object or block.
    Attribute(String),
    /// An element of a map.
    Key(String),
    /// An element of a list or tuple.
    Index(i64),
}

/// A path from the root of a configuration to one value inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The path of the whole value.
    pub fn root() -> Path {
        Path::default()
    }

    /// This path extended by an attribute step.
    pub fn attribute(&self, name: impl Into<String>) -> Path {
        self.with(Step::Attribute(name.into()))
    }

    /// This path extended by a map key step.
    pub fn key(&self, key: impl Into<String>) -> Path {
        self.with(Step::Key(key.into()))
    }

    /// This path extended by a list or tuple index step.
    pub fn index(&self, index: usize) -> Path {
        self.with(Step::Index(index_step(index)))
    }

    /// This path extended by `step`.
    pub fn with(&self, step: Step) -> Path {
        let mut path = self.clone();
        path.push(step);
        path
    }

    /// Adds a step in place; decoders walking a value use this with
    /// [`Path::pop`] so that they copy the path only when something fails.
    pub fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    /// Removes the last step in place.
    pub fn pop(&mut self) -> Option<Step> {
        self.0.pop()
    }

    /// Whether this is the path of the whole value.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps from the root.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// `"at PATH: "` for use in front of an error message, or nothing for
    /// the root, where "at" would name no place.
    pub fn error_prefix(&self) -> String {
        if self.is_root() {
            String::new()
        } else {
            format!("at {self}: ")
        }
    }
}

/// Converts a Rust index to the protocol's signed index; no real list has
/// more than `i64::MAX` elements.
pub(crate) fn index_step(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.0.iter().enumerate() {
            match step {
                Step::Attribute(name) if position == 0 => f.write_str(name)?,
                Step::Attribute(name) => write!(f, ".{name}")?,
                Step::Key(key) => write!(f, "[{}]", Quoted(key))?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A map key written as a quoted string literal, escaped as in HCL.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_as_the_user_writes_them() {
        let cases = [
            (Path::root(), ""),
            (
                Path::root()
                    .attribute("provider")
                    .attribute("endpoints")
                    .attribute("iam"),
                "provider.endpoints.iam",
            ),
            (
                Path::root()
                    .attribute("group")
                    .index(1)
                    .attribute("instance_types"),
                "group[1].instance_types",
            ),
            (
                Path::root().attribute("tags").key("team"),
                r#"tags["team"]"#,
            ),
            (Path::root().key("a\"b\\c\nd"), r#"["a\"b\\c\nd"]"#),
            (Path::root().index(0).index(2), "[0][2]"),
        ];
        for (path, shown) in cases {
            assert_eq!(path.to_string(), shown);
        }
    }

    #[test]
    fn extending_a_path_leaves_the_original_alone() {
        let base = Path::root().attribute("tags");
        let longer = base.key("team");
        assert_eq!(base.steps().len(), 1);
        assert_eq!(longer.steps().len(), 2);
    }

    #[test]
    fn the_root_has_no_error_prefix() {
        assert_eq!(Path::root().error_prefix(), "");
        assert_eq!(Path::root().attribute("name").error_prefix(), "at name: ");
    }

    #[test]
    fn push_and_pop_walk_in_place() {
        let mut path = Path::root();
        path.push(Step::Attribute("a".into()));
        path.push(Step::Index(3));
        assert_eq!(path.to_string(), "a[3]");
        assert_eq!(path.pop(), Some(Step::Index(3)));
        assert_eq!(path.to_string(), "a");
    }
}
