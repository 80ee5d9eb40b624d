#!/usr/bin/env bash
# Fails when any import cycle exists, within a package or across packages (workspace imports are
# mapped to their sources by tsconfig.cycles.json). Type-only imports count: a cycle of types is
# still a knot a newcomer has to untie.
set -euo pipefail
cd "$(dirname "$0")/.."
npx madge --circular --no-spinner --extensions ts --ts-config tsconfig.cycles.json packages/*/src
