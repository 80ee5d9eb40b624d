#!/usr/bin/env bash
# Benchmarks (not part of npm test): see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node ffmpeg bench
exec node --conditions=source --import tsx bench/fanout.ts "$@"
