//! Unknown values on the wire, and their *refinements* (Terraform 1.6+).
//!
//! A plain unknown is any extension whose payload is at most one byte;
//! go-cty writes `d4 00 00`. A refined unknown is extension 12 carrying a
//! msgpack map with small integer keys:
//!
//! | key | meaning | value |
//! |---|---|---|
//! | 1 | whether it is null | bool (`false`: definitely not null) |
//! | 2 | string prefix | string |
//! | 3 | number lower bound | `[number, inclusive bool]` |
//! | 4 | number upper bound | `[number, inclusive bool]` |
//! | 5 | collection length lower bound | integer |
//! | 6 | collection length upper bound | integer |
//!
//! Reading is lenient where go-cty is strict, because a refinement is only
//! a hint: keys this code does not know, keys that do not apply to the
//! type, and other extension codes are ignored, and a payload that cannot
//! be read at all leaves a plain unknown instead of failing the request.
//! An unknown refined as definitely null is the null value, as in go-cty.

use super::decode::{NumberProblem, read_number};
use super::wire::{Head, Reader, Writer};
use crate::value::{Number, Refinements, Type, Value};

/// The extension code of a refined unknown.
const REFINED: i8 = 12;

/// go-cty refuses refinement payloads larger than this as abusive.
const MAX_PAYLOAD: usize = 1024;

/// go-cty never writes a string prefix longer than this many bytes.
const MAX_PREFIX: usize = 255;

const NULLNESS: i64 = 1;
const STRING_PREFIX: i64 = 2;
const NUMBER_LOWER: i64 = 3;
const NUMBER_UPPER: i64 = 4;
const LENGTH_LOWER: i64 = 5;
const LENGTH_UPPER: i64 = 6;

/// The value an extension stands for at a position of type `ty`.
pub(super) fn decode_unknown(code: i8, payload: &[u8], ty: &Type) -> Value {
    let refinable = code == REFINED && payload.len() > 1 && payload.len() <= MAX_PAYLOAD;
    if !refinable || *ty == Type::Dynamic {
        return Value::unknown();
    }
    match read_refinements(payload, ty) {
        Some(refinements) if refinements.nullable == Some(true) => Value::Null,
        Some(refinements) => Value::Unknown(Box::new(refinements)),
        None => Value::unknown(),
    }
}

fn read_refinements(payload: &[u8], ty: &Type) -> Option<Refinements> {
    let mut reader = Reader::new(payload);
    let Head::Map(len) = reader.head()? else {
        return None;
    };
    let mut refinements = Refinements::default();
    for _ in 0..len {
        let key = integer(reader.head()?)?;
        read_refinement(key, &mut reader, ty, &mut refinements)?;
    }
    // Bytes after the map are ignored, as go-cty leaves room for them.
    Some(refinements)
}

/// Reads the value of one refinement and records it if it applies to `ty`.
fn read_refinement(
    key: i64,
    reader: &mut Reader,
    ty: &Type,
    refinements: &mut Refinements,
) -> Option<()> {
    let collection = matches!(ty, Type::List(_) | Type::Set(_) | Type::Map(_));
    match key {
        NULLNESS => refinements.nullable = Some(boolean(reader.head()?)?),
        STRING_PREFIX => {
            let prefix = string(reader)?;
            // An empty prefix refines nothing, and a long one is kept as
            // long as it would be sent: the value reads as it encodes.
            if *ty == Type::String && !prefix.is_empty() {
                refinements.string_prefix = Some(truncate(&prefix, MAX_PREFIX).to_string());
            }
        }
        NUMBER_LOWER | NUMBER_UPPER => {
            let bound = number_bound(reader)?;
            match (ty, key) {
                (Type::Number, NUMBER_LOWER) => refinements.number_lower = bound,
                (Type::Number, _) => refinements.number_upper = bound,
                _ => {}
            }
        }
        LENGTH_LOWER | LENGTH_UPPER => {
            let bound = u64::try_from(integer(reader.head()?)?).ok()?;
            match (collection, key) {
                // A lower bound of zero says nothing; go-cty drops it too.
                (true, LENGTH_LOWER) => refinements.length_lower = Some(bound).filter(|&n| n > 0),
                (true, _) => refinements.length_upper = Some(bound),
                _ => {}
            }
        }
        _ => reader.skip(8)?,
    }
    Some(())
}

fn integer(head: Head) -> Option<i64> {
    match head {
        Head::Int(value) => Some(value),
        Head::Uint(value) => i64::try_from(value).ok(),
        _ => None,
    }
}

fn boolean(head: Head) -> Option<bool> {
    match head {
        Head::Bool(flag) => Some(flag),
        _ => None,
    }
}

fn string(reader: &mut Reader) -> Option<String> {
    let (Head::Str(len) | Head::Bin(len)) = reader.head()? else {
        return None;
    };
    String::from_utf8(reader.take(len)?.to_vec()).ok()
}

/// `[number, inclusive]`, read as `Some(None)` for an infinite bound: a
/// float can say ±infinity, which a [`Number`] cannot hold and which bounds
/// nothing anyway (go-cty's encoder leaves such bounds out).
fn number_bound(reader: &mut Reader) -> Option<Option<(Number, bool)>> {
    if reader.head()? != Head::Array(2) {
        return None;
    }
    let head = reader.head()?;
    let number = match read_number(head, reader) {
        Ok(number) => Some(number),
        Err(NumberProblem::NonFinite) => None,
        Err(_) => return None,
    };
    let inclusive = boolean(reader.head()?)?;
    Some(number.map(|number| (number, inclusive)))
}

/// Writes an unknown at a position of type `ty`, with the refinements that
/// go-cty would write for that type, or as `d4 00 00` if there are none.
pub(super) fn encode_unknown(refinements: &Refinements, ty: &Type, out: &mut Writer) {
    let mut body = Writer::default();
    let count = write_refinements(refinements, ty, &mut body);
    if count == 0 {
        return out.unknown();
    }
    let mut payload = Writer::default();
    payload.map_len(count);
    payload.raw(&body.into_bytes());
    out.ext_header(REFINED, payload.len());
    out.raw(&payload.into_bytes());
}

/// Writes the entries of the refinement map, returning how many.
fn write_refinements(refinements: &Refinements, ty: &Type, body: &mut Writer) -> usize {
    if *ty == Type::Dynamic {
        return 0;
    }
    let mut count = 0;
    let mut entry = |key: i64, write: &dyn Fn(&mut Writer)| {
        body.int(key);
        write(body);
        count += 1;
    };
    if refinements.nullable == Some(false) {
        entry(NULLNESS, &|w| w.bool(false));
    }
    match ty {
        Type::String => {
            if let Some(prefix) = refinements
                .string_prefix
                .as_deref()
                .filter(|p| !p.is_empty())
            {
                entry(STRING_PREFIX, &|w| w.str(truncate(prefix, MAX_PREFIX)));
            }
        }
        Type::Number => {
            if let Some(bound) = &refinements.number_lower {
                entry(NUMBER_LOWER, &|w| write_bound(bound, w));
            }
            if let Some(bound) = &refinements.number_upper {
                entry(NUMBER_UPPER, &|w| write_bound(bound, w));
            }
        }
        Type::List(_) | Type::Set(_) | Type::Map(_) => {
            if let Some(lower) = refinements.length_lower.filter(|&n| n > 0) {
                entry(LENGTH_LOWER, &|w| w.uint(lower));
            }
            if let Some(upper) = refinements.length_upper {
                entry(LENGTH_UPPER, &|w| w.uint(upper));
            }
        }
        _ => {}
    }
    count
}

fn write_bound((number, inclusive): &(Number, bool), out: &mut Writer) {
    out.array_len(2);
    super::encode::write_number(number, out);
    out.bool(*inclusive);
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary.
fn truncate(text: &str, max: usize) -> &str {
    let end = (0..=max.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[..end]
}
