#!/usr/bin/env bash
# Builds what is not run from source: the SDK's mini-program bundle (copied into the example app, which
# loads it from libs/ as an Alipay mini-program would) and the console's static files.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent -w packages/sdk
mkdir -p examples/alipay-1v1/libs
cp packages/sdk/dist/ZegoExpressMiniProgram.js examples/alipay-1v1/libs/ZegoExpressMiniProgram.js
if [ -f packages/console/package.json ] && grep -q '"build"' packages/console/package.json; then
  npm run build --silent -w packages/console >/dev/null
fi
