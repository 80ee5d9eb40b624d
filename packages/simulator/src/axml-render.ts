import type { AxmlElement, AxmlNode } from './axml-parser.js';
import { SimulatorError, SimulatorErrorCode } from './errors.js';
import { evaluate, parseExpression } from './expression.js';

/** A rendered element: directives applied, bindings evaluated. This is the "screen" tests look at. */
export interface RenderElement {
  type: 'element';
  tag: string;
  /** The evaluated `id` attribute, when there is one. */
  id?: string;
  /** Evaluated attributes (not events, not `a:*` directives); a whole-value binding keeps its type. */
  attrs: Record<string, unknown>;
  /** Event attribute → page method name, e.g. `{ onTap: 'openRoom' }`. */
  events: Record<string, string>;
  /** `data-*` attributes with camelCased keys, as `event.currentTarget.dataset` carries them. */
  dataset: Record<string, unknown>;
  children: RenderNode[];
}

/** Rendered text. */
export interface RenderText {
  type: 'text';
  text: string;
}

/** A node of the rendered tree. */
export type RenderNode = RenderElement | RenderText;

type Lookup = (name: string) => unknown;

const EVENT_ATTR = /^(on|catch)[A-Z]/;
const SINGLE_BINDING = /^\s*\{\{([\s\S]*?)\}\}\s*$/;
const BINDING = /\{\{([\s\S]*?)\}\}/g;

function scopeOf(data: Record<string, unknown>): Lookup {
  return (name) => (Object.hasOwn(data, name) ? data[name] : undefined);
}

function childScope(parent: Lookup, vars: Record<string, unknown>): Lookup {
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : parent(name));
}

function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Evaluates an attribute or text value. A value that is exactly one `{{ }}` keeps the bound value's type
 * (so `extraInfo="{{rtcroom.extraInfo}}"` passes an object, as on the device); mixed text becomes a string.
 */
export function interpolate(value: string, lookup: Lookup): unknown {
  const single = SINGLE_BINDING.exec(value);
  if (single !== null && value.indexOf('{{') === value.lastIndexOf('{{')) {
    return evaluate(parseExpression(single[1]!.trim()), lookup);
  }
  return value.replace(BINDING, (_m, src: string) => toText(evaluate(parseExpression(src.trim()), lookup)));
}

function directive(el: AxmlElement, name: string): string | null | undefined {
  const a = el.attrs.find((x) => x.name === name);
  return a === undefined ? undefined : a.value;
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

class Renderer {
  private readonly templates = new Map<string, AxmlElement>();

  constructor(root: AxmlElement) {
    for (const c of root.children) {
      if (c.type === 'element' && c.tag === 'template') {
        const name = directive(c, 'name');
        if (typeof name === 'string') this.templates.set(name, c);
      }
    }
  }

  children(nodes: AxmlNode[], lookup: Lookup): RenderNode[] {
    const out: RenderNode[] = [];
    // Whether the current a:if / a:elif chain already rendered a branch; undefined outside a chain.
    let chainTaken: boolean | undefined;
    for (const node of nodes) {
      if (node.type === 'text') {
        chainTaken = undefined;
        out.push({ type: 'text', text: toText(interpolate(node.text, lookup)) });
        continue;
      }
      const forExpr = directive(node, 'a:for');
      if (forExpr !== undefined) {
        chainTaken = undefined;
        this.forLoop(node, forExpr, lookup, out);
        continue;
      }
      const ifExpr = directive(node, 'a:if');
      const elifExpr = directive(node, 'a:elif');
      const isElse = directive(node, 'a:else') !== undefined;
      let show = true;
      if (ifExpr !== undefined) {
        show = Boolean(interpolate(ifExpr ?? '', lookup));
        chainTaken = show;
      } else if (elifExpr !== undefined) {
        show = chainTaken === false && Boolean(interpolate(elifExpr ?? '', lookup));
        chainTaken = chainTaken === true || show;
      } else if (isElse) {
        show = chainTaken === false;
        chainTaken = undefined;
      } else chainTaken = undefined;
      if (show) this.element(node, lookup, out);
    }
    return out;
  }

  private forLoop(node: AxmlElement, forExpr: string | null, lookup: Lookup, out: RenderNode[]): void {
    const list = interpolate(forExpr ?? '', lookup);
    const itemName = directive(node, 'a:for-item') ?? 'item';
    const indexName = directive(node, 'a:for-index') ?? 'index';
    const entries: [unknown, unknown][] = Array.isArray(list)
      ? list.map((v, i) => [i, v])
      : typeof list === 'number'
        ? Array.from({ length: list }, (_v, i) => [i, i])
        : typeof list === 'string'
          ? [...list].map((v, i) => [i, v])
          : typeof list === 'object' && list !== null
            ? Object.entries(list)
            : [];
    for (const [index, item] of entries) {
      const scope = childScope(lookup, { [itemName ?? 'item']: item, [indexName ?? 'index']: index });
      const ifExpr = directive(node, 'a:if');
      if (ifExpr !== undefined && !interpolate(ifExpr ?? '', scope)) continue;
      this.element(node, scope, out);
    }
  }

  private element(el: AxmlElement, lookup: Lookup, out: RenderNode[]): void {
    if (el.tag === 'block') {
      out.push(...this.children(el.children, lookup));
      return;
    }
    if (el.tag === 'template') {
      this.templateUse(el, lookup, out);
      return;
    }
    if (el.tag === 'import' || el.tag === 'include' || el.tag === 'import-sjs') return;
    const r: RenderElement = {
      type: 'element',
      tag: el.tag,
      attrs: {},
      events: {},
      dataset: {},
      children: [],
    };
    for (const { name, value } of el.attrs) {
      if (name.startsWith('a:')) continue;
      const v = value === null ? true : interpolate(value, lookup);
      if (EVENT_ATTR.test(name)) r.events[name] = toText(v);
      else if (name.startsWith('data-')) r.dataset[camel(name.slice(5))] = v;
      else r.attrs[name] = v;
      if (name === 'id') r.id = toText(v);
    }
    r.children = this.children(el.children, lookup);
    out.push(r);
  }

  // <template name="x"> defines, <template is="x" data="{{...}}"/> instantiates with `data` as the scope.
  private templateUse(el: AxmlElement, lookup: Lookup, out: RenderNode[]): void {
    const is = directive(el, 'is');
    if (is === undefined || is === null) return;
    const name = toText(interpolate(is, lookup));
    const def = this.templates.get(name);
    if (def === undefined) {
      throw new SimulatorError(
        SimulatorErrorCode.AXML_PARSE_ERROR,
        `<template is="${name}">: no such template`,
      );
    }
    const dataAttr = directive(el, 'data');
    const data = dataAttr ? interpolate(dataAttr, lookup) : {};
    const scope =
      typeof data === 'object' && data !== null ? scopeOf(data as Record<string, unknown>) : scopeOf({});
    out.push(...this.children(def.children, scope));
  }
}

/**
 * Renders a parsed template against page data into a light tree. Called after every setData: the
 * simulator compares trees to learn which `<rtc-room>`s appeared or went away.
 */
export function renderAxml(root: AxmlElement, data: Record<string, unknown>): RenderElement {
  const r = new Renderer(root);
  const top = root.children.filter(
    (c) => !(c.type === 'element' && c.tag === 'template' && directive(c, 'name')),
  );
  return {
    type: 'element',
    tag: '#root',
    attrs: {},
    events: {},
    dataset: {},
    children: r.children(top, scopeOf(data)),
  };
}

/** Text of a node and its descendants with whitespace collapsed, as a user reads a button's label. */
export function textContent(node: RenderNode): string {
  const raw = (n: RenderNode): string => (n.type === 'text' ? n.text : n.children.map(raw).join(' '));
  return raw(node).replace(/\s+/g, ' ').trim();
}

/** Every element of the tree, depth first, in document order. */
export function allElements(root: RenderElement): RenderElement[] {
  const out: RenderElement[] = [];
  const walk = (e: RenderElement): void => {
    out.push(e);
    for (const c of e.children) if (c.type === 'element') walk(c);
  };
  for (const c of root.children) if (c.type === 'element') walk(c);
  return out;
}
