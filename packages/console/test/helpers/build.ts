import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console package directory. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where `vite build` writes the console. */
export const DIST_DIR = join(PACKAGE_DIR, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the console unless `dist/` is newer than every source, so the tests never drive a stale or
 * missing build (the root test script may also build first; then this is a no-op).
 */
export function ensureBuilt(): void {
  const index = join(DIST_DIR, 'index.html');
  const sources = Math.max(
    newestMtime(join(PACKAGE_DIR, 'src')),
    statSync(join(PACKAGE_DIR, 'index.html')).mtimeMs,
    statSync(join(PACKAGE_DIR, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: PACKAGE_DIR,
    stdio: 'inherit',
  });
}
