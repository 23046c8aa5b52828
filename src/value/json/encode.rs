//! Writing a wholly known [`Value`] as JSON of a [`Type`], as go-cty's
//! `cty/json` `Marshal` does: compact, attributes and keys sorted, numbers
//! as plain decimal text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::EncodeError;
use crate::value::conform::{check_shape, member_step, misfit, mismatch};
use crate::value::path::index_step;
use crate::value::{Path, Step, Type, Value};

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: String::new(),
        path: Path::root(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out.into_bytes())
}

struct Encoder {
    out: String,
    path: Path,
}

impl Encoder {
    // The functions on the recursion path are kept small, as in the
    // msgpack encoder.

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
            Value::Null => self.out.push_str("null"),
            Value::Unknown(_) => {
                return Err(EncodeError::Unknown {
                    path: self.path.clone(),
                });
            }
            Value::Bool(flag) => self.out.push_str(if *flag { "true" } else { "false" }),
            Value::Number(number) => {
                let _ = write!(self.out, "{number}");
            }
            Value::String(text) => write_string(text, &mut self.out),
            other => return Err(mismatch(ty, other.describe(), &self.path).into()),
        }
        Ok(())
    }

    /// A list, set or tuple.
    fn array(&mut self, items: &[Value], ty: &Type) -> Result<(), EncodeError> {
        self.out.push('[');
        for (index, item) in items.iter().enumerate() {
            let item_type = ty
                .element_type(index)
                .ok_or_else(|| misfit(ty, &self.path))?;
            if index > 0 {
                self.out.push(',');
            }
            self.path.push(Step::Index(index_step(index)));
            self.value(item, item_type)?;
            self.path.pop();
        }
        self.out.push(']');
        Ok(())
    }

    /// A map or object: keys in sorted order, as the `BTreeMap` holds them.
    fn members(&mut self, entries: &BTreeMap<String, Value>, ty: &Type) -> Result<(), EncodeError> {
        self.out.push('{');
        for (index, (key, item)) in entries.iter().enumerate() {
            let item_type = ty.member_type(key).ok_or_else(|| misfit(ty, &self.path))?;
            if index > 0 {
                self.out.push(',');
            }
            write_string(key, &mut self.out);
            self.out.push(':');
            self.path.push(member_step(ty, key));
            self.value(item, item_type)?;
            self.path.pop();
        }
        self.out.push('}');
        Ok(())
    }

    /// `{"value":VALUE,"type":TYPE}`, in go-cty's order.
    fn dynamic(&mut self, ty: &Type, value: &Value) -> Result<(), EncodeError> {
        self.out.push_str("{\"value\":");
        self.value(value, ty)?;
        self.out.push_str(",\"type\":");
        self.out.push_str(&ty.to_json().to_string());
        self.out.push('}');
        Ok(())
    }
}

/// A JSON string literal.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
