//! The types the decoders are fuzzed against, chosen by the first input
//! byte so that one corpus covers every shape.

use terraform_provider_ci::value::Type;

/// The type for a selector byte, and the bytes after it.
pub fn split(data: &[u8]) -> Option<(Type, &[u8])> {
    let (&selector, rest) = data.split_first()?;
    let types = types();
    let ty = types[usize::from(selector) % types.len()].clone();
    Some((ty, rest))
}

fn types() -> Vec<Type> {
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::Number),
        Type::set(Type::String),
        Type::map(Type::Dynamic),
        Type::Tuple(vec![Type::Bool, Type::Number, Type::String]),
        node_pool(),
    ]
}

/// Shaped like a resource schema: attributes, a map, nested list and set
/// blocks, and a dynamic attribute.
fn node_pool() -> Type {
    let group = Type::object([
        ("instance_types", Type::set(Type::String)),
        ("size", Type::Number),
        ("spot", Type::Bool),
    ]);
    Type::object([
        ("name", Type::String),
        ("tags", Type::map(Type::String)),
        ("group", Type::list(group)),
        ("labels", Type::set(Type::object([("key", Type::String), ("value", Type::String)]))),
        ("extra", Type::Dynamic),
    ])
}
