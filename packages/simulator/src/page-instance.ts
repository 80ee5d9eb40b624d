import type { AppCallbacks } from './app-callbacks.js';
import type { AxmlElement } from './axml-parser.js';
import { allElements, type RenderElement, type RenderNode, renderAxml, textContent } from './axml-render.js';
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
  private readyFlag = false;
  // Values typed into named inputs, for form submits.
  private readonly typed = new Map<string, string>();

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

  /** Whether `onReady` has run: before it, a device page ignores nothing but apps often guard on it. */
  get ready(): boolean {
    return this.readyFlag;
  }

  /** Marks `onReady` as done (called by the page stack right after it). */
  markReady(): void {
    this.readyFlag = true;
  }

  private tappable(): RenderElement[] {
    return allElements(this.treeValue).filter(
      (e) => e.events['onTap'] !== undefined || e.events['catchTap'] !== undefined || isSubmit(e),
    );
  }

  /**
   * The element a tap on `target` hits, or why there is none. `target` is the element's text (whitespace
   * collapsed), `#id`, `[data-x=v]`, or the name of its `onTap` handler.
   */
  locateTap(target: string): { el: RenderElement } | { missing: string } {
    const all = this.tappable();
    const want = target.replace(/\s+/g, ' ').trim();
    const sel = parseSelector(want);
    const el =
      sel !== undefined
        ? all.find((e) => matchesSelector(e, sel))
        : (all.find((e) => textContent(e) === want) ??
          all.find((e) => (e.events['onTap'] ?? e.events['catchTap']) === want));
    if (el === undefined) {
      const seen = all.map((e) => `'${textContent(e)}'`);
      return { missing: `no tappable element '${want}'; tappable: ${seen.join(', ') || 'none'}` };
    }
    if (el.attrs['disabled'] === true || el.attrs['disabled'] === 'true') {
      return { missing: `'${want}' is disabled` };
    }
    return { el };
  }

  /**
   * Taps the element `target` names (see {@link PageInstance.locateTap}); returns what the handler
   * returned. A `<button form-type="submit">` inside a `<form onSubmit>` submits the form with the values
   * typed into its named inputs, as the device does.
   */
  tap(target: string): unknown {
    const found = this.locateTap(target);
    if ('missing' in found) {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `${found.missing} on ${this.route}; the page shows: "${this.text}"`,
      );
    }
    const el = found.el;
    let result: unknown;
    if (el.events['onTap'] !== undefined || el.events['catchTap'] !== undefined) {
      result = this.trigger(el, 'Tap', {});
    }
    if (isSubmit(el)) {
      const form = ancestorsOf(this.treeValue, el).find((a) => a.tag === 'form');
      if (form !== undefined) this.dispatch(form, 'Submit', { value: this.formValues(form) });
    }
    return result;
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

  private inputs(): RenderElement[] {
    return allElements(this.treeValue).filter(
      (e) => e.tag === 'input' || e.tag === 'textarea' || e.events['onInput'] !== undefined,
    );
  }

  /**
   * The input `target` names, or why there is none. `target` is `#id`, `[data-name=v]` (any `data-*`),
   * `[2]` (the third input on the page, counting from 0), or a text matched in this order against the
   * input's `onInput` handler, its placeholder, its `name`, and its label (a `<label>` around or for it,
   * else the nearest text before it). A text that matches several inputs (a handler they share) is
   * refused with the ways to tell them apart.
   */
  locateInput(target: InputTarget): { el: RenderElement } | { missing: string } {
    const inputs = this.inputs();
    const describe = (): string =>
      inputs
        .map((e, i) => {
          const data = Object.entries(e.dataset).map(([k, v]) => `[data-${kebab(k)}=${String(v)}]`);
          const label = labelOf(this.treeValue, e);
          return `[${i}]${e.id ? ` #${e.id}` : ''}${data.length ? ` ${data.join('')}` : ''}${label ? ` label '${label}'` : ''}`;
        })
        .join(', ') || 'none';
    const q = typeof target === 'string' ? target.trim() : '';
    const sel = typeof target === 'string' ? parseSelector(q) : target;
    let matches: RenderElement[];
    if (sel !== undefined) matches = inputs.filter((e, i) => matchesSelector(e, sel, i));
    else {
      const tries: ((e: RenderElement) => boolean)[] = [
        (e) => e.events['onInput'] === q,
        (e) => e.attrs['placeholder'] === q,
        (e) => e.attrs['name'] === q,
        (e) => labelMatches(labelOf(this.treeValue, e), q),
      ];
      matches = [];
      for (const t of tries) {
        matches = inputs.filter(t);
        if (matches.length > 0) break;
      }
    }
    const shown = typeof target === 'string' ? target : JSON.stringify(target);
    if (matches.length === 0) return { missing: `no input '${shown}'; inputs: ${describe()}` };
    if (matches.length > 1) {
      return {
        missing: `'${shown}' matches ${matches.length} inputs; address one by data-*, index or label: ${describe()}`,
      };
    }
    return { el: matches[0]! };
  }

  /**
   * Types `value` into the input `target` names (see {@link PageInstance.locateInput}), as a user does:
   * `onFocus`, `onInput` with `{ detail: { value } }`, then `onBlur`, each if bound. Returns what the
   * `onInput` handler returned, so a test can await an async one.
   */
  input(target: InputTarget, value: string): unknown {
    const found = this.locateInput(target);
    if ('missing' in found) {
      throw new SimulatorError(
        SimulatorErrorCode.ELEMENT_NOT_FOUND,
        `${found.missing} on ${this.route}; the page shows: "${this.text}"`,
      );
    }
    const el = found.el;
    const name = el.attrs['name'];
    if (typeof name === 'string' && name !== '') this.typed.set(name, value);
    this.dispatch(el, 'Focus', { value });
    const handler = el.events['onInput'] ?? el.events['catchInput'];
    const result =
      handler === undefined ? undefined : this.trigger(el, 'Input', { value, cursor: value.length });
    this.dispatch(el, 'Blur', { value });
    return result;
  }

  // What a form submits: each named input's typed value, else its rendered `value`.
  private formValues(form: RenderElement): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const e of allElements(form)) {
      const name = e.attrs['name'];
      if (typeof name !== 'string' || name === '') continue;
      out[name] = this.typed.has(name) ? this.typed.get(name) : (e.attrs['value'] ?? '');
    }
    return out;
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

/** How a test names an input: a string (see {@link PageInstance.locateInput}) or the parts spelled out. */
export type InputTarget =
  | string
  | {
      id?: string;
      /** 0-based position among the page's inputs. */
      index?: number;
      /** `data-*` attributes the input must carry, e.g. `{ name: 'roomID' }` for `data-name="roomID"`. */
      data?: Record<string, string>;
      label?: string;
      placeholder?: string;
      name?: string;
      handler?: string;
    };

type Selector = Exclude<InputTarget, string>;

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

// `#id`, `[data-name=x]`, `[2]`; anything else is matched as text by the caller.
function parseSelector(q: string): Selector | undefined {
  if (/^#[^\s]+$/.test(q)) return { id: q.slice(1) };
  const idx = /^\[(\d+)\]$/.exec(q);
  if (idx !== null) return { index: Number(idx[1]) };
  const data = /^\[data-([\w-]+)\s*=\s*["']?([^"'\]]*)["']?\]$/.exec(q);
  if (data !== null) return { data: { [data[1]!]: data[2]! } };
  return undefined;
}

function matchesSelector(e: RenderElement, sel: Selector, index?: number): boolean {
  if (sel.id !== undefined && e.id !== sel.id) return false;
  if (sel.index !== undefined && index !== sel.index) return false;
  if (sel.placeholder !== undefined && e.attrs['placeholder'] !== sel.placeholder) return false;
  if (sel.name !== undefined && e.attrs['name'] !== sel.name) return false;
  if (sel.handler !== undefined && e.events['onInput'] !== sel.handler && e.events['onTap'] !== sel.handler)
    return false;
  for (const [k, v] of Object.entries(sel.data ?? {})) {
    const have = e.dataset[camel(k)];
    if (have === undefined || String(have) !== String(v)) return false;
  }
  return true;
}

function isSubmit(e: RenderElement): boolean {
  return e.tag === 'button' && e.attrs['form-type'] === 'submit';
}

/** Ancestors of `target` in `root`, nearest first. */
function ancestorsOf(root: RenderElement, target: RenderElement): RenderElement[] {
  const path: RenderElement[] = [];
  const walk = (e: RenderElement): boolean => {
    if (e === target) return true;
    path.push(e);
    for (const c of e.children) if (c.type === 'element' && walk(c)) return true;
    path.pop();
    return false;
  };
  walk(root);
  return path.reverse();
}

function plainText(n: RenderNode): string {
  return n.type === 'text' ? n.text.replace(/\s+/g, ' ').trim() : textContent(n);
}

/**
 * The label a user sees for an input: the text of a `<label>` around it or `for` its id, else the nearest
 * text before it among its siblings, else before its parent (one level up).
 */
function labelOf(root: RenderElement, input: RenderElement): string {
  const ancestors = ancestorsOf(root, input);
  const label = ancestors.find((a) => a.tag === 'label');
  if (label !== undefined && textContent(label) !== '') return textContent(label);
  if (input.id) {
    const forIt = allElements(root).find((e) => e.tag === 'label' && e.attrs['for'] === input.id);
    if (forIt !== undefined) return textContent(forIt);
  }
  let child: RenderNode = input;
  for (const parent of ancestors.slice(0, 2)) {
    const i = parent.children.indexOf(child);
    for (let j = i - 1; j >= 0; j--) {
      const sib = parent.children[j]!;
      if (sib.type === 'element' && (isInputEl(sib) || allElements(sib).some(isInputEl))) break;
      const t = plainText(sib);
      if (t !== '') return t;
    }
    child = parent;
  }
  return '';
}

function isInputEl(e: RenderElement): boolean {
  return e.tag === 'input' || e.tag === 'textarea';
}

function labelMatches(label: string, q: string): boolean {
  const norm = (s: string) => s.replace(/[\s:：*]+$/u, '').trim();
  return label !== '' && (norm(label) === norm(q) || (q.length > 1 && label.includes(q)));
}
