//! Decodes arbitrary bytes as a resource configuration, the way Terraform
//! sends one, then validates and plans it: neither may panic, whatever
//! the input. The first byte picks the resource; the rest is msgpack of
//! that resource's schema type.

#![no_main]

use libfuzzer_sys::fuzz_target;
use terraform_provider_ci::resources::{self, Context};
use terraform_provider_ci::value::{Value, msgpack};
use tokio_util::sync::CancellationToken;

fuzz_target!(|data: &[u8]| {
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
    // A plan needs no backend: it must be pure.
    let context = Context {
        backends: None,
        stop: CancellationToken::new(),
    };
    let _ = resource.plan(&context, &config, &Value::Null, config.clone());
});
