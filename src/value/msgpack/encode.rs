//! Writing a [`Value`] as msgpack of a [`Type`], byte for byte as go-cty's
//! `Marshal` does: object attributes and map keys in sorted order, integers
//! in their smallest form.

use std::collections::BTreeMap;

use super::EncodeError;
use super::unknown::encode_unknown;
use super::wire::Writer;
use crate::value::conform::{check_shape, member_step, misfit, mismatch};
use crate::value::path::index_step;
use crate::value::{Number, Path, Step, Type, Value};

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Writer::default(),
        path: Path::root(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out.into_bytes())
}

/// Writes a number as go-cty does: an integer if it fits `i64`, a float64
/// if one is exactly the (fractional) number, otherwise decimal text.
pub(super) fn write_number(number: &Number, out: &mut Writer) {
    if let Some(integer) = number.as_i64() {
        out.int(integer);
        return;
    }
    match number.to_f64_exact().filter(|_| !number.is_integer()) {
        Some(float) => out.float64(float),
        None => out.str(&number.to_string()),
    }
}

struct Encoder {
    out: Writer,
    path: Path,
}

impl Encoder {
    // As in the decoder, the functions on the recursion path (`value`,
    // `array`, `members`, `dynamic`) are kept small: a debug build spends
    // its stack per nesting level on their frames.

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match check_shape(value, ty, &self.path)? {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => self.array(items, ty),
            Value::Map(entries) | Value::Object(entries) => self.members(entries, ty),
            Value::Dynamic(concrete, inner) => self.dynamic(concrete, inner),
            leaf => self.leaf(leaf, ty),
        }
    }

    fn leaf(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match value {
            Value::Null => self.out.nil(),
            Value::Unknown(refinements) => encode_unknown(refinements, ty, &mut self.out),
            Value::Bool(flag) => self.out.bool(*flag),
            Value::Number(number) => write_number(number, &mut self.out),
            Value::String(text) => {
                self.check_length(text.len())?;
                self.out.str(text);
            }
            other => return Err(mismatch(ty, other.describe(), &self.path).into()),
        }
        Ok(())
    }

    /// A list, set or tuple.
    fn array(&mut self, items: &[Value], ty: &Type) -> Result<(), EncodeError> {
        self.check_length(items.len())?;
        self.out.array_len(items.len());
        for (index, item) in items.iter().enumerate() {
            let item_type = ty
                .element_type(index)
                .ok_or_else(|| misfit(ty, &self.path))?;
            self.path.push(Step::Index(index_step(index)));
            self.value(item, item_type)?;
            self.path.pop();
        }
        Ok(())
    }

    /// A map or object: keys in sorted order, as the `BTreeMap` holds them.
    fn members(&mut self, entries: &BTreeMap<String, Value>, ty: &Type) -> Result<(), EncodeError> {
        self.check_length(entries.len())?;
        self.out.map_len(entries.len());
        for (key, item) in entries {
            let item_type = ty.member_type(key).ok_or_else(|| misfit(ty, &self.path))?;
            self.check_length(key.len())?;
            self.out.str(key);
            self.path.push(member_step(ty, key));
            self.value(item, item_type)?;
            self.path.pop();
        }
        Ok(())
    }

    /// `[TYPE JSON, VALUE]`.
    fn dynamic(&mut self, ty: &Type, value: &Value) -> Result<(), EncodeError> {
        self.out.array_len(2);
        self.out.bin(&ty.to_json_bytes());
        self.value(value, ty)
    }

    /// msgpack counts lengths in 32 bits.
    fn check_length(&self, len: usize) -> Result<(), EncodeError> {
        match u32::try_from(len) {
            Ok(_) => Ok(()),
            Err(_) => Err(EncodeError::TooLarge {
                path: self.path.clone(),
                len,
            }),
        }
    }
}
