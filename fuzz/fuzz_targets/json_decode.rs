//! Decodes arbitrary bytes as state JSON: the decoder must answer Ok or
//! Err, never panic, and whatever it accepts must encode and decode again
//! to the same value.

#![no_main]

mod types;

use libfuzzer_sys::fuzz_target;
use terraform_provider_ci::value::json;

fuzz_target!(|data: &[u8]| {
    let Some((ty, text)) = types::split(data) else {
        return;
    };
    if let Ok(value) = json::decode(text, &ty) {
        let encoded = json::encode(&value, &ty).expect("a decoded value encodes");
        assert_eq!(json::decode(&encoded, &ty), Ok(value));
    }
});
