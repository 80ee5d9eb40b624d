#!/usr/bin/env bash
# Builds the SDK's mini-program bundle (copied into every example app, which loads it from libs/ as an
# Alipay mini-program would), the console's static files, and the server (compiled JavaScript that
# `npm start` and the systemd unit run with plain node).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent -w packages/sdk
# Every example app gets the same file in its libs/, where its pages import it from.
for app in examples/*/; do
  [ -f "${app}app.json" ] || continue
  mkdir -p "${app}libs"
  cp packages/sdk/dist/ZegoExpressMiniProgram.js "${app}libs/ZegoExpressMiniProgram.js"
done
if [ -f packages/console/package.json ] && grep -q '"build"' packages/console/package.json; then
  npm run build --silent -w packages/console >/dev/null
fi
node scripts/build-cli.mjs
