#!/usr/bin/env bash
# Builds the SDK's mini-program bundle (copied into the example app, which loads it from libs/ as an
# Alipay mini-program would), the console's static files, and the server (compiled JavaScript that
# `npm start` and the systemd unit run with plain node).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent -w packages/sdk
mkdir -p examples/alipay-1v1/libs
cp packages/sdk/dist/ZegoExpressMiniProgram.js examples/alipay-1v1/libs/ZegoExpressMiniProgram.js
if [ -f packages/console/package.json ] && grep -q '"build"' packages/console/package.json; then
  npm run build --silent -w packages/console >/dev/null
fi
node scripts/build-cli.mjs
