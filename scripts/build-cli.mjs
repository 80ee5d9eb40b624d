// Production build of the CLI (signaling, REST, gateway, doctor): one ESM file run with plain `node`,
// no TypeScript loader. Workspace packages are bundled from their TypeScript sources; every npm
// dependency stays external and is loaded from node_modules as installed (native better-sqlite3,
// fastify's and pino's own files).
import { build } from 'esbuild';

const external = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@minirtc/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const t0 = Date.now();
await build({
  // The loadtest probe runs in a worker thread and needs a file of its own beside the CLI.
  entryPoints: {
    minirtc: 'packages/cli/src/bin.ts',
    'loadtest-probe-main': 'packages/cli/src/loadtest-probe-main.ts',
  },
  outdir: 'packages/cli/dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  sourcemap: true,
  plugins: [external],
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
process.stderr.write(`[minirtc] built packages/cli/dist/minirtc.js in ${Date.now() - t0} ms\n`);
