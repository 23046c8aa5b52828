//! Decodes arbitrary bytes as msgpack, after a type selector byte.
//! The body is `terraform_provider_ci::fuzzing::msgpack_round_trip`, which the test
//! suite also runs over this target's corpus.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_ci::fuzzing::msgpack_round_trip(data);
});
