#!/usr/bin/env bash
# Runs the whole platform on embedded defaults (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node
# The console and the SDK bundle are the only built parts; build them once on a fresh clone.
if [ ! -f packages/console/dist/index.html ] || [ ! -f packages/sdk/dist/ZegoExpressMiniProgram.js ]; then
  echo "[minirtc] building the console and the SDK bundle (first start)" >&2
  bash scripts/build.sh >&2
fi
exec node --conditions=source --import tsx packages/cli/src/bin.ts start "$@"
