#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so a clone works without a build step.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
// V8's young generation capped at 4 MB per semi-space (as scripts/start.sh and the systemd unit do):
// about 0.4 MB less per call on the media path for about the same CPU (BENCHMARKS.md). NODE_OPTIONS may set another size.
const semi = /max-semi-space-size/.test(process.env.NODE_OPTIONS ?? '') ? [] : ['--max-semi-space-size=4'];
const child = spawn(
  process.execPath,
  [...semi, '--conditions=source', '--import', 'tsx', entry, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
