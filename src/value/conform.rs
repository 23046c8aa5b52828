//! Checking that a value *conforms* to a type: that it has the shape the
//! type describes, all the way down.
//!
//! Null and unknown conform to every type. A `dynamic` position needs a
//! [`Value::Dynamic`] (or null, or unknown), because the wire forms write
//! the concrete type beside the value. A [`Value::Dynamic`] in a position of
//! a concrete type conforms when it carries that same type. Objects must
//! have exactly their type's attributes; tuples exactly its element count.
//!
//! The encoders share [`check_shape`], so that what `conform` accepts is
//! exactly what they can write.

use thiserror::Error;

use super::path::index_step;
use super::{Path, Step, Type, Value};

/// Why a value does not fit a type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConformError {
    /// The value is of another kind than the type.
    #[error("{}expected {expected}, got {got}", .path.error_prefix())]
    Mismatch {
        path: Path,
        expected: String,
        got: String,
    },
    /// An object lacks one of its type's attributes.
    #[error("{}missing attribute \"{name}\"", .path.error_prefix())]
    MissingAttribute { path: Path, name: String },
    /// An object has an attribute its type does not.
    #[error(
        "{}unexpected attribute \"{name}\": the type has no such attribute",
        .path.error_prefix()
    )]
    UnexpectedAttribute { path: Path, name: String },
    /// A tuple with the wrong number of elements.
    #[error("{}expected a tuple of {expected} elements, got {got}", .path.error_prefix())]
    TupleLength {
        path: Path,
        expected: usize,
        got: usize,
    },
    /// A plain value where `dynamic` needs one that carries its type.
    #[error(
        "{}expected a value with its type (Value::Dynamic) in a dynamic position, got {got}",
        .path.error_prefix()
    )]
    UntypedDynamic { path: Path, got: String },
}

impl ConformError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &Path {
        match self {
            ConformError::Mismatch { path, .. }
            | ConformError::MissingAttribute { path, .. }
            | ConformError::UnexpectedAttribute { path, .. }
            | ConformError::TupleLength { path, .. }
            | ConformError::UntypedDynamic { path, .. } => path,
        }
    }
}

/// Checks that `value` fits `ty`.
pub fn conform(value: &Value, ty: &Type) -> Result<(), ConformError> {
    check(value, ty, &mut Path::root())
}

fn check(value: &Value, ty: &Type, path: &mut Path) -> Result<(), ConformError> {
    match check_shape(value, ty, path)? {
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            for (index, item) in items.iter().enumerate() {
                let item_type = ty.element_type(index).ok_or_else(|| misfit(ty, path))?;
                check_step(item, item_type, Step::Index(index_step(index)), path)?;
            }
            Ok(())
        }
        Value::Map(entries) | Value::Object(entries) => {
            for (key, item) in entries {
                let item_type = ty.member_type(key).ok_or_else(|| misfit(ty, path))?;
                check_step(item, item_type, member_step(ty, key), path)?;
            }
            Ok(())
        }
        Value::Dynamic(concrete, inner) => check(inner, concrete, path),
        _ => Ok(()),
    }
}

fn check_step(value: &Value, ty: &Type, step: Step, path: &mut Path) -> Result<(), ConformError> {
    path.push(step);
    let result = check(value, ty, path);
    path.pop();
    result
}

/// The path step to a member of a map or object.
pub(crate) fn member_step(ty: &Type, key: &str) -> Step {
    match ty {
        Type::Object(_) => Step::Attribute(key.to_string()),
        _ => Step::Key(key.to_string()),
    }
}

/// For a collection [`check_shape`] has passed, which cannot happen.
pub(crate) fn misfit(ty: &Type, path: &Path) -> ConformError {
    mismatch(ty, "a value of another shape", path)
}

/// Checks the outermost layer of `value` against `ty` (kind, object
/// attributes, tuple length) without looking inside, and returns the value
/// to look inside: a [`Value::Dynamic`] in a concrete position is unwrapped.
pub(crate) fn check_shape<'v>(
    value: &'v Value,
    ty: &Type,
    path: &Path,
) -> Result<&'v Value, ConformError> {
    if *ty == Type::Dynamic {
        return match value {
            Value::Null | Value::Unknown(_) | Value::Dynamic(..) => Ok(value),
            other => Err(ConformError::UntypedDynamic {
                path: path.clone(),
                got: other.describe().to_string(),
            }),
        };
    }
    let value = unwrap_dynamic(value, ty, path)?;
    match (ty, value) {
        (_, Value::Null | Value::Unknown(_))
        | (Type::String, Value::String(_))
        | (Type::Number, Value::Number(_))
        | (Type::Bool, Value::Bool(_))
        | (Type::List(_), Value::List(_))
        | (Type::Set(_), Value::Set(_))
        | (Type::Map(_), Value::Map(_)) => Ok(value),
        (Type::Object(types), Value::Object(attributes)) => {
            check_attribute_names(types.keys(), attributes.keys(), path)?;
            Ok(value)
        }
        (Type::Tuple(types), Value::Tuple(items)) if types.len() != items.len() => {
            Err(ConformError::TupleLength {
                path: path.clone(),
                expected: types.len(),
                got: items.len(),
            })
        }
        (Type::Tuple(_), Value::Tuple(_)) => Ok(value),
        (_, other) => Err(mismatch(ty, other.describe(), path)),
    }
}

fn unwrap_dynamic<'v>(value: &'v Value, ty: &Type, path: &Path) -> Result<&'v Value, ConformError> {
    match value {
        Value::Dynamic(concrete, inner) if **concrete == *ty => unwrap_dynamic(inner, ty, path),
        Value::Dynamic(concrete, _) => Err(mismatch(ty, &format!("a {concrete} value"), path)),
        other => Ok(other),
    }
}

/// Both name lists are sorted (they come from `BTreeMap`s), so one merge
/// finds the first name that only one side has.
fn check_attribute_names<'a>(
    wanted: impl Iterator<Item = &'a String>,
    present: impl Iterator<Item = &'a String>,
    path: &Path,
) -> Result<(), ConformError> {
    let mut wanted = wanted.peekable();
    let mut present = present.peekable();
    loop {
        let (name, missing) = match (wanted.peek(), present.peek()) {
            (None, None) => return Ok(()),
            (Some(w), Some(p)) if w == p => {
                wanted.next();
                present.next();
                continue;
            }
            (Some(w), Some(p)) if w < p => (w.to_string(), true),
            (Some(w), None) => (w.to_string(), true),
            (_, Some(p)) => (p.to_string(), false),
        };
        let path = path.clone();
        return Err(if missing {
            ConformError::MissingAttribute { path, name }
        } else {
            ConformError::UnexpectedAttribute { path, name }
        });
    }
}

pub(crate) fn mismatch(ty: &Type, got: &str, path: &Path) -> ConformError {
    ConformError::Mismatch {
        path: path.clone(),
        expected: ty.describe(),
        got: got.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_pool_type() -> Type {
        Type::object([
            ("name", Type::String),
            ("tags", Type::map(Type::String)),
            (
                "groups",
                Type::list(Type::object([("instance_types", Type::set(Type::String))])),
            ),
            ("pair", Type::Tuple(vec![Type::Number, Type::Bool])),
            ("extra", Type::Dynamic),
        ])
    }

    fn node_pool() -> Value {
        Value::object([
            ("name", Value::string("ci")),
            ("tags", Value::map([("team", Value::string("build"))])),
            (
                "groups",
                Value::list([Value::object([(
                    "instance_types",
                    Value::set([Value::string("m5.large")]),
                )])]),
            ),
            ("pair", Value::Tuple(vec![Value::from(1), Value::unknown()])),
            (
                "extra",
                Value::dynamic(Type::list(Type::Number), Value::list([Value::from(2)])),
            ),
        ])
    }

    #[test]
    fn values_of_the_right_shape_conform() {
        assert_eq!(conform(&node_pool(), &node_pool_type()), Ok(()));
        assert_eq!(conform(&Value::Null, &node_pool_type()), Ok(()));
        assert_eq!(conform(&Value::unknown(), &Type::Dynamic), Ok(()));
        assert_eq!(
            conform(
                &Value::dynamic(Type::String, Value::string("x")),
                &Type::String
            ),
            Ok(())
        );
    }

    fn with(attribute: &str, value: Value) -> Value {
        let mut pool = node_pool();
        if let Value::Object(attributes) = &mut pool {
            attributes.insert(attribute.to_string(), value);
        }
        pool
    }

    #[test]
    fn misfits_are_reported_at_their_path() {
        let group = |types: Value| Value::list([Value::object([("instance_types", types)])]);
        let cases = [
            (
                with("name", Value::from(1)),
                "at name: expected a string, got a number",
            ),
            (
                with("tags", Value::map([("team", Value::Bool(true))])),
                r#"at tags["team"]: expected a string, got a bool"#,
            ),
            (
                with("groups", group(Value::list([Value::string("x")]))),
                "at groups[0].instance_types: expected a set of string, got a list",
            ),
            (
                with("groups", group(Value::set([Value::from(4)]))),
                "at groups[0].instance_types[0]: expected a string, got a number",
            ),
            (
                with("pair", Value::Tuple(vec![Value::from(1)])),
                "at pair: expected a tuple of 2 elements, got 1",
            ),
            (
                with("extra", Value::string("x")),
                "at extra: expected a value with its type (Value::Dynamic) in a dynamic \
                 position, got a string",
            ),
            (
                with("extra", Value::dynamic(Type::Number, Value::string("x"))),
                "at extra: expected a number, got a string",
            ),
            (
                with("name", Value::dynamic(Type::Number, Value::from(1))),
                "at name: expected a string, got a number value",
            ),
            (
                with("zzz", Value::Null),
                "unexpected attribute \"zzz\": the type has no such attribute",
            ),
        ];
        for (value, message) in cases {
            let error = conform(&value, &node_pool_type()).expect_err(message);
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn missing_attributes_are_named() {
        let Value::Object(mut attributes) = node_pool() else {
            unreachable!()
        };
        attributes.remove("name");
        let error = conform(&Value::Object(attributes), &node_pool_type()).unwrap_err();
        assert_eq!(error.to_string(), "missing attribute \"name\"");
        assert!(error.path().is_root());
    }
}
