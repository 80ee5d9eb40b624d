#!/usr/bin/env bash
# Runs the whole platform on embedded defaults (see README), as compiled JavaScript on plain node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node
# The console and the SDK bundle: built once on a fresh clone.
if [ ! -f packages/console/dist/index.html ] || [ ! -f packages/sdk/dist/ZegoExpressMiniProgram.js ]; then
  echo "[minirtc] building the console and the SDK bundle (first start)" >&2
  bash scripts/build.sh >&2
fi
# The server: built on a fresh clone, and again only when a source file is newer than the build.
out=packages/cli/dist/minirtc.js
if [ ! -f "$out" ] || [ -n "$(find packages/*/src -name '*.ts' -newer "$out" -print -quit)" ]; then
  node scripts/build-cli.mjs
fi
# V8's young generation capped at 4 MB per semi-space: the media path then holds about 0.4 MB less per
# call for about the same CPU (-5 % to +10 % across runs; BENCHMARKS.md, calls); NODE_OPTIONS can set another size.
semi=--max-semi-space-size=4
case "${NODE_OPTIONS:-}" in *max-semi-space-size*) semi= ;; esac
exec node --enable-source-maps $semi "$out" start "$@"
