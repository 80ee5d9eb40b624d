#!/usr/bin/env bash
# The whole test suite: lint, typecheck, then every package's tests with real processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node ffmpeg
echo "== lint (biome)"
npx biome check .
echo "== typecheck (tsc strict)"
npx tsc -p tsconfig.json
if [ -f packages/console/tsconfig.json ]; then npx tsc -p packages/console/tsconfig.json; fi
echo "== build (SDK bundle → examples/alipay-1v1/libs, console)"
bash scripts/build.sh
echo "== tests"
shopt -s nullglob
files=(packages/*/test/*.test.ts)
exec node --conditions=source --import tsx --test --test-reporter=spec "${files[@]}"
