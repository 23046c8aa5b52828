//! Figures for the provider process itself: exec to handshake line,
//! `GetProviderSchema` time and size, resident memory after it, binary size.
//!
//! Run with `cargo bench --bench provider` (it measures the binary of the
//! profile it was built with: use the release profile for real figures).
//! Prints a table of min / median / max over repeated runs.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use prost::Message as _;
use support::{ClientIdentity, connect, launch, provider_client};
use terraform_provider_ci::proto::tfplugin6 as pb;

const RUNS: usize = 20;

fn main() {
    let client = ClientIdentity::like_terraform();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let mut handshakes = Vec::new();
    let mut schema_times = Vec::new();
    let mut rss_kib = Vec::new();
    let mut schema_bytes = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let plugin = launch(Some(&client));
        handshakes.push(started.elapsed());

        runtime.block_on(async {
            let channel = connect(&plugin, Some(&client)).await.expect("connects");
            let mut provider = provider_client(channel);
            let asked = Instant::now();
            let request = pb::get_provider_schema::Request {};
            let schema = provider.get_provider_schema(request).await.expect("schema");
            schema_times.push(asked.elapsed());
            schema_bytes = schema.into_inner().encoded_len();
        });
        rss_kib.push(resident_kib(plugin.child.id()));
    }

    let binary = std::fs::metadata(support::binary())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("binary: {}", support::binary());
    println!(
        "{:<38} {:>10} {:>10} {:>10}",
        "figure", "min", "median", "max"
    );
    print_durations("exec to handshake line (ms)", &mut handshakes);
    print_durations("GetProviderSchema (ms)", &mut schema_times);
    print_numbers("RSS after GetProviderSchema (KiB)", &mut rss_kib);
    println!(
        "{:<38} {:>10}",
        "GetProviderSchema response (bytes)", schema_bytes
    );
    println!("{:<38} {:>10}", "binary size (bytes)", binary);
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap_or("");
    line.split_whitespace()
        .nth(1)
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn print_durations(label: &str, values: &mut [Duration]) {
    let mut millis: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    millis.sort_by(f64::total_cmp);
    let median = millis[millis.len() / 2];
    println!(
        "{label:<38} {:>10.2} {median:>10.2} {:>10.2}",
        millis[0],
        millis[millis.len() - 1]
    );
}

fn print_numbers(label: &str, values: &mut [u64]) {
    values.sort_unstable();
    let median = values[values.len() / 2];
    println!(
        "{label:<38} {:>10} {median:>10} {:>10}",
        values[0],
        values[values.len() - 1]
    );
}
