// Builds the one-file mini-program SDK: dist/ZegoExpressMiniProgram.js (ES2015, minified, CommonJS
// exports, no Node built-ins, no `ws`) and writes its sizes to dist/size.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { privateMemberNames } from './private-names.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'ZegoExpressMiniProgram.js');
mkdirSync(dirname(outfile), { recursive: true });

/**
 * `@minirtc/protocol` is pure (no side effects at import), but its package.json does not say so, so
 * esbuild would keep code the SDK never uses. Mark its modules side-effect free. The SDK imports only
 * `@minirtc/protocol/lite` (no message schemas); an import of the full entry fails the build.
 */
function protocolIsPure() {
  return {
    name: 'protocol-is-pure',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) =>
        /packages\/protocol\/src\//.test(args.importer)
          ? { sideEffects: false, path: resolveTs(args) }
          : undefined,
      );
      b.onResolve({ filter: /^@minirtc\/protocol\/lite$/ }, () => ({
        path: join(root, '..', 'protocol', 'src', 'lite.ts'),
        sideEffects: false,
      }));
      b.onResolve({ filter: /^@minirtc\/protocol$/ }, (args) => ({
        errors: [
          { text: `${args.importer}: import '@minirtc/protocol/lite' (the bundle has no message schemas)` },
        ],
      }));
    },
  };
}

/** `./x.js` inside protocol → the `./x.ts` source next to the importer. */
function resolveTs(args) {
  return join(dirname(args.importer), args.path.replace(/\.js$/, '.ts'));
}

/**
 * Private members (`this.scheduleAttempt`, `this.readyWaiters` …) are shortened: ~2 KB of the bundle.
 * Only names that never cross the bundle's edge are touched (see private-names.mjs).
 */
const mangled = privateMemberNames(join(root, 'src'), join(root, '..', 'protocol', 'src'));

const result = await build({
  entryPoints: [join(root, 'src', 'bundle-entry.ts')],
  outfile,
  bundle: true,
  format: 'cjs',
  target: 'es2015',
  minify: true,
  // Resolve workspace packages to their TypeScript sources (no prior tsc build needed).
  conditions: ['source'],
  // 'neutral' refuses to guess Node built-ins; any import of one fails the build instead.
  platform: 'neutral',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  // Plain `this.x = …` for class fields: ES2015 has no class fields, and define-semantics helpers
  // cost bytes on every field for no behaviour the SDK relies on.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  mangleProps: new RegExp(`^(?:${mangled.join('|')})$`),
  metafile: true,
  plugins: [protocolIsPure()],
  logLevel: 'warning',
});

const code = readFileSync(outfile);
const text = code.toString('utf8');
// Guard the promises made above: the mini-program has no require() for Node modules.
const forbidden = [/require\(\s*["'](?:node:|ws\b|fs\b|net\b|crypto\b|http\b|events\b)/, /\bimport\(/];
for (const re of forbidden) {
  if (re.test(text)) throw new Error(`bundle contains a forbidden reference: ${re}`);
}
const inputs = Object.keys(result.metafile.inputs);
const nodeInputs = inputs.filter((p) => /platform-node|node_modules\/ws\//.test(p));
if (nodeInputs.length) throw new Error(`bundle includes Node-only modules: ${nodeInputs.join(', ')}`);

const gz = gzipSync(code, { level: 9 });
const size = {
  file: 'ZegoExpressMiniProgram.js',
  minifiedBytes: code.length,
  gzipBytes: gz.length,
  minifiedKB: Math.round((code.length / 1024) * 10) / 10,
  gzipKB: Math.round((gz.length / 1024) * 10) / 10,
  zegoReference: { minifiedKB: 451, gzipKB: 112 },
  inputs: inputs.length,
  shortenedMembers: mangled.length,
};
writeFileSync(join(root, 'dist', 'size.json'), `${JSON.stringify(size, null, 2)}\n`);
console.log(
  `ZegoExpressMiniProgram.js: ${size.minifiedKB} KB minified, ${size.gzipKB} KB gzipped (ZEGO: 451 KB / 112 KB)`,
);
