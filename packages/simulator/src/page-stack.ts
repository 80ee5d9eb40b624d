import type { AxmlElement } from './axml-parser.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { type PageHost, PageInstance } from './page-instance.js';

/** What the page stack needs from its instance. */
export interface PageStackHost extends PageHost {
  /** Copies initial page data into the app's realm. */
  clone(v: unknown): unknown;
  /** A page was loaded or unloaded. */
  pageEvent(route: string, action: 'load' | 'ready' | 'unload'): void;
  /** A page left the stack: its components go with it. */
  pageClosed(page: PageInstance): void;
}

/**
 * The page stack of one instance and the navigation APIs over it, with the device's lifecycle order:
 * a new page renders, then gets `onLoad(query)`, `onShow`, and `onReady` on a later task; the page it
 * covers gets `onHide`; a page that leaves gets `onUnload`; the one uncovered gets `onShow`.
 */
export class PageStack {
  /** `Page()` registrations by route. */
  readonly registry = new Map<string, Record<string, unknown>>();
  private readonly stack: PageInstance[] = [];

  constructor(
    private readonly templates: Map<string, AxmlElement>,
    private readonly host: PageStackHost,
  ) {}

  /** The pages, bottom first. */
  get pages(): readonly PageInstance[] {
    return this.stack;
  }

  /** The page on top. */
  get top(): PageInstance {
    const p = this.stack[this.stack.length - 1];
    if (p === undefined) throw new SimulatorError(SimulatorErrorCode.PAGE_NOT_FOUND, 'no page is open');
    return p;
  }

  /** Pushes and starts the page at `route`; an unknown route is reported, as the device logs it. */
  open(route: string, query: Record<string, string>): void {
    const options = this.registry.get(route);
    const template = this.templates.get(route);
    if (options === undefined || template === undefined) {
      const e = new SimulatorError(SimulatorErrorCode.PAGE_NOT_FOUND, `no Page() for route '${route}'`);
      this.host.reportError(e, 'navigate');
      return;
    }
    const page = new PageInstance(route, options, template, this.host, query, (v) => this.host.clone(v));
    this.stack.push(page);
    page.render();
    this.host.pageEvent(route, 'load');
    page.lifecycle('onLoad', { ...query });
    page.lifecycle('onShow');
    this.host.defer(() => {
      page.lifecycle('onReady');
      page.markReady();
      this.host.pageEvent(route, 'ready');
    });
  }

  private close(page: PageInstance): void {
    page.lifecycle('onUnload');
    this.host.pageClosed(page);
    this.host.pageEvent(page.route, 'unload');
  }

  /**
   * Resolves a navigation call against the page on top now, as the device does: `url` may be absolute
   * from the app root (`/pages/call/index`), relative to the current page's directory
   * (`../call/index`, `index?x=1`), or a bare route (`pages/call/index`) when that route exists. Its query
   * string becomes the new page's `onLoad` argument. Returns the plan, or why the device would fail the
   * call (unknown page, `navigateBack` on the only page is allowed and does nothing).
   */
  plan(kind: string, args: Record<string, unknown>): NavigationPlan | { error: string } {
    if (kind === 'navigateBack') {
      const delta = Math.max(1, Math.floor(Number(args['delta'] ?? 1)) || 1);
      return { kind, route: '', query: {}, delta };
    }
    const url = String(args['url'] ?? '');
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const qs = q === -1 ? '' : url.slice(q + 1);
    const here = this.stack[this.stack.length - 1]?.route ?? '';
    const route = resolveRoute(path, here, (r) => this.registry.has(r) && this.templates.has(r));
    if (route === undefined) {
      return {
        error: `no Page() for route '${path.replace(/^\//, '')}' (url '${url}' from ${here || 'app'})`,
      };
    }
    if (kind === 'switchTab' && this.tabPages !== undefined && !this.tabPages.has(route)) {
      return { error: `switchTab: '${route}' is not a tabBar page` };
    }
    return { kind, route, query: Object.fromEntries(new URLSearchParams(qs)), delta: 0 };
  }

  /** Pages app.json lists in its tabBar, for `switchTab` (undefined: no tabBar). */
  tabPages: Set<string> | undefined;

  /** Carries out a {@link PageStack.plan}: lifecycles in the device's order. */
  apply(p: NavigationPlan): void {
    if (p.kind === 'navigateBack') {
      for (let i = 0; i < p.delta && this.stack.length > 1; i++) this.close(this.stack.pop()!);
      this.top.lifecycle('onShow');
      return;
    }
    if (p.kind === 'navigateTo') this.top.lifecycle('onHide');
    else if (p.kind === 'redirectTo') this.close(this.stack.pop()!);
    else while (this.stack.length > 0) this.close(this.stack.pop()!);
    this.open(p.route, p.query);
  }
}

/** A navigation resolved at call time. */
export interface NavigationPlan {
  kind: string;
  route: string;
  query: Record<string, string>;
  delta: number;
}

/**
 * A page path as the device resolves it from the page `from` (e.g. `pages/home/index`): a leading `/`
 * is from the app root, a path starting with `.` is relative to the current page's directory; any other
 * path is tried relative to it first, then from the root. `.js`/`.axml` suffixes are ignored.
 */
export function resolveRoute(
  path: string,
  from: string,
  exists: (route: string) => boolean,
): string | undefined {
  const clean = path.replace(/\.(js|axml)$/, '');
  const norm = (parts: string[]): string | undefined => {
    const out: string[] = [];
    for (const part of parts) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (out.length === 0) return undefined;
        out.pop();
      } else out.push(part);
    }
    return out.join('/');
  };
  const dir = from.split('/').slice(0, -1);
  const candidates = clean.startsWith('/')
    ? [norm(clean.split('/'))]
    : clean.startsWith('.')
      ? [norm([...dir, ...clean.split('/')])]
      : [norm([...dir, ...clean.split('/')]), norm(clean.split('/'))];
  return candidates.find((c): c is string => c !== undefined && c !== '' && exists(c));
}
