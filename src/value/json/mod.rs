//! JSON: the form of values in Terraform's state files, and so of the raw
//! state that `UpgradeResourceState` hands a provider. It follows go-cty's
//! `cty/json`:
//!
//! - Null is `null` at any type. There are no unknowns: state is always
//!   wholly known, and encoding an unknown is an error.
//! - Numbers keep every digit: this module scans JSON itself and keeps
//!   each number's raw text rather than going through `f64`.
//! - Objects are JSON objects; an attribute missing from the text is null
//!   (older state may predate it), an attribute the type lacks is an error.
//! - Lists, sets and tuples are arrays; maps are objects.
//! - A value in a `dynamic` position is `{"value": VALUE, "type": TYPE}`.
//! - As in go-cty, state written by older providers is read leniently: a
//!   string may hold a number or a bool (`"1"`, `"true"`), and a number or
//!   bool may stand where a string is expected.

mod decode;
mod encode;
mod syntax;
#[cfg(test)]
mod tests;

use thiserror::Error;

use super::conform::ConformError;
use super::{NumberError, Path, Type, TypeError, Value};

/// Values nested deeper than this are refused rather than recursed into.
pub const MAX_DEPTH: usize = super::msgpack::MAX_DEPTH;

/// Why JSON text is not a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The bytes are not UTF-8 text.
    #[error("the JSON is not valid UTF-8 (at byte {offset})")]
    InvalidUtf8 { offset: usize },
    /// The text is not JSON.
    #[error("{}invalid JSON at byte {offset}: expected {expected}", .path.error_prefix())]
    Syntax {
        path: Path,
        offset: usize,
        expected: &'static str,
    },
    /// A JSON value of another kind than the type needs.
    #[error("{}expected {expected}, got {got}", .path.error_prefix())]
    Mismatch {
        path: Path,
        expected: String,
        got: &'static str,
    },
    /// A number, or a string standing for one, that is not a number.
    #[error("{}{source}", .path.error_prefix())]
    Number { path: Path, source: NumberError },
    /// A string standing for a bool that says neither true nor false.
    #[error("{}expected a bool, got the string \"{text}\"", .path.error_prefix())]
    NotABool { path: Path, text: String },
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
    /// A dynamic value's object has a key other than `value` and `type`.
    #[error(
        "{}unexpected key \"{key}\" in a dynamic value (expected \"value\" and \"type\")",
        .path.error_prefix()
    )]
    DynamicKey { path: Path, key: String },
    /// A dynamic value's object lacks `value` or `type`.
    #[error("{}a dynamic value is missing its \"{key}\"", .path.error_prefix())]
    DynamicMissing { path: Path, key: &'static str },
    /// The type written beside a dynamic value is not a type.
    #[error("{}the type of a dynamic value is unreadable: {source}", .path.error_prefix())]
    DynamicType { path: Path, source: TypeError },
    /// Nesting beyond [`MAX_DEPTH`].
    #[error("{}values are nested more than {MAX_DEPTH} levels deep", .path.error_prefix())]
    TooDeep { path: Path },
    /// Text left over after the whole value was read.
    #[error("unexpected text after the value at byte {offset}")]
    TrailingText { offset: usize },
}

impl DecodeError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &Path {
        static ROOT: Path = Path(Vec::new());
        match self {
            DecodeError::Syntax { path, .. }
            | DecodeError::Mismatch { path, .. }
            | DecodeError::Number { path, .. }
            | DecodeError::NotABool { path, .. }
            | DecodeError::UnexpectedAttribute { path, .. }
            | DecodeError::TupleLength { path, .. }
            | DecodeError::DynamicKey { path, .. }
            | DecodeError::DynamicMissing { path, .. }
            | DecodeError::DynamicType { path, .. }
            | DecodeError::TooDeep { path } => path,
            DecodeError::InvalidUtf8 { .. } | DecodeError::TrailingText { .. } => &ROOT,
        }
    }
}

/// Why a value cannot be written as JSON of a type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The value does not fit the type.
    #[error(transparent)]
    Shape(#[from] ConformError),
    /// JSON has no way to write an unknown value.
    #[error("{}the value is unknown, and JSON can only hold known values", .path.error_prefix())]
    Unknown { path: Path },
}

impl EncodeError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &Path {
        match self {
            EncodeError::Shape(error) => error.path(),
            EncodeError::Unknown { path } => path,
        }
    }
}

/// Reads JSON `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode::decode(bytes, ty)
}

/// Writes `value`, which must conform to `ty` and be wholly known, as
/// JSON.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    encode::encode(value, ty)
}
