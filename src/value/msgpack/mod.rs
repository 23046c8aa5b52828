//! MessagePack: the form in which Terraform sends and expects values
//! (`DynamicValue.msgpack`), following go-cty's `cty/msgpack` exactly.
//!
//! - Null is nil (`c0`); so is an empty input, which is how an absent
//!   value arrives.
//! - *Unknown* is any msgpack extension. A *refined unknown* (Terraform
//!   1.6+) is extension 12 whose payload is a map of what is known about
//!   it, read and written by the `unknown` module. A plain unknown is
//!   written `d4 00 00`.
//! - Numbers are integers when they fit `i64`, float64 when a float is
//!   exactly the number and the number is not whole, else decimal text.
//! - Lists, sets and tuples are arrays; maps and objects are maps, an
//!   object's holding every attribute of its type and no other.
//! - A value in a `dynamic` position is `[TYPE JSON, VALUE]`, except that a
//!   null or unknown with no concrete type is plain nil or unknown.
//!
//! Decoding never trusts the input: lengths are checked against the bytes
//! left before anything is allocated, nesting stops at [`MAX_DEPTH`], and
//! every error names the attribute path where it happened.

mod decode;
mod encode;
#[cfg(test)]
mod tests;
mod unknown;
mod wire;

use thiserror::Error;

use super::conform::ConformError;
use super::{NumberError, Path, Type, TypeError, Value};

/// Values nested deeper than this are refused rather than recursed into.
///
/// The codecs recurse once per level. Measured in a debug build, the
/// deepest paths (JSON objects) use about 3.8 KiB of stack per level, so
/// 512 levels came within a few percent of the 2 MiB a Tokio worker or
/// test thread has; 256 keeps half that stack free. No real configuration
/// nests anywhere near this deep.
pub const MAX_DEPTH: usize = 256;

/// Why msgpack bytes are not a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The bytes end in the middle of a value.
    #[error("{}the data ends in the middle of a value", .path.error_prefix())]
    Truncated { path: Path },
    /// An item of another kind than the type needs.
    #[error("{}expected {expected}, got {got}", .path.error_prefix())]
    Mismatch {
        path: Path,
        expected: String,
        got: &'static str,
    },
    /// A number written as text that is not a number.
    #[error("{}{source}", .path.error_prefix())]
    Number { path: Path, source: NumberError },
    /// A float that is infinite or not a number, which cannot be kept.
    #[error("{}infinite and NaN numbers are not supported", .path.error_prefix())]
    NonFiniteNumber { path: Path },
    /// A string or key whose bytes are not UTF-8.
    #[error("{}a string is not valid UTF-8", .path.error_prefix())]
    InvalidUtf8 { path: Path },
    /// A map key that is not a string.
    #[error("{}expected string keys, got {got}", .path.error_prefix())]
    NonStringKey { path: Path, got: &'static str },
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
    /// A dynamic value that is not a `[type, value]` pair.
    #[error(
        "{}expected a dynamic value as a [type, value] array, got {got} elements",
        .path.error_prefix()
    )]
    DynamicShape { path: Path, got: usize },
    /// The type written beside a dynamic value is not a type.
    #[error("{}the type of a dynamic value is unreadable: {source}", .path.error_prefix())]
    DynamicType { path: Path, source: TypeError },
    /// Nesting beyond [`MAX_DEPTH`].
    #[error("{}values are nested more than {MAX_DEPTH} levels deep", .path.error_prefix())]
    TooDeep { path: Path },
    /// Bytes left over after the whole value was read.
    #[error("{count} unexpected bytes follow the value")]
    TrailingBytes { count: usize },
}

impl DecodeError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &Path {
        static ROOT: Path = Path(Vec::new());
        match self {
            DecodeError::Truncated { path }
            | DecodeError::Mismatch { path, .. }
            | DecodeError::Number { path, .. }
            | DecodeError::NonFiniteNumber { path }
            | DecodeError::InvalidUtf8 { path }
            | DecodeError::NonStringKey { path, .. }
            | DecodeError::MissingAttribute { path, .. }
            | DecodeError::UnexpectedAttribute { path, .. }
            | DecodeError::TupleLength { path, .. }
            | DecodeError::DynamicShape { path, .. }
            | DecodeError::DynamicType { path, .. }
            | DecodeError::TooDeep { path } => path,
            DecodeError::TrailingBytes { .. } => &ROOT,
        }
    }
}

/// Why a value cannot be written as msgpack of a type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The value does not fit the type.
    #[error(transparent)]
    Shape(#[from] ConformError),
    /// A string or collection longer than msgpack can count (4 GiB).
    #[error("{}{len} bytes or elements are more than msgpack can hold", .path.error_prefix())]
    TooLarge { path: Path, len: usize },
}

impl EncodeError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &Path {
        match self {
            EncodeError::Shape(error) => error.path(),
            EncodeError::TooLarge { path, .. } => path,
        }
    }
}

/// Reads msgpack `bytes` as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode::decode(bytes, ty)
}

/// Writes `value`, which must conform to `ty`, as msgpack.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    encode::encode(value, ty)
}
