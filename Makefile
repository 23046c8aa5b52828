# The two commands the README documents, plus their parts.
#
#   make demo   start the emulators, build the provider, apply the example
#               platform, show outputs and an empty plan, destroy, stop
#   make test   formatting, clippy, unit and protocol tests, acceptance tests
#
# Everything they need is installed on first use into .tools/ (ignored).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: demo test tools build lint unit acceptance docs bench package

demo: tools build
	scripts/demo.sh

test: tools lint unit build acceptance

tools:
	scripts/setup-tools.sh

build:
	cargo build --workspace --bins

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

unit:
	cargo test --workspace

acceptance: build
	scripts/test-acceptance.sh

# Regenerates docs/ from the schemas' descriptions (a test fails when stale).
docs:
	UPDATE_DOCS=1 cargo test --test docs

# The figures of issue 9 (docs/performance.md); not part of `make test`.
# First the provider process (cargo bench: handshake, schema, memory), then
# a 200-account platform planned by real Terraform against moto and the
# stand-in behind counting, latency-adding proxies (bench/platform_bench.py).
# Both print into one table. The binaries are built on their own first:
# test builds add crate features (aws-lc key generation in rcgen) that a
# release does not have. BENCH_ARGS passes options, e.g. BENCH_ARGS=--runs=5.
BENCH_ARGS ?=

bench: tools
	cargo build --release --bin terraform-provider-ci
	cargo build --release -p kube-standin
	mkdir -p target/bench
	cp target/release/terraform-provider-ci target/bench/terraform-provider-ci
	PROVIDER_BIN=$(CURDIR)/target/bench/terraform-provider-ci \
		cargo bench --bench provider | tee target/bench/provider.txt
	KUBE_STANDIN_BIN=$(CURDIR)/target/release/kube-standin \
		.tools/venv/bin/python bench/platform_bench.py \
		--provider-dir target/bench \
		--provider-figures target/bench/provider.txt \
		--json target/bench/platform.json $(BENCH_ARGS) \
		| tee target/bench/table.txt

# Release artifacts in dist/: the linux_amd64 zip, its SHA256SUMS and the
# protocol 6.0 manifest, from a release build (see scripts/package.sh).
package:
	scripts/package.sh
