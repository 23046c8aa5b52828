#!/usr/bin/env bash
# The README's main job; see scripts/demo.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .tools/venv/bin/python scripts/demo.py
