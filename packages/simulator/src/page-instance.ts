import type { AppCallbacks } from './app-callbacks.js';
import type { AxmlElement } from './axml-parser.js';
import { allElements, type RenderElement, renderAxml, textContent } from './axml-render.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { applySetData } from './set-data-path.js';

/** What a page needs from its instance. */
export interface PageHost extends AppCallbacks {
  /** Called after every render with the new tree: the instance mounts/unmounts `<rtc-room>`s from it. */
  rendered(page: PageInstance): void;
  /** Reports an error that the device would only log (a template that fails to render). */
  reportError(error: unknown, where: string): void;
}

/**
 * One page on the stack: the object app code sees as `this` ({@link PageInstance.self}), its data, its
 * rendered tree, and the user actions tests perform on it (tap, input).
 */
export class PageInstance {
  /** The page's data (the same object as `this.data` in app code). */
  readonly data: Record<string, unknown>;
  /** The object bound as `this` in the page's methods: data, setData, route, and the Page() methods. */
  readonly self: Record<string, unknown>;
  private treeValue: RenderElement;
  private renders = 0;

  /**
   * @param route e.g. `pages/index/index`
   * @param options the object the app passed to `Page()`
   * @param template the parsed AXML of the page
   */
  constructor(
    readonly route: string,
    readonly options: Record<string, unknown>,
    private readonly template: AxmlElement,
    private readonly host: PageHost,
    readonly query: Record<string, string> = {},
    // Page data comes from the Page() options shared by every visit of the page: each visit gets its own
    // copy, as on the device, made in the app's realm.
    clone: (v: unknown) => unknown = (v) => v,
  ) {
    const initial =
      typeof options['data'] === 'function' ? (options['data'] as () => unknown)() : options['data'];
    this.data = (clone(initial ?? {}) ?? {}) as Record<string, unknown>;
    const self: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (k !== 'data') self[k] = v;
    Object.defineProperty(self, 'data', { get: () => this.data, enumerable: true });
    self['route'] = route;
    self['setData'] = (patch: unknown, cb?: unknown) => this.setData(patch, cb);
    this.self = self;
    this.treeValue = { type: 'element', tag: '#root', attrs: {}, events: {}, dataset: {}, children: [] };
  }

  /** The last rendered tree. */
  get tree(): RenderElement {
    return this.treeValue;
  }

  /** How many renders happened (one per setData, plus the first). */
  get renderCount(): number {
    return this.renders;
  }

  /** Everything on screen as text, whitespace collapsed. */
  get text(): string {
    return textContent(this.treeValue);
  }

  /**
   * `this.setData(patch, callback)`: applies path keys to `data` at once, renders, then calls `callback` on
   * a later task — after the render, which is when the device calls it.
   */
  setData(patch: unknown, cb?: unknown): void {
    if (typeof patch === 'object' && patch !== null)
      applySetData(this.data, patch as Record<string, unknown>);
    this.render();
    if (typeof cb === 'function') this.host.defer(() => this.host.call(cb.bind(this.self)));
  }

  /** Renders the template against the data. A template error is reported and the old tree kept. */
  render(): void {
    try {
      this.treeValue = renderAxml(this.template, this.data);
    } catch (e) {
      this.host.reportError(e, `render of ${this.route}`);
      return;
    }
    this.renders++;
    this.host.rendered(this);
  }

  /** Runs a lifecycle method of the page (if the page defines it) with errors reported, not thrown. */
  lifecycle(name: 'onLoad' | 'onShow' | 'onReady' | 'onHide' | 'onUnload', ...args: unknown[]): void {
    const fn = this.options[name];
    if (typeof fn === 'function') this.host.call(fn.bind(this.self), ...args);
  }

  /** Every rendered element with this tag. */
  findAll(tag: string): RenderElement[] {
    return allElements(this.treeValue).filter((e) => e.tag === tag);
  }

  /** The first rendered element with this tag, or `undefined`. */
  find(tag: string): RenderElement | undefined {
    return this.findAll(tag)[0];
  }

  /** The rendered element with this `id`, or `undefined`. */
  byId(id: string): RenderElement | undefined {
    return allElements(this.treeValue).find((e) => e.id === id);
  }

  private tappable(): RenderElement[] {
    return allElements(this.treeValue).filter(
      (e) => e.events['onTap'] !== undefined || e.events['catchTap'] !== undefined,
    );
  }

  /** Taps the element whose text is `text` (whitespace collapsed); returns what the handler returned. */
  tap(text: string): unknown {
    const want = text.replace(/\s+/g, ' ').trim();
    const el = this.tappable().find((e) => textContent(e) === want);
    if (el !== undefined && (el.attrs['disabled'] === true || el.attrs['disabled'] === 'true')) {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `'${want}' on ${this.route} is disabled`,
      );
    }
    if (el === undefined) {
      const seen = this.tappable().map((e) => `'${textContent(e)}'`);
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `no tappable element with text '${want}' on ${this.route}; on screen: ${seen.join(', ') || 'none'}`,
      );
    }
    return this.trigger(el, 'Tap', {});
  }

  /** Taps the first element whose `onTap` names this page method. */
  tapHandler(handler: string): unknown {
    const el = this.tappable().find((e) => (e.events['onTap'] ?? e.events['catchTap']) === handler);
    if (el === undefined) {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `no element with onTap="${handler}" on ${this.route}`,
      );
    }
    return this.trigger(el, 'Tap', {});
  }

  /**
   * Types `value` into an input found by `#id`, by its `onInput` handler name, or by its placeholder, and
   * fires `onInput` with `{ detail: { value } }`.
   */
  input(target: string, value: string): unknown {
    const els = allElements(this.treeValue).filter((e) => e.events['onInput'] !== undefined);
    const el = target.startsWith('#')
      ? els.find((e) => e.id === target.slice(1))
      : (els.find((e) => e.events['onInput'] === target) ??
        els.find((e) => e.attrs['placeholder'] === target));
    if (el === undefined) {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `no input '${target}' with onInput on ${this.route}`,
      );
    }
    return this.trigger(el, 'Input', { value, cursor: value.length });
  }

  /**
   * Calls the handler bound to `on<Name>` (or `catch<Name>`) of `el` with a device-shaped event object.
   * Throws if the element or page lacks the handler: used for user actions a test asked for.
   */
  trigger(el: RenderElement, name: string, detail: Record<string, unknown>): unknown {
    const handler = el.events[`on${name}`] ?? el.events[`catch${name}`];
    const fn = handler === undefined ? undefined : this.self[handler];
    if (typeof fn !== 'function') {
      throw new SimulatorError(
        SimulatorErrorCode.HANDLER_NOT_FOUND,
        `<${el.tag}> on${name}="${handler ?? ''}": page ${this.route} has no such method`,
      );
    }
    return fn.call(this.self, eventObject(name, el, detail));
  }

  /** Like {@link PageInstance.trigger} for component events: a missing handler is ignored (device does). */
  dispatch(el: RenderElement, name: string, detail: Record<string, unknown>): void {
    const handler = el.events[`on${name}`] ?? el.events[`catch${name}`];
    const fn = handler === undefined ? undefined : this.self[handler];
    if (typeof fn === 'function') this.host.call(fn.bind(this.self), eventObject(name, el, detail));
  }
}

function eventObject(
  name: string,
  el: RenderElement,
  detail: Record<string, unknown>,
): Record<string, unknown> {
  const target = {
    id: el.id ?? '',
    tagName: el.tag,
    dataset: { ...el.dataset },
    targetDataset: { ...el.dataset },
  };
  return {
    type: name.charAt(0).toLowerCase() + name.slice(1),
    timeStamp: Date.now(),
    detail,
    target,
    currentTarget: { id: target.id, tagName: el.tag, dataset: { ...el.dataset } },
  };
}
