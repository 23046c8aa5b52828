//! Round trips against the bytes go-cty writes, decoding of what only
//! other encoders write, errors with their paths, and a bounded random run
//! that must never panic.

use super::{DecodeError, EncodeError, MAX_DEPTH, decode, encode};
use crate::value::test_support::Xorshift;
use crate::value::{Number, Path, Refinements, Type, Value};

/// Bytes from hex text; spaces are ignored.
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn number(text: &str) -> Number {
    Number::parse(text).unwrap()
}

fn str_bytes(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn node_pool_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("tags", Type::map(Type::String)),
        (
            "group",
            Type::list(Type::object([
                ("instance_types", Type::set(Type::String)),
                ("size", Type::Number),
            ])),
        ),
    ])
}

fn node_pool() -> Value {
    Value::object([
        ("name", Value::string("ci")),
        ("tags", Value::map([("team", Value::string("build"))])),
        (
            "group",
            Value::list([Value::object([
                ("instance_types", Value::set([Value::string("m5.large")])),
                ("size", Value::from(3)),
            ])]),
        ),
    ])
}

fn refined(refinements: Refinements) -> Value {
    Value::Unknown(Box::new(refinements))
}

/// (what, type, value, the exact bytes go-cty writes for it)
fn round_trip_cases() -> Vec<(&'static str, Type, Value, String)> {
    let long_negative = format!("-1{}", "0".repeat(400));
    vec![
        ("null", Type::String, Value::Null, "c0".into()),
        ("unknown", Type::String, Value::unknown(), "d4 00 00".into()),
        (
            "string",
            Type::String,
            Value::string("hello"),
            format!("a5{}", str_bytes("hello")),
        ),
        ("empty string", Type::String, Value::string(""), "a0".into()),
        ("bool", Type::Bool, Value::Bool(true), "c3".into()),
        ("small int", Type::Number, Value::from(5), "05".into()),
        ("negative int", Type::Number, Value::from(-1), "ff".into()),
        ("uint16", Type::Number, Value::from(300), "cd 01 2c".into()),
        (
            "i64 min",
            Type::Number,
            Value::from(i64::MIN),
            "d3 8000000000000000".into(),
        ),
        (
            "exact float",
            Type::Number,
            Value::number(number("0.5")),
            "cb 3fe0000000000000".into(),
        ),
        (
            "inexact decimal",
            Type::Number,
            Value::number(number("0.1")),
            format!("a3{}", str_bytes("0.1")),
        ),
        (
            "beyond i64",
            Type::Number,
            Value::number(number("123456789012345678901234567890")),
            format!("be{}", str_bytes("123456789012345678901234567890")),
        ),
        (
            "whole beyond i64 but exact in f64",
            Type::Number,
            Value::number(number("1e20")),
            format!("b5{}", str_bytes("100000000000000000000")),
        ),
        (
            "beyond f64",
            Type::Number,
            Value::number(number("-1e400")),
            format!("da 0192 {}", str_bytes(&long_negative)),
        ),
        (
            "list",
            Type::list(Type::String),
            Value::list([Value::string("a"), Value::string("b")]),
            "92 a161 a162".into(),
        ),
        (
            "empty list",
            Type::list(Type::String),
            Value::list([]),
            "90".into(),
        ),
        (
            "list with null and unknown",
            Type::list(Type::Number),
            Value::list([Value::Null, Value::unknown()]),
            "92 c0 d40000".into(),
        ),
        (
            "set",
            Type::set(Type::Number),
            Value::set([Value::from(2), Value::from(1)]),
            "92 02 01".into(),
        ),
        (
            "map in key order",
            Type::map(Type::Bool),
            Value::map([("b", Value::Bool(false)), ("a", Value::Bool(true))]),
            "82 a161 c3 a162 c2".into(),
        ),
        (
            "empty object",
            Type::object::<String>([]),
            Value::object::<String>([]),
            "80".into(),
        ),
        (
            "nested blocks",
            node_pool_type(),
            node_pool(),
            format!(
                "83 a5{} 91 82 ae{} 91 a8{} a4{} 03 a4{} a2{} a4{} 81 a4{} a5{}",
                str_bytes("group"),
                str_bytes("instance_types"),
                str_bytes("m5.large"),
                str_bytes("size"),
                str_bytes("name"),
                str_bytes("ci"),
                str_bytes("tags"),
                str_bytes("team"),
                str_bytes("build"),
            ),
        ),
        (
            "tuple",
            Type::Tuple(vec![Type::String, Type::Number]),
            Value::Tuple(vec![Value::string("a"), Value::from(1)]),
            "92 a161 01".into(),
        ),
        (
            "dynamic string",
            Type::Dynamic,
            Value::dynamic(Type::String, Value::string("x")),
            format!("92 c4 08 {} a178", str_bytes("\"string\"")),
        ),
        (
            "dynamic typed null",
            Type::Dynamic,
            Value::dynamic(Type::list(Type::Bool), Value::Null),
            format!("92 c4 0f {} c0", str_bytes("[\"list\",\"bool\"]")),
        ),
        (
            "dynamic untyped null",
            Type::Dynamic,
            Value::Null,
            "c0".into(),
        ),
        (
            "dynamic untyped unknown",
            Type::Dynamic,
            Value::unknown(),
            "d4 00 00".into(),
        ),
        (
            "object holding a dynamic",
            Type::object([("v", Type::Dynamic)]),
            Value::object([("v", Value::dynamic(Type::Number, Value::from(7)))]),
            format!("81 a176 92 c4 08 {} 07", str_bytes("\"number\"")),
        ),
        (
            "refined string: not null, prefix",
            Type::String,
            refined(Refinements {
                nullable: Some(false),
                string_prefix: Some("ami-".into()),
                ..Refinements::default()
            }),
            format!("c7 09 0c 82 01 c2 02 a4{}", str_bytes("ami-")),
        ),
        (
            "refined number: bounds",
            Type::Number,
            refined(Refinements {
                nullable: Some(false),
                number_lower: Some((Number::from(0), true)),
                number_upper: Some((number("10.5"), false)),
                ..Refinements::default()
            }),
            "c7 13 0c 83 01 c2 03 92 00 c3 04 92 cb 4025000000000000 c2".into(),
        ),
        (
            "refined list: length bounds",
            Type::list(Type::String),
            refined(Refinements {
                length_lower: Some(1),
                length_upper: Some(3),
                ..Refinements::default()
            }),
            "c7 05 0c 82 05 01 06 03".into(),
        ),
        (
            "refined map: upper length in a fixext",
            Type::map(Type::String),
            refined(Refinements {
                length_upper: Some(200),
                ..Refinements::default()
            }),
            "d6 0c 81 06 cc c8".into(),
        ),
        (
            "refined unknown inside a block",
            Type::object([("id", Type::String)]),
            Value::object([(
                "id",
                refined(Refinements {
                    nullable: Some(false),
                    ..Refinements::default()
                }),
            )]),
            format!("81 a2{} c7 03 0c 81 01 c2", str_bytes("id")),
        ),
    ]
}

#[test]
fn values_round_trip_through_the_bytes_go_cty_writes() {
    for (what, ty, value, bytes) in round_trip_cases() {
        let bytes = hex(&bytes);
        assert_eq!(encode(&value, &ty).expect(what), bytes, "encoding {what}");
        assert_eq!(decode(&bytes, &ty).expect(what), value, "decoding {what}");
    }
}

#[test]
fn forms_only_other_encoders_write_decode_too() {
    let dynamic_bool = format!("92 a6 {} c2", str_bytes("\"bool\""));
    let cases: Vec<(&str, Type, &str, Value)> = vec![
        ("an empty input is null", Type::String, "", Value::Null),
        (
            "uint64",
            Type::Number,
            "cf ffffffffffffffff",
            Value::number(u64::MAX),
        ),
        ("int8", Type::Number, "d0 fb", Value::from(-5)),
        (
            "float32",
            Type::Number,
            "ca 3fc00000",
            Value::number(number("1.5")),
        ),
        (
            "exponent text",
            Type::Number,
            "a3 316533",
            Value::from(1000),
        ),
        (
            "string as binary",
            Type::String,
            "c4 01 61",
            Value::string("a"),
        ),
        (
            "long string form",
            Type::String,
            "d9 01 61",
            Value::string("a"),
        ),
        (
            "dynamic type as a string",
            Type::Dynamic,
            &dynamic_bool,
            Value::dynamic(Type::Bool, Value::Bool(false)),
        ),
        (
            "set with duplicates",
            Type::set(Type::String),
            "93 a161 a162 a161",
            Value::Set(vec![Value::string("a"), Value::string("b")]),
        ),
        (
            "other extension codes are unknown",
            Type::String,
            "d6 05 01020304",
            Value::unknown(),
        ),
        (
            "empty extension",
            Type::Number,
            "c7 00 00",
            Value::unknown(),
        ),
        (
            "refined as null",
            Type::String,
            "c7 03 0c 81 01 c3",
            Value::Null,
        ),
        (
            "unreadable refinements",
            Type::String,
            "c7 03 0c 81 01 a0",
            Value::unknown(),
        ),
        (
            "refinements that are not a map",
            Type::String,
            "d5 0c 9000",
            Value::unknown(),
        ),
        (
            "unknown refinement keys are skipped",
            Type::String,
            "c7 07 0c 82 09 92 01 a0 01 c2",
            refined(Refinements {
                nullable: Some(false),
                ..Refinements::default()
            }),
        ),
        (
            "refinements for another type are ignored",
            Type::Number,
            "c7 06 0c 82 02 a1 78 01 c2",
            refined(Refinements {
                nullable: Some(false),
                ..Refinements::default()
            }),
        ),
        (
            "refinements on dynamic are ignored",
            Type::Dynamic,
            "c7 03 0c 81 01 c2",
            Value::unknown(),
        ),
        (
            "an infinite bound is no bound",
            Type::Number,
            "c7 0f 0c 82 03 92 cb fff0000000000000 c3 01 c2",
            refined(Refinements {
                nullable: Some(false),
                ..Refinements::default()
            }),
        ),
        (
            "a zero length lower bound is no bound",
            Type::set(Type::Number),
            "c7 03 0c 81 05 00",
            Value::unknown(),
        ),
    ];
    for (what, ty, bytes, expected) in cases {
        assert_eq!(decode(&hex(bytes), &ty), Ok(expected), "{what}");
    }
}

#[test]
fn decoding_errors_name_the_attribute_path() {
    let pool = node_pool_type();
    let tags_with_array = format!(
        "83 a5{} 90 a4{} a2{} a4{} 81 a4{} 91 01",
        str_bytes("group"),
        str_bytes("name"),
        str_bytes("ci"),
        str_bytes("tags"),
        str_bytes("team"),
    );
    let group_with_string_size = format!(
        "83 a5{} 91 82 ae{} 90 a4{} a1{} a4{} c0 a4{} c0",
        str_bytes("group"),
        str_bytes("instance_types"),
        str_bytes("size"),
        str_bytes("x"),
        str_bytes("name"),
        str_bytes("tags"),
    );
    let cases = [
        (
            pool.clone(),
            tags_with_array,
            r#"at tags["team"]: expected a string, got an array"#,
        ),
        (
            pool.clone(),
            group_with_string_size,
            r#"at group[0].size: "x" is not a number"#,
        ),
        (
            pool.clone(),
            format!("81 a4{} a2{}", str_bytes("name"), str_bytes("ci")),
            r#"missing attribute "group""#,
        ),
        (
            pool.clone(),
            format!("81 a4{} c0", str_bytes("nope")),
            r#"unexpected attribute "nope": the type has no such attribute"#,
        ),
        (
            pool.clone(),
            "91 c0".into(),
            "expected an object, got an array",
        ),
        (
            Type::map(Type::String),
            "81 01 c0".into(),
            "expected string keys, got an integer",
        ),
        (
            Type::Tuple(vec![Type::String]),
            "92 c0 c0".into(),
            "expected a tuple of 1 elements, got 2",
        ),
        (
            Type::list(Type::String),
            "92 a161".into(),
            "at [1]: the data ends in the middle of a value",
        ),
        (
            Type::String,
            "a2 ff fe".into(),
            "a string is not valid UTF-8",
        ),
        (
            Type::Number,
            "cb 7ff8000000000000".into(),
            "infinite and NaN numbers are not supported",
        ),
        (
            Type::String,
            "a0 c0".into(),
            "1 unexpected bytes follow the value",
        ),
        (
            Type::Dynamic,
            "93 c0 c0 c0".into(),
            "expected a dynamic value as a [type, value] array, got 3 elements",
        ),
        (
            Type::list(Type::Dynamic),
            format!("91 92 c4 05 {} c0", str_bytes("\"str\"")),
            "at [0]: the type of a dynamic value is unreadable: \"str\" is not a type name",
        ),
        (
            Type::Bool,
            "c1".into(),
            "expected a bool, got the unused byte 0xc1",
        ),
        (
            Type::list(Type::String),
            "dd ffffffff c0".into(),
            "the data ends in the middle of a value",
        ),
        (
            Type::String,
            "db ffffffff 61".into(),
            "the data ends in the middle of a value",
        ),
    ];
    for (ty, bytes, message) in cases {
        let error = decode(&hex(&bytes), &ty).expect_err(message);
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn error_paths_are_structured_for_diagnostics() {
    let bytes = hex(&format!(
        "81 a4{} 81 a4{} 01",
        str_bytes("tags"),
        str_bytes("team")
    ));
    let ty = Type::object([("tags", Type::map(Type::String))]);
    let error = decode(&bytes, &ty).unwrap_err();
    assert_eq!(*error.path(), Path::root().attribute("tags").key("team"));
}

#[test]
fn nesting_beyond_the_limit_is_refused_not_overflowed() {
    let mut ty = Type::String;
    for _ in 0..MAX_DEPTH + 10 {
        ty = Type::list(ty);
    }
    let mut bytes = vec![0x91; MAX_DEPTH + 10];
    bytes.push(0xc0);
    assert!(matches!(
        decode(&bytes, &ty),
        Err(DecodeError::TooDeep { .. })
    ));

    let list_of_dynamic = r#"["list","dynamic"]"#;
    let layer = format!(
        "92 c4 {:02x} {}",
        list_of_dynamic.len(),
        str_bytes(list_of_dynamic)
    );
    let mut nested = String::new();
    for _ in 0..MAX_DEPTH {
        nested.push_str(&layer);
        nested.push_str(" 91 ");
    }
    nested.push_str("c0");
    assert!(matches!(
        decode(&hex(&nested), &Type::Dynamic),
        Err(DecodeError::TooDeep { .. })
    ));
}

#[test]
fn the_deepest_accepted_values_pass_through_every_walker() {
    let mut ty = Type::String;
    let mut bytes = Vec::new();
    for _ in 0..MAX_DEPTH {
        ty = Type::object([("a", ty)]);
        bytes.extend_from_slice(&[0x81, 0xa1, b'a']);
    }
    bytes.extend_from_slice(&[0xa1, b'x']);
    let value = decode(&bytes, &ty).expect("MAX_DEPTH levels are accepted");
    assert_eq!(encode(&value, &ty), Ok(bytes));
    assert_eq!(crate::value::conform::conform(&value, &ty), Ok(()));
    let text = crate::value::json::encode(&value, &ty).expect("encodes as JSON");
    assert_eq!(crate::value::json::decode(&text, &ty), Ok(value));
}

#[test]
fn encoding_a_misfit_names_its_path() {
    let mut pool = node_pool();
    if let Value::Object(attributes) = &mut pool {
        attributes.insert("tags".into(), Value::map([("team", Value::from(1))]));
    }
    let error = encode(&pool, &node_pool_type()).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"at tags["team"]: expected a string, got a number"#
    );
    assert!(matches!(error, EncodeError::Shape(_)));
    let untyped = encode(&Value::string("x"), &Type::Dynamic).unwrap_err();
    assert_eq!(*untyped.path(), Path::root());
}

#[test]
fn long_string_prefixes_are_cut_at_a_character_boundary() {
    let prefix = "é".repeat(200);
    let value = refined(Refinements {
        string_prefix: Some(prefix),
        ..Refinements::default()
    });
    let decoded = decode(&encode(&value, &Type::String).unwrap(), &Type::String).unwrap();
    let kept = decoded
        .refinements()
        .and_then(|r| r.string_prefix.clone())
        .unwrap();
    assert_eq!(kept, "é".repeat(127));
}

/// Whatever decodes must encode again and decode to the same value.
fn assert_decoded_value_round_trips(bytes: &[u8], ty: &Type) {
    if let Ok(value) = decode(bytes, ty) {
        let encoded = encode(&value, ty).expect("a decoded value encodes");
        assert_eq!(decode(&encoded, ty), Ok(value), "input {bytes:02x?}");
    }
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = Xorshift::new(0x5eed_cafe);
    let types = crate::fuzzing::decoder_types();
    let seeds: Vec<(Type, Vec<u8>)> = round_trip_cases()
        .into_iter()
        .map(|(_, ty, _, bytes)| (ty, hex(&bytes)))
        .collect();
    for _ in 0..10_000 {
        let bytes = rng.bytes(48);
        let ty = &types[rng.below(types.len())];
        assert_decoded_value_round_trips(&bytes, ty);
    }
    for _ in 0..10_000 {
        let (ty, seed) = &seeds[rng.below(seeds.len())];
        let mut bytes = rng.mutate(seed);
        if rng.below(2) == 0 {
            bytes = rng.mutate(&bytes);
        }
        assert_decoded_value_round_trips(&bytes, ty);
    }
}
