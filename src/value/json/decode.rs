//! Reading JSON into a [`Value`], guided by the expected [`Type`] as
//! go-cty's `cty/json` `Unmarshal` is.

use std::collections::BTreeMap;

use super::syntax::{Next, Scan, Scanner, SyntaxError};
use super::{DecodeError, MAX_DEPTH};
use crate::value::conform::member_step;
use crate::value::path::index_step;
use crate::value::{Number, Path, Step, Type, Value, set};

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|error| DecodeError::InvalidUtf8 {
        offset: error.valid_up_to(),
    })?;
    let mut decoder = Decoder {
        scanner: Scanner::new(text),
        base: 0,
        path: Path::root(),
        depth: 0,
    };
    let value = decoder.value(ty)?;
    if !decoder.scanner.at_end() {
        return Err(DecodeError::TrailingText {
            offset: decoder.scanner.offset(),
        });
    }
    Ok(value)
}

/// A map or object value from its members; an object's missing attributes
/// are null.
fn finish_members(ty: &Type, mut entries: BTreeMap<String, Value>) -> Value {
    let Type::Object(types) = ty else {
        return Value::Map(entries);
    };
    for name in types.keys() {
        entries.entry(name.clone()).or_insert(Value::Null);
    }
    Value::Object(entries)
}

struct Decoder<'a> {
    scanner: Scanner<'a>,
    /// Where the scanned text starts in the whole input: a dynamic value
    /// is decoded by a decoder of its own over just its text.
    base: usize,
    /// Where the decoder is; steps are pushed and popped as it walks.
    path: Path,
    depth: usize,
}

impl<'a> Decoder<'a> {
    fn value(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let next = self.scanner.next_kind();
        match next {
            Next::Null => return self.scan(Scanner::literal).map(|_| Value::Null),
            Next::Invalid => {
                let offset = self.scanner.offset();
                return Err(self.syntax(SyntaxError {
                    offset,
                    expected: "a value",
                }));
            }
            _ => {}
        }
        match ty {
            Type::String => self.string(next).map(Value::String),
            Type::Number => self.number(next).map(Value::Number),
            Type::Bool => self.bool(next).map(Value::Bool),
            _ if self.depth >= MAX_DEPTH => Err(DecodeError::TooDeep {
                path: self.path.clone(),
            }),
            _ => self.compound(next, ty),
        }
    }

    fn compound(&mut self, next: Next, ty: &Type) -> Result<Value, DecodeError> {
        match ty {
            Type::List(_) => self.elements(next, ty).map(Value::List),
            Type::Set(_) => self
                .elements(next, ty)
                .map(|items| Value::Set(set::dedupe(items))),
            Type::Tuple(_) => self.elements(next, ty).map(Value::Tuple),
            Type::Map(_) | Type::Object(_) => self.members(next, ty),
            Type::Dynamic => self.dynamic(next),
            Type::String | Type::Number | Type::Bool => Err(self.mismatch(ty, next)),
        }
    }

    /// A string, or the text of a number or bool standing for one.
    fn string(&mut self, next: Next) -> Result<String, DecodeError> {
        match next {
            Next::String => self.scan(Scanner::string),
            Next::Number => self.scan(Scanner::number).map(str::to_string),
            Next::Bool => Ok(self.literal()?.to_string()),
            other => Err(self.mismatch(&Type::String, other)),
        }
    }

    /// A number, or a string holding one.
    fn number(&mut self, next: Next) -> Result<Number, DecodeError> {
        let parsed = match next {
            Next::Number => Number::parse(self.scan(Scanner::number)?),
            Next::String => Number::parse(&self.scan(Scanner::string)?),
            other => return Err(self.mismatch(&Type::Number, other)),
        };
        parsed.map_err(|source| DecodeError::Number {
            path: self.path.clone(),
            source,
        })
    }

    /// A bool, or a string saying one as go-cty's conversion reads it.
    fn bool(&mut self, next: Next) -> Result<bool, DecodeError> {
        match next {
            Next::Bool => self.literal(),
            Next::String => match self.scan(Scanner::string)?.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                text => Err(DecodeError::NotABool {
                    path: self.path.clone(),
                    text: text.into(),
                }),
            },
            other => Err(self.mismatch(&Type::Bool, other)),
        }
    }

    fn literal(&mut self) -> Result<bool, DecodeError> {
        Ok(self.scan(Scanner::literal)?.unwrap_or_default())
    }

    /// A list, set or tuple. A tuple's extra elements are stepped over so
    /// that the error can say how many there are.
    fn elements(&mut self, next: Next, ty: &Type) -> Result<Vec<Value>, DecodeError> {
        self.open(next, Next::Array, ty)?;
        let mut items = Vec::new();
        let mut count = 0;
        while self.more(b']', count == 0)? {
            match ty.element_type(count) {
                Some(item_type) => {
                    self.enter(Some(Step::Index(index_step(count))));
                    items.push(self.value(item_type)?);
                    self.leave(true);
                }
                None => drop(self.scan(|s| s.skip(MAX_DEPTH))?),
            }
            count += 1;
        }
        match ty.element_count() {
            Some(expected) if expected != count => Err(DecodeError::TupleLength {
                path: self.path.clone(),
                expected,
                got: count,
            }),
            _ => Ok(items),
        }
    }

    /// A map, or an object. Attributes the text leaves out are null, as
    /// state written before they existed leaves them out.
    fn members(&mut self, next: Next, ty: &Type) -> Result<Value, DecodeError> {
        self.open(next, Next::Object, ty)?;
        let mut entries = BTreeMap::new();
        let mut first = true;
        while self.more(b'}', first)? {
            first = false;
            let key = self.key()?;
            let item_type = self.member_type(ty, &key)?;
            self.enter(Some(member_step(ty, &key)));
            entries.insert(key, self.value(item_type)?);
            self.leave(true);
        }
        Ok(finish_members(ty, entries))
    }

    /// The type of the member `key`, which an object type must have.
    fn member_type<'t>(&self, ty: &'t Type, key: &str) -> Result<&'t Type, DecodeError> {
        ty.member_type(key)
            .ok_or_else(|| DecodeError::UnexpectedAttribute {
                path: self.path.clone(),
                name: key.to_string(),
            })
    }

    /// `{"value": VALUE, "type": TYPE}`, in either order: the value's text
    /// is kept aside until the type is known, then decoded on its own.
    fn dynamic(&mut self, next: Next) -> Result<Value, DecodeError> {
        let (ty, base, text) = self.dynamic_parts(next)?;
        let value = self.nested_decoder(base, text).value(&ty)?;
        Ok(Value::dynamic(ty, value))
    }

    /// A dynamic value's type, and where its value's text starts and what
    /// it is.
    fn dynamic_parts(&mut self, next: Next) -> Result<(Type, usize, &'a str), DecodeError> {
        self.open(next, Next::Object, &Type::Dynamic)?;
        let (mut ty, mut value) = (None, None);
        let mut first = true;
        while self.more(b'}', first)? {
            first = false;
            match self.key()?.as_str() {
                "type" => ty = Some(self.dynamic_type()?),
                "value" => value = Some(self.raw_value()?),
                key => {
                    let (path, key) = (self.path.clone(), key.to_string());
                    return Err(DecodeError::DynamicKey { path, key });
                }
            }
        }
        let missing = |key| DecodeError::DynamicMissing {
            path: self.path.clone(),
            key,
        };
        let ty = ty.ok_or_else(|| missing("type"))?;
        let (base, text) = value.ok_or_else(|| missing("value"))?;
        Ok((ty, base, text))
    }

    /// The offset and text of the next value, stepped over undecoded.
    fn raw_value(&mut self) -> Result<(usize, &'a str), DecodeError> {
        self.scanner.peek();
        let offset = self.base + self.scanner.offset();
        Ok((offset, self.scan(|s| s.skip(MAX_DEPTH))?))
    }

    fn dynamic_type(&mut self) -> Result<Type, DecodeError> {
        let text = self.scan(|s| s.skip(MAX_DEPTH))?;
        Type::from_json_bytes(text.as_bytes()).map_err(|source| DecodeError::DynamicType {
            path: self.path.clone(),
            source,
        })
    }

    /// A decoder for a dynamic value's text, one level deeper than this.
    fn nested_decoder(&self, base: usize, text: &'a str) -> Decoder<'a> {
        let (path, depth) = (self.path.clone(), self.depth + 1);
        Decoder {
            scanner: Scanner::new(text),
            base,
            path,
            depth,
        }
    }

    /// Consumes the opening bracket of `wanted` or fails with a mismatch.
    fn open(&mut self, next: Next, wanted: Next, ty: &Type) -> Result<(), DecodeError> {
        if next != wanted {
            return Err(self.mismatch(ty, next));
        }
        let bracket = if wanted == Next::Array { b'[' } else { b'{' };
        self.scan(|s| s.expect(bracket, "an opening bracket"))
    }

    fn more(&mut self, close: u8, first: bool) -> Result<bool, DecodeError> {
        self.scan(|s| s.more(close, first))
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<String, DecodeError> {
        let key = self.scan(Scanner::string)?;
        self.scan(|s| s.expect(b':', "a colon"))?;
        Ok(key)
    }

    /// Steps one level down, into what `step` names, or into a dynamic
    /// value when it is `None`.
    fn enter(&mut self, step: Option<Step>) {
        self.depth += 1;
        self.path.0.extend(step);
    }

    /// Steps back up after [`Decoder::enter`], returning its step.
    fn leave(&mut self, stepped: bool) -> Option<Step> {
        self.depth -= 1;
        if stepped { self.path.pop() } else { None }
    }

    /// Runs a scanner step, turning its syntax error into a decode error
    /// at the current path.
    fn scan<T>(
        &mut self,
        step: impl FnOnce(&mut Scanner<'a>) -> Scan<T>,
    ) -> Result<T, DecodeError> {
        step(&mut self.scanner).map_err(|error| self.syntax(error))
    }

    fn syntax(&self, SyntaxError { offset, expected }: SyntaxError) -> DecodeError {
        DecodeError::Syntax {
            path: self.path.clone(),
            offset: self.base + offset,
            expected,
        }
    }

    fn mismatch(&self, ty: &Type, got: Next) -> DecodeError {
        let expected = match ty {
            Type::Dynamic => "a {\"value\": ..., \"type\": ...} object".to_string(),
            other => other.describe(),
        };
        DecodeError::Mismatch {
            path: self.path.clone(),
            expected,
            got: got.describe(),
        }
    }
}
