#!/usr/bin/env bash
# The whole test suite: lint, typecheck, then every package's tests with real processes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node ffmpeg chromium nginx openssl rtmpdump gstreamer nginx-rtmp bench redis postgres ss
echo "== lint (biome)"
npx biome check .
echo "== typecheck (tsc strict)"
npx tsc -p tsconfig.json
npx tsc -p packages/console/tsconfig.json
npx tsc -p packages/console/tsconfig.test.json
echo "== import cycles (madge)"
bash scripts/check-cycles.sh
echo "== build (SDK bundle → examples/alipay-1v1/libs, console)"
bash scripts/build.sh
echo "== tests"
# The console's browser test saves a screenshot per page; keep a run's copies out of the work tree
# (`npm test -w packages/console` on its own refreshes the committed docs/screenshots/).
export MINIRTC_SCREENSHOTS_DIR="${MINIRTC_SCREENSHOTS_DIR:-$(mktemp -d)}"
shopt -s nullglob
files=(packages/*/test/*.test.ts)
# Files run in parallel: most of their time is spent waiting on sockets, ffmpeg and Chromium, not on CPU.
# Every wait is on an event with a bound, so a busy machine makes a run slower, not red.
concurrency="${MINIRTC_TEST_CONCURRENCY:-3}"
exec node --conditions=source --import tsx --test --test-concurrency="$concurrency" --test-timeout=180000 \
  --test-reporter=spec "${files[@]}"
