#!/usr/bin/env bash
# Runs the whole platform on embedded defaults (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node
exec node --conditions=source --import tsx packages/cli/src/bin.ts start "$@"
