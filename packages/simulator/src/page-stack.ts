import type { AxmlElement } from './axml-parser.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { type PageHost, PageInstance } from './page-instance.js';

/** What the page stack needs from its instance. */
export interface PageStackHost extends PageHost {
  /** Copies initial page data into the app's realm. */
  clone(v: unknown): unknown;
  /** A page was loaded or unloaded. */
  pageEvent(route: string, action: 'load' | 'unload'): void;
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
    this.host.defer(() => page.lifecycle('onReady'));
  }

  private close(page: PageInstance): void {
    page.lifecycle('onUnload');
    this.host.pageClosed(page);
    this.host.pageEvent(page.route, 'unload');
  }

  /** `my.navigateTo` / `redirectTo` / `reLaunch` / `navigateBack` with their `url` or `delta`. */
  navigate(kind: string, args: Record<string, unknown>): void {
    const [path = '', qs = ''] = String(args['url'] ?? '').split('?');
    const route = path.replace(/^\//, '');
    const query = Object.fromEntries(new URLSearchParams(qs));
    if (kind === 'navigateBack') {
      const delta = Math.max(1, Number(args['delta'] ?? 1));
      for (let i = 0; i < delta && this.stack.length > 1; i++) this.close(this.stack.pop()!);
      this.top.lifecycle('onShow');
      return;
    }
    if (kind === 'navigateTo') this.top.lifecycle('onHide');
    else if (kind === 'redirectTo') this.close(this.stack.pop()!);
    else while (this.stack.length > 0) this.close(this.stack.pop()!);
    this.open(route, query);
  }
}
