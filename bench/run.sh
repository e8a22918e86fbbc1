#!/usr/bin/env bash
# The whole benchmark, peers included, in one run (about an hour with the defaults): see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/run.py "$@"
