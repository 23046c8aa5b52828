//! Decodes arbitrary bytes as one resource's configuration, then validates
//! and plans it.
//! The body is `terraform_provider_ci::fuzzing::resource_config`, which the test
//! suite also runs over this target's corpus.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_ci::fuzzing::resource_config(data);
});
