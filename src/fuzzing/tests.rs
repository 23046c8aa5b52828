//! The bounded fuzz run of the test suite: every committed corpus input
//! through its target, then seeded mutations of them. The resource
//! configuration corpus starts from `fuzz/seeds.json`, valid configurations
//! of every resource, so that mutations reach validation and planning
//! rather than stopping at the decoder; a test keeps the two in step
//! (`UPDATE_FUZZ_CORPUS=1 cargo test fuzzing` rewrites the seeds' files).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::*;
use crate::schema::Block;
use crate::value::test_support::Xorshift;

/// Mutated inputs per target in the bounded run.
const MUTATIONS: usize = 4_000;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 3] = [
    ("msgpack_decode", msgpack_round_trip),
    ("json_decode", json_round_trip),
    ("resource_config", resource_config),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut inputs: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&path).expect("corpus file"))
        })
        .collect();
    inputs.sort();
    inputs
}

/// The seed configurations of one resource, in `fuzz/seeds.json`.
fn seeds() -> Vec<(String, Vec<Json>)> {
    let text = fs::read_to_string(fuzz_dir().join("seeds.json")).expect("fuzz/seeds.json");
    let json: serde_json::Map<String, Json> = serde_json::from_str(&text).expect("seeds JSON");
    json.into_iter()
        .map(|(name, configs)| (name, configs.as_array().expect("a list").clone()))
        .collect()
}

/// Keys of `json` that `block` has no attribute or block for, as paths.
fn unknown_keys(block: &Block, json: &Json, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Some(object) = json.as_object() else {
        return found;
    };
    for (key, value) in object {
        let path = format!("{at}.{key}");
        if block.attributes.iter().any(|a| &a.name == key) {
            continue;
        }
        match block.blocks.iter().find(|b| &b.name == key) {
            Some(nested) => {
                let items = value
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![value.clone()]);
                for item in &items {
                    found.extend(unknown_keys(&nested.block, item, &path));
                }
            }
            None => found.push(path),
        }
    }
    found
}

/// The corpus file of seed `index` of resource `position` in
/// [`resources::all`]: the selector byte, then the configuration's msgpack.
fn seed_input(position: usize, block: &Block, json: &Json) -> Vec<u8> {
    let value = crate::resources::testing::config(block, json);
    let mut input = vec![u8::try_from(position).expect("few resources")];
    input.extend(msgpack::encode(&value, &block.value_type()).expect("seed encodes"));
    input
}

#[test]
fn seeds_are_valid_configurations_that_plan() {
    let all = resources::all();
    let seeds = seeds();
    let names: Vec<_> = seeds.iter().map(|(name, _)| name.as_str()).collect();
    for resource in &all {
        assert!(
            names.contains(&resource.type_name()),
            "no seed for {}",
            resource.type_name()
        );
    }
    for (name, configs) in &seeds {
        let resource = all
            .iter()
            .find(|r| r.type_name() == name)
            .expect("a resource");
        let block = resource.schema().block;
        for (index, json) in configs.iter().enumerate() {
            let stray = unknown_keys(&block, json, name);
            assert!(
                stray.is_empty(),
                "{name} seed {index}: no such attribute {stray:?}"
            );
            let config = crate::resources::testing::config(&block, json);
            let diagnostics = resource.validate(&config);
            assert!(
                !diagnostics.has_errors(),
                "{name} seed {index}: {diagnostics:?}"
            );
            let context = Context {
                backends: None,
                stop: CancellationToken::new(),
            };
            let planned = resource.plan(&context, &config, &Value::Null, config.clone());
            assert!(
                planned.is_ok(),
                "{name} seed {index} does not plan: {planned:?}"
            );
        }
    }
}

#[test]
fn the_resource_config_corpus_holds_every_seed() {
    let all = resources::all();
    let dir = fuzz_dir().join("corpus").join("resource_config");
    let update = std::env::var_os("UPDATE_FUZZ_CORPUS").is_some();
    let mut stale = Vec::new();
    for (name, configs) in seeds() {
        let position = all
            .iter()
            .position(|r| r.type_name() == name)
            .expect("a resource");
        let block = all[position].schema().block;
        for (index, json) in configs.iter().enumerate() {
            let file = dir.join(format!("seed-{name}-{index}"));
            let input = seed_input(position, &block, json);
            if update {
                fs::write(&file, &input).expect("write seed");
            } else if fs::read(&file).ok().as_deref() != Some(input.as_slice()) {
                stale.push(file.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale fuzz seeds (run UPDATE_FUZZ_CORPUS=1 cargo test fuzzing): {stale:?}"
    );
}

#[test]
fn every_corpus_input_runs_through_its_target() {
    for (target, run) in TARGETS {
        let inputs = corpus(target);
        assert!(
            inputs.len() >= 3,
            "{target}: a corpus of {} inputs",
            inputs.len()
        );
        for (_, input) in &inputs {
            run(input);
        }
    }
}

#[test]
fn seeded_mutations_of_the_corpus_never_panic() {
    let mut rng = Xorshift::new(0xf022_5eed);
    for (target, run) in TARGETS {
        let inputs = corpus(target);
        for _ in 0..MUTATIONS {
            let (_, seed) = &inputs[rng.below(inputs.len())];
            let mut input = rng.mutate(seed);
            for _ in 0..rng.below(3) {
                input = rng.mutate(&input);
            }
            let outcome = std::panic::catch_unwind(|| run(&input));
            assert!(outcome.is_ok(), "{target} panicked on {input:02x?}");
        }
    }
}
