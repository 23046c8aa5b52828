#!/usr/bin/env bash
# Run the acceptance tests: install the tools if needed, then pytest.
#
# Expects the provider and the Kubernetes stand-in to be built already
# (`cargo build`, which builds both into target/debug). Extra arguments go
# to pytest, e.g. `scripts/test-acceptance.sh -k moto -x`.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

"$repo/scripts/setup-tools.sh"

cd "$repo"
# exec: pytest's exit code is the script's.
exec "$repo/.tools/venv/bin/pytest" acceptance/tests -q -p no:cacheprovider "$@"
