//! Round trips against the text go-cty writes, the lenient forms older
//! state holds, errors with their paths, and a bounded random run that
//! must never panic.

use super::{DecodeError, EncodeError, MAX_DEPTH, decode, encode};
use crate::value::test_support::Xorshift;
use crate::value::{Number, Path, Type, Value};

fn number(text: &str) -> Value {
    Value::Number(Number::parse(text).unwrap())
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

/// (what, type, value, the exact text go-cty writes for it)
fn round_trip_cases() -> Vec<(&'static str, Type, Value, String)> {
    vec![
        ("null", Type::String, Value::Null, "null".into()),
        (
            "string",
            Type::String,
            Value::string("a \"quoted\"\nline"),
            r#""a \"quoted\"\nline""#.into(),
        ),
        (
            "control character",
            Type::String,
            Value::string("\u{1}"),
            r#""\u0001""#.into(),
        ),
        ("bool", Type::Bool, Value::Bool(false), "false".into()),
        ("integer", Type::Number, Value::from(-42), "-42".into()),
        ("decimal", Type::Number, number("0.1"), "0.1".into()),
        (
            "beyond i64",
            Type::Number,
            number("123456789012345678901234567890"),
            "123456789012345678901234567890".into(),
        ),
        (
            "beyond f64",
            Type::Number,
            number("-1e400"),
            format!("-1{}", "0".repeat(400)),
        ),
        (
            "tiny",
            Type::Number,
            number("1e-30"),
            format!("0.{}1", "0".repeat(29)),
        ),
        (
            "list",
            Type::list(Type::Number),
            Value::list([Value::from(1), Value::Null]),
            "[1,null]".into(),
        ),
        (
            "set",
            Type::set(Type::String),
            Value::set([Value::string("b"), Value::string("a")]),
            r#"["b","a"]"#.into(),
        ),
        (
            "map",
            Type::map(Type::Bool),
            Value::map([("z", Value::Bool(true)), ("a", Value::Bool(false))]),
            r#"{"a":false,"z":true}"#.into(),
        ),
        (
            "tuple",
            Type::Tuple(vec![Type::String, Type::Number]),
            Value::Tuple(vec![Value::string("x"), Value::from(2)]),
            r#"["x",2]"#.into(),
        ),
        (
            "nested blocks",
            node_pool_type(),
            node_pool(),
            concat!(
                r#"{"group":[{"instance_types":["m5.large"],"size":3}],"#,
                r#""name":"ci","tags":{"team":"build"}}"#,
            )
            .into(),
        ),
        (
            "dynamic",
            Type::Dynamic,
            Value::dynamic(Type::list(Type::String), Value::list([Value::string("a")])),
            r#"{"value":["a"],"type":["list","string"]}"#.into(),
        ),
        (
            "dynamic typed null",
            Type::Dynamic,
            Value::dynamic(Type::String, Value::Null),
            r#"{"value":null,"type":"string"}"#.into(),
        ),
        (
            "dynamic untyped null",
            Type::Dynamic,
            Value::Null,
            "null".into(),
        ),
        (
            "dynamic holding an object",
            Type::object([("v", Type::Dynamic)]),
            Value::object([(
                "v",
                Value::dynamic(
                    Type::object([("n", Type::Number)]),
                    Value::object([("n", Value::from(1))]),
                ),
            )]),
            r#"{"v":{"value":{"n":1},"type":["object",{"n":"number"}]}}"#.into(),
        ),
    ]
}

#[test]
fn values_round_trip_through_the_text_go_cty_writes() {
    for (what, ty, value, text) in round_trip_cases() {
        let encoded = encode(&value, &ty).expect(what);
        assert_eq!(String::from_utf8(encoded).unwrap(), text, "encoding {what}");
        assert_eq!(
            decode(text.as_bytes(), &ty).expect(what),
            value,
            "decoding {what}"
        );
    }
}

#[test]
fn state_written_leniently_decodes() {
    let cases = [
        (
            "missing attributes are null",
            node_pool_type(),
            r#"{"name":"ci"}"#,
            {
                Value::object([
                    ("name", Value::string("ci")),
                    ("tags", Value::Null),
                    ("group", Value::Null),
                ])
            },
        ),
        (
            "numbers as strings",
            Type::Number,
            r#""1.50""#,
            number("1.5"),
        ),
        ("exponents", Type::Number, "2.5E+3", Value::from(2500)),
        (
            "numbers as string values",
            Type::String,
            "7.50",
            Value::string("7.50"),
        ),
        (
            "bools as string values",
            Type::String,
            "true",
            Value::string("true"),
        ),
        ("bools as strings", Type::Bool, r#""1""#, Value::Bool(true)),
        (
            "bools as false strings",
            Type::Bool,
            r#""false""#,
            Value::Bool(false),
        ),
        (
            "whitespace",
            Type::list(Type::Number),
            " [ 1 ,\n\t2 ] \n",
            Value::list([Value::from(1), Value::from(2)]),
        ),
        (
            "set duplicates",
            Type::set(Type::Number),
            "[1, 1.0, 2]",
            Value::Set(vec![Value::from(1), Value::from(2)]),
        ),
        (
            "dynamic type first",
            Type::Dynamic,
            r#"{"type":"number","value":5}"#,
            Value::dynamic(Type::Number, Value::from(5)),
        ),
        (
            "dynamic object type with optional attributes",
            Type::Dynamic,
            r#"{"value":{"a":null},"type":["object",{"a":"string"},["a"]]}"#,
            Value::dynamic(
                Type::object([("a", Type::String)]),
                Value::object([("a", Value::Null)]),
            ),
        ),
        (
            "duplicate keys keep the last",
            Type::map(Type::Number),
            r#"{"a":1,"a":2}"#,
            Value::map([("a", Value::from(2))]),
        ),
        (
            "escaped keys",
            Type::map(Type::Number),
            r#"{"\u0061":1}"#,
            Value::map([("a", Value::from(1))]),
        ),
    ];
    for (what, ty, text, expected) in cases {
        assert_eq!(decode(text.as_bytes(), &ty), Ok(expected), "{what}");
    }
}

#[test]
fn decoding_errors_name_the_attribute_path() {
    let pool = node_pool_type();
    let cases = [
        (
            pool.clone(),
            r#"{"tags":{"team":[1]}}"#,
            r#"at tags["team"]: expected a string, got an array"#,
        ),
        (
            pool.clone(),
            r#"{"group":[{"size":"big"}]}"#,
            r#"at group[0].size: "big" is not a number"#,
        ),
        (
            pool.clone(),
            r#"{"nope":1}"#,
            r#"unexpected attribute "nope": the type has no such attribute"#,
        ),
        (pool.clone(), "[]", "expected an object, got an array"),
        (
            Type::Bool,
            r#""yes""#,
            r#"expected a bool, got the string "yes""#,
        ),
        (
            Type::Tuple(vec![Type::String]),
            r#"["a","b"]"#,
            "expected a tuple of 1 elements, got 2",
        ),
        (
            Type::Tuple(vec![Type::String, Type::String]),
            r#"["a"]"#,
            "expected a tuple of 2 elements, got 1",
        ),
        (
            Type::Dynamic,
            r#"{"value":1}"#,
            r#"a dynamic value is missing its "type""#,
        ),
        (
            Type::Dynamic,
            r#"{"type":"string"}"#,
            r#"a dynamic value is missing its "value""#,
        ),
        (
            Type::Dynamic,
            r#"{"value":1,"type":"number","x":2}"#,
            r#"unexpected key "x" in a dynamic value (expected "value" and "type")"#,
        ),
        (
            Type::map(Type::Dynamic),
            r#"{"k":{"value":1,"type":"numbr"}}"#,
            r#"at ["k"]: the type of a dynamic value is unreadable: "numbr" is not a type name"#,
        ),
        (
            Type::map(Type::Dynamic),
            r#"{"k":{"value":[1,"x"],"type":["list","number"]}}"#,
            r#"at ["k"][1]: "x" is not a number"#,
        ),
        (
            Type::Dynamic,
            "\"x\"",
            r#"expected a {"value": ..., "type": ...} object, got a string"#,
        ),
        (
            Type::list(Type::Number),
            "[1,]",
            "at [1]: invalid JSON at byte 3: expected a value",
        ),
        (
            Type::list(Type::Number),
            "[1 2]",
            "invalid JSON at byte 3: expected a comma or a closing bracket",
        ),
        (Type::String, "", "invalid JSON at byte 0: expected a value"),
        (
            Type::String,
            "\"a\" x",
            "unexpected text after the value at byte 4",
        ),
        (
            Type::Number,
            "01",
            "unexpected text after the value at byte 1",
        ),
        (
            Type::String,
            "nul",
            "invalid JSON at byte 0: expected true, false or null",
        ),
    ];
    for (ty, text, message) in cases {
        let error = decode(text.as_bytes(), &ty).expect_err(message);
        assert_eq!(error.to_string(), message, "{text}");
    }
}

#[test]
fn syntax_errors_inside_dynamic_values_count_bytes_from_the_start() {
    let text = br#"{"type":["list","number"],"value":[1,"#;
    let error = decode(text, &Type::Dynamic).unwrap_err();
    assert!(
        matches!(error, DecodeError::Syntax { offset: 37, .. }),
        "{error}"
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    assert_eq!(
        decode(b"\"ab\xff\"", &Type::String),
        Err(DecodeError::InvalidUtf8 { offset: 3 })
    );
}

#[test]
fn error_paths_are_structured_for_diagnostics() {
    let error = decode(br#"{"tags":{"team":1.5e}}"#, &node_pool_type()).unwrap_err();
    assert_eq!(*error.path(), Path::root().attribute("tags").key("team"));
}

#[test]
fn unknown_values_cannot_be_written() {
    let value = Value::object([("id", Value::unknown())]);
    let error = encode(&value, &Type::object([("id", Type::String)])).unwrap_err();
    assert_eq!(
        error,
        EncodeError::Unknown {
            path: Path::root().attribute("id")
        }
    );
    assert_eq!(
        error.to_string(),
        "at id: the value is unknown, and JSON can only hold known values"
    );
}

#[test]
fn nesting_beyond_the_limit_is_refused_not_overflowed() {
    let mut ty = Type::Number;
    for _ in 0..MAX_DEPTH + 10 {
        ty = Type::list(ty);
    }
    let text = format!(
        "{}1{}",
        "[".repeat(MAX_DEPTH + 10),
        "]".repeat(MAX_DEPTH + 10)
    );
    assert!(matches!(
        decode(text.as_bytes(), &ty),
        Err(DecodeError::TooDeep { .. })
    ));

    let layer = r#"{"type":["list","dynamic"],"value":["#;
    let text = format!("{}null{}", layer.repeat(MAX_DEPTH), "]}".repeat(MAX_DEPTH));
    assert!(decode(text.as_bytes(), &Type::Dynamic).is_err());
}

/// Whatever decodes must encode again and decode to the same value.
fn assert_decoded_value_round_trips(text: &[u8], ty: &Type) {
    if let Ok(value) = decode(text, ty) {
        let encoded = encode(&value, ty).expect("a decoded value encodes");
        assert_eq!(
            decode(&encoded, ty),
            Ok(value),
            "input {:?}",
            String::from_utf8_lossy(text)
        );
    }
}

/// Random text drawn mostly from JSON's own characters, so that some of
/// it parses.
fn random_json_ish(rng: &mut Xorshift) -> Vec<u8> {
    const PIECES: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "null",
        "true",
        "false",
        "0",
        "1",
        "-",
        ".",
        "e",
        "\"type\"",
        "\"value\"",
        "\"string\"",
        "\"name\"",
        "\"tags\"",
        " ",
        "u",
        "\u{e9}",
    ];
    let len = rng.below(24);
    (0..len)
        .flat_map(|_| PIECES[rng.below(PIECES.len())].bytes())
        .collect()
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = Xorshift::new(0x0d15_ea5e);
    let types = crate::fuzzing::decoder_types();
    let seeds: Vec<(Type, Vec<u8>)> = round_trip_cases()
        .into_iter()
        .map(|(_, ty, _, text)| (ty, text.into_bytes()))
        .collect();
    for round in 0..10_000 {
        let text = if round % 2 == 0 {
            rng.bytes(32)
        } else {
            random_json_ish(&mut rng)
        };
        let ty = &types[rng.below(types.len())];
        assert_decoded_value_round_trips(&text, ty);
    }
    for _ in 0..10_000 {
        let (ty, seed) = &seeds[rng.below(seeds.len())];
        let mut text = rng.mutate(seed);
        if rng.below(2) == 0 {
            text = rng.mutate(&text);
        }
        assert_decoded_value_round_trips(&text, ty);
    }
}
