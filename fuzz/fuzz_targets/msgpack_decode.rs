//! Decodes arbitrary bytes as msgpack: the decoder must answer Ok or Err,
//! never panic, and whatever it accepts must encode and decode again to the
//! same value.

#![no_main]

mod types;

use libfuzzer_sys::fuzz_target;
use terraform_provider_ci::value::msgpack;

fuzz_target!(|data: &[u8]| {
    let Some((ty, bytes)) = types::split(data) else {
        return;
    };
    if let Ok(value) = msgpack::decode(bytes, &ty) {
        let encoded = msgpack::encode(&value, &ty).expect("a decoded value encodes");
        assert_eq!(msgpack::decode(&encoded, &ty), Ok(value));
    }
});
