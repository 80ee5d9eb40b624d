#!/usr/bin/env bash
# Benchmarks (not part of npm test): see BENCHMARKS.md.
#   npm run bench                # fan-out: one stream, N players
#   npm run bench -- calls       # C concurrent 1v1 calls
#   npm run bench -- relay-latency  # publisher socket → player latency at 1 and 500 players
#   npm run bench -- signaling-nodes  # logins/s and broadcast fan-out with 1 and 2 signaling nodes on Redis
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh node ffmpeg bench redis
mode="${1:-fanout}"
case "$mode" in
  fanout | calls | relay-latency | signaling-nodes) shift || true ;;
  *) mode=fanout ;;
esac
exec node --conditions=source --import tsx "bench/$mode.ts" "$@"
