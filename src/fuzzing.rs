//! What the `cargo fuzz` targets in `fuzz/` run, kept here so that the test
//! suite runs the same code over the committed corpus (a bounded run) and
//! the fuzz targets stay one line each.
//!
//! Each function takes arbitrary bytes and must return, whatever they are:
//! a decoder answers `Ok` or `Err`, and what it accepts encodes and decodes
//! again to the same value; a resource configuration validates and plans
//! without a backend, as a plan must be pure. A panic is the bug a fuzzer
//! reports.

use tokio_util::sync::CancellationToken;

use crate::resources::{self, Context};
use crate::value::{Type, Value, json, msgpack};

/// Decodes `data` (after a type selector byte) as msgpack.
pub fn msgpack_round_trip(data: &[u8]) {
    let Some((ty, bytes)) = split_type(data) else {
        return;
    };
    if let Ok(value) = msgpack::decode(bytes, &ty) {
        let encoded = msgpack::encode(&value, &ty).expect("a decoded value encodes");
        assert_eq!(msgpack::decode(&encoded, &ty), Ok(value));
    }
}

/// Decodes `data` (after a type selector byte) as state JSON.
pub fn json_round_trip(data: &[u8]) {
    let Some((ty, text)) = split_type(data) else {
        return;
    };
    if let Ok(value) = json::decode(text, &ty) {
        let encoded = json::encode(&value, &ty).expect("a decoded value encodes");
        assert_eq!(json::decode(&encoded, &ty), Ok(value));
    }
}

/// Decodes `data` as one resource's configuration, the way Terraform sends
/// it, then validates and plans it. The first byte picks the resource in
/// [`resources::all`] order; the rest is msgpack of its schema's type.
pub fn resource_config(data: &[u8]) {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let all = resources::all();
    let resource = &all[usize::from(choice) % all.len()];
    let ty = resource.schema().block.value_type();
    let Ok(config) = msgpack::decode(bytes, &ty) else {
        return;
    };
    let _ = resource.validate(&config);
    let context = Context {
        backends: None,
        stop: CancellationToken::new(),
    };
    let _ = resource.plan(&context, &config, &Value::Null, config.clone());
}

/// The type a selector byte picks for the decoders, and the bytes after it.
fn split_type(data: &[u8]) -> Option<(Type, &[u8])> {
    let (&selector, rest) = data.split_first()?;
    let types = decoder_types();
    let ty = types[usize::from(selector) % types.len()].clone();
    Some((ty, rest))
}

/// Every shape the decoders meet: primitives, collections, a tuple, and an
/// object shaped like a resource schema (attributes, a map, nested list and
/// set blocks, a dynamic attribute). The decoders' own random tests draw
/// from these too.
pub(crate) fn decoder_types() -> Vec<Type> {
    let group = Type::object([
        ("instance_types", Type::set(Type::String)),
        ("size", Type::Number),
        ("spot", Type::Bool),
    ]);
    let label = Type::object([("key", Type::String), ("value", Type::String)]);
    let node_pool = Type::object([
        ("name", Type::String),
        ("tags", Type::map(Type::String)),
        ("group", Type::list(group)),
        ("labels", Type::set(label)),
        ("extra", Type::Dynamic),
    ]);
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::Number),
        Type::set(Type::String),
        Type::map(Type::Dynamic),
        Type::Tuple(vec![Type::Bool, Type::Number, Type::String]),
        node_pool,
    ]
}

#[cfg(test)]
mod tests;
