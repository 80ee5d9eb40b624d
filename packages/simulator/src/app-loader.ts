import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { build, transform } from 'esbuild';
import type { Plugin } from 'esbuild';
import { type AxmlElement, parseAxml } from './axml-parser.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';

/** A mini-program directory read and bundled, ready to run in any number of instances. */
export interface LoadedApp {
  dir: string;
  /** The parsed app.json. */
  appJson: { pages: string[]; window?: Record<string, unknown> } & Record<string, unknown>;
  /** One script: app.js and every page's js with their imports, with page markers between them. */
  script: string;
  /** Parsed AXML per page route. */
  templates: Map<string, AxmlElement>;
}

/** Name of the global the bundle calls before each page's code, so `Page()` knows its route. */
export const MARK_GLOBAL = '__minirtcRoute';

/**
 * Name of the global a module that exports `ZegoExpressEngine` hands its exports to once it has run, so
 * the simulator can report the engine's events (scenario waits on SDK events). Works for ZEGO's own file
 * and MiniRTC's bundle alike: it only uses the engine's public `on`.
 */
export const SDK_HOOK_GLOBAL = '__minirtcSdkExports';

// `import x`, `import {`, `import '…'`, `export …`, `export{` at a statement start (not `exports.x`).
const ESM_SYNTAX = /(^|[\n;])\s*(import\s*[\w{*'"]|export(\s|\s*[{*]))/;

/**
 * Compiles one app file as the Alipay IDE does: ES module syntax becomes CommonJS, so a named import the
 * other module does not export is `undefined` at run time instead of a build error, and modules run in
 * `require` order. A file that exports `ZegoExpressEngine` gets a footer handing its exports to the
 * simulator's SDK hook.
 */
async function compileAppFile(path: string, source: string): Promise<string> {
  let code = source;
  if (ESM_SYNTAX.test(source)) {
    const out = await transform(source, {
      format: 'cjs',
      loader: 'js',
      target: 'es2018',
      sourcefile: path,
      logLevel: 'silent',
    });
    code = out.code;
  }
  if (source.includes('ZegoExpressEngine')) {
    code += `\n;if (typeof ${SDK_HOOK_GLOBAL} === 'function') ${SDK_HOOK_GLOBAL}(module.exports);\n`;
  }
  return code;
}

/**
 * Loads the app's own files in a namespace of their own. A mini-program is not a Node package: a
 * `"type": "module"` in some package.json above its directory must not turn its CommonJS files (such as
 * ZEGO's `libs/ZegoExpressMiniProgram.js`) into ES modules, as esbuild would for files it resolves itself.
 * Import syntax alone decides, as the Alipay IDE's bundler does.
 */
function miniProgramFiles(dir: string): Plugin {
  const inside = (p: string) => p === dir || p.startsWith(dir + sep);
  return {
    name: 'mini-program-files',
    setup(b) {
      // `/utils/x` is a path from the mini-program's root on the device, not from the file system's.
      b.onResolve({ filter: /^(\.{1,2})?\// }, async (args) => {
        if (args.pluginData === 'inner' || !inside(args.resolveDir)) return undefined;
        const fromRoot = args.path.startsWith('/') && !inside(args.path);
        const r = await b.resolve(fromRoot ? `.${args.path}` : args.path, {
          resolveDir: fromRoot ? dir : args.resolveDir,
          kind: args.kind,
          pluginData: 'inner',
        });
        if (r.errors.length > 0 || !inside(r.path) || !/\.(js|mjs|cjs)$/.test(r.path)) return r;
        return { path: r.path, namespace: 'mini-program' };
      });
      b.onLoad({ filter: /.*/, namespace: 'mini-program' }, async (args) => ({
        contents: await compileAppFile(args.path, await readFile(args.path, 'utf8')),
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Reads and bundles a mini-program. The entry `require`s app.js then each page in app.json order, calling
 * {@link MARK_GLOBAL} before each: esbuild keeps `require` order, so a `Page()` call is attributed to the
 * page whose module is being evaluated. `platform: 'neutral'` means a `require` of a Node built-in fails
 * at bundle time — a mini-program has none.
 */
export async function loadApp(appDir: string): Promise<LoadedApp> {
  const dir = resolve(appDir);
  let appJson: LoadedApp['appJson'];
  try {
    appJson = JSON.parse(await readFile(join(dir, 'app.json'), 'utf8')) as LoadedApp['appJson'];
  } catch (e) {
    throw new SimulatorError(SimulatorErrorCode.APP_LOAD_FAILED, `${dir}/app.json: ${(e as Error).message}`);
  }
  if (!Array.isArray(appJson.pages) || appJson.pages.length === 0) {
    throw new SimulatorError(SimulatorErrorCode.APP_LOAD_FAILED, `${dir}/app.json lists no pages`);
  }
  const templates = new Map<string, AxmlElement>();
  const lines = [`${MARK_GLOBAL}('app');`, "require('./app');"];
  for (const route of appJson.pages) {
    let axml: string;
    try {
      axml = await readFile(join(dir, `${route}.axml`), 'utf8');
    } catch {
      throw new SimulatorError(SimulatorErrorCode.APP_LOAD_FAILED, `page ${route}: ${route}.axml not found`);
    }
    templates.set(route, parseAxml(axml, `${route}.axml`));
    lines.push(`${MARK_GLOBAL}(${JSON.stringify(route)});`, `require(${JSON.stringify(`./${route}`)});`);
  }
  try {
    const out = await build({
      stdin: { contents: lines.join('\n'), resolveDir: dir, sourcefile: '__minirtc_entry.js', loader: 'js' },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      mainFields: ['browser', 'module', 'main'],
      target: 'es2018',
      logLevel: 'silent',
      plugins: [miniProgramFiles(dir)],
    });
    return { dir, appJson, script: out.outputFiles[0]!.text, templates };
  } catch (e) {
    throw new SimulatorError(
      SimulatorErrorCode.APP_LOAD_FAILED,
      `bundling ${dir} failed: ${(e as Error).message}`,
    );
  }
}
