//! Reading msgpack into a [`Value`], guided by the expected [`Type`] as
//! go-cty's `Unmarshal` is.

use std::collections::BTreeMap;

use super::unknown::decode_unknown;
use super::wire::{Head, Reader};
use super::{DecodeError, MAX_DEPTH};
use crate::value::conform::member_step;
use crate::value::path::index_step;
use crate::value::{Number, NumberError, Path, Step, Type, Value, set};

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut decoder = Decoder {
        reader: Reader::new(bytes),
        path: Path::root(),
        depth: 0,
    };
    let value = decoder.value(ty)?;
    match decoder.reader.remaining() {
        0 => Ok(value),
        count => Err(DecodeError::TrailingBytes { count }),
    }
}

/// Why an item is not a number, before the path is known.
pub(super) enum NumberProblem {
    NotANumber,
    Truncated,
    NonFinite,
    InvalidUtf8,
    Syntax(NumberError),
}

/// Reads a number in any of the forms go-cty accepts: integers, floats and
/// decimal text.
pub(super) fn read_number(head: Head, reader: &mut Reader) -> Result<Number, NumberProblem> {
    match head {
        Head::Int(value) => Ok(Number::from(value)),
        Head::Uint(value) => Ok(Number::from(value)),
        Head::Float32(value) => Number::from_f64(value.into()).ok_or(NumberProblem::NonFinite),
        Head::Float64(value) => Number::from_f64(value).ok_or(NumberProblem::NonFinite),
        Head::Str(len) | Head::Bin(len) => {
            let bytes = reader.take(len).ok_or(NumberProblem::Truncated)?;
            let text = std::str::from_utf8(bytes).map_err(|_| NumberProblem::InvalidUtf8)?;
            Number::parse(text).map_err(NumberProblem::Syntax)
        }
        _ => Err(NumberProblem::NotANumber),
    }
}

/// Whether an item at a position of type `ty` holds no other items.
fn is_leaf(head: Head, ty: &Type) -> bool {
    match head {
        Head::Ext { .. } => true,
        Head::Nil => *ty != Type::Dynamic,
        _ => matches!(ty, Type::String | Type::Number | Type::Bool),
    }
}

struct Decoder<'a> {
    reader: Reader<'a>,
    /// Where the decoder is; steps are pushed and popped as it walks.
    path: Path,
    depth: usize,
}

impl<'a> Decoder<'a> {
    // The functions on the recursion path (`value`, `compound` and the
    // collection readers) keep few locals and no closures: a debug build
    // spends its stack per nesting level on exactly those frames.

    fn value(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let head = self.head()?;
        if is_leaf(head, ty) {
            return self.leaf(head, ty);
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.compound(head, ty)
    }

    /// Steps one level down, into the element, attribute or value that
    /// `step` names, or into a dynamic value when it is `None`.
    fn enter(&mut self, step: Option<Step>) {
        self.depth += 1;
        self.path.0.extend(step);
    }

    /// Steps back up after [`Decoder::enter`], returning its step.
    fn leave(&mut self, stepped: bool) -> Option<Step> {
        self.depth -= 1;
        if stepped { self.path.pop() } else { None }
    }

    /// A value with nothing inside: unknown, null or a primitive.
    fn leaf(&mut self, head: Head, ty: &Type) -> Result<Value, DecodeError> {
        match (head, ty) {
            (Head::Ext { code, len }, _) => {
                let payload = self.take(len)?;
                Ok(decode_unknown(code, payload, ty))
            }
            (Head::Nil, _) => Ok(Value::Null),
            (_, Type::String) => self.string(head).map(Value::String),
            (_, Type::Number) => self.number(head).map(Value::Number),
            (Head::Bool(flag), Type::Bool) => Ok(Value::Bool(flag)),
            _ => Err(self.mismatch(ty, head)),
        }
    }

    fn compound(&mut self, head: Head, ty: &Type) -> Result<Value, DecodeError> {
        match ty {
            Type::List(_) => self.elements(head, ty).map(Value::List),
            Type::Set(_) => self
                .elements(head, ty)
                .map(|items| Value::Set(set::dedupe(items))),
            Type::Tuple(types) => self.tuple(head, ty, types),
            Type::Map(_) | Type::Object(_) => self.members(head, ty),
            Type::Dynamic => self.dynamic(head),
            Type::String | Type::Number | Type::Bool => Err(self.mismatch(ty, head)),
        }
    }

    fn string(&mut self, head: Head) -> Result<String, DecodeError> {
        match head {
            Head::Str(len) | Head::Bin(len) => {
                let bytes = self.take(len)?;
                String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8 {
                    path: self.path.clone(),
                })
            }
            other => Err(self.mismatch(&Type::String, other)),
        }
    }

    fn number(&mut self, head: Head) -> Result<Number, DecodeError> {
        let path = || self.path.clone();
        read_number(head, &mut self.reader).map_err(|problem| match problem {
            NumberProblem::NotANumber => self.mismatch(&Type::Number, head),
            NumberProblem::Truncated => DecodeError::Truncated { path: path() },
            NumberProblem::NonFinite => DecodeError::NonFiniteNumber { path: path() },
            NumberProblem::InvalidUtf8 => DecodeError::InvalidUtf8 { path: path() },
            NumberProblem::Syntax(source) => DecodeError::Number {
                path: path(),
                source,
            },
        })
    }

    /// A list, set or tuple (whose length [`Decoder::tuple`] checks).
    fn elements(&mut self, head: Head, ty: &Type) -> Result<Vec<Value>, DecodeError> {
        let Head::Array(len) = head else {
            return Err(self.mismatch(ty, head));
        };
        self.check_count(len, 1)?;
        let mut items = Vec::with_capacity(len);
        for index in 0..len {
            let item_type = ty
                .element_type(index)
                .ok_or_else(|| self.wrong_length(ty, len))?;
            self.enter(Some(Step::Index(index_step(index))));
            items.push(self.value(item_type)?);
            self.leave(true);
        }
        Ok(items)
    }

    fn tuple(&mut self, head: Head, ty: &Type, types: &[Type]) -> Result<Value, DecodeError> {
        match head {
            Head::Array(len) if len != types.len() => Err(self.wrong_length(ty, len)),
            _ => self.elements(head, ty).map(Value::Tuple),
        }
    }

    /// A tuple of the wrong length.
    fn wrong_length(&self, ty: &Type, got: usize) -> DecodeError {
        let expected = ty.element_count().unwrap_or_default();
        DecodeError::TupleLength {
            path: self.path.clone(),
            expected,
            got,
        }
    }

    /// A map, or an object, which must hold every attribute of its type.
    fn members(&mut self, head: Head, ty: &Type) -> Result<Value, DecodeError> {
        let Head::Map(len) = head else {
            return Err(self.mismatch(ty, head));
        };
        self.check_count(len, 2)?;
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key = self.key()?;
            let item_type = self.member_type(ty, &key)?;
            self.enter(Some(member_step(ty, &key)));
            entries.insert(key, self.value(item_type)?);
            self.leave(true);
        }
        self.finish_members(ty, entries)
    }

    /// The type of the member `key`, which an object type must have.
    fn member_type<'t>(&self, ty: &'t Type, key: &str) -> Result<&'t Type, DecodeError> {
        ty.member_type(key)
            .ok_or_else(|| DecodeError::UnexpectedAttribute {
                path: self.path.clone(),
                name: key.to_string(),
            })
    }

    /// A map or object value from its members, once an object is checked
    /// for missing attributes.
    fn finish_members(
        &self,
        ty: &Type,
        entries: BTreeMap<String, Value>,
    ) -> Result<Value, DecodeError> {
        let Type::Object(types) = ty else {
            return Ok(Value::Map(entries));
        };
        match types.keys().find(|name| !entries.contains_key(*name)) {
            Some(name) => {
                let (path, name) = (self.path.clone(), name.clone());
                Err(DecodeError::MissingAttribute { path, name })
            }
            None => Ok(Value::Object(entries)),
        }
    }

    /// `[TYPE JSON, VALUE]`, or nil for a null of no particular type.
    fn dynamic(&mut self, head: Head) -> Result<Value, DecodeError> {
        let Some(ty) = self.dynamic_type(head)? else {
            return Ok(Value::Null);
        };
        self.enter(None);
        let value = self.value(&ty)?;
        self.leave(false);
        Ok(Value::dynamic(ty, value))
    }

    /// The type at the start of a dynamic value, or `None` for nil.
    fn dynamic_type(&mut self, head: Head) -> Result<Option<Type>, DecodeError> {
        match head {
            Head::Nil => return Ok(None),
            Head::Array(2) => {}
            Head::Array(got) => {
                return Err(DecodeError::DynamicShape {
                    path: self.path.clone(),
                    got,
                });
            }
            other => return Err(self.mismatch(&Type::Dynamic, other)),
        }
        let type_json = match self.head()? {
            Head::Bin(len) | Head::Str(len) => self.take(len)?,
            other => return Err(self.mismatch(&Type::String, other)),
        };
        match Type::from_json_bytes(type_json) {
            Ok(ty) => Ok(Some(ty)),
            Err(source) => Err(DecodeError::DynamicType {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn key(&mut self) -> Result<String, DecodeError> {
        match self.head()? {
            head @ (Head::Str(_) | Head::Bin(_)) => self.string(head),
            other => Err(DecodeError::NonStringKey {
                path: self.path.clone(),
                got: other.describe(),
            }),
        }
    }

    /// Refuses a count of items that the remaining bytes cannot hold, each
    /// item taking at least `bytes_each`, before anything is allocated.
    fn check_count(&self, count: usize, bytes_each: usize) -> Result<(), DecodeError> {
        match count.checked_mul(bytes_each) {
            Some(needed) if needed <= self.reader.remaining() => Ok(()),
            _ => Err(self.truncated()),
        }
    }

    fn head(&mut self) -> Result<Head, DecodeError> {
        self.reader.head().ok_or_else(|| self.truncated())
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        self.reader.take(len).ok_or_else(|| self.truncated())
    }

    fn too_deep(&self) -> DecodeError {
        DecodeError::TooDeep {
            path: self.path.clone(),
        }
    }

    fn truncated(&self) -> DecodeError {
        DecodeError::Truncated {
            path: self.path.clone(),
        }
    }

    fn mismatch(&self, ty: &Type, got: Head) -> DecodeError {
        let expected = match ty {
            Type::Dynamic => "a [type, value] array".to_string(),
            other => other.describe(),
        };
        DecodeError::Mismatch {
            path: self.path.clone(),
            expected,
            got: got.describe(),
        }
    }
}
