//! Decodes arbitrary bytes as state JSON, after a type selector byte.
//! The body is `terraform_provider_ci::fuzzing::json_round_trip`, which the test
//! suite also runs over this target's corpus.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_ci::fuzzing::json_round_trip(data);
});
