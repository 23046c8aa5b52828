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

# Figures for the provider process (see docs/performance.md). The binary is
# built on its own first: test builds add crate features (aws-lc key
# generation in rcgen) that a release does not have.
bench:
	cargo build --release --bin terraform-provider-ci
	cp target/release/terraform-provider-ci target/bench-provider
	PROVIDER_BIN=$(CURDIR)/target/bench-provider cargo bench --bench provider

# Release artifacts in dist/: the linux_amd64 zip, its SHA256SUMS and the
# protocol 6.0 manifest, from a release build (see scripts/package.sh).
package:
	scripts/package.sh
