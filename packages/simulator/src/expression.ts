import { SimulatorError, SimulatorErrorCode } from './errors.js';

/**
 * A parsed `{{ }}` expression. AXML allows a small JavaScript subset (literals, member access,
 * arithmetic, comparison, logic, ternaries, array/object literals); we parse exactly that instead of
 * handing template text to `eval`, so a template can read data but never run code.
 */
export type Expr =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'member'; obj: Expr; prop: Expr }
  | { t: 'unary'; op: string; arg: Expr }
  | { t: 'binary'; op: string; left: Expr; right: Expr }
  | { t: 'cond'; test: Expr; then: Expr; else: Expr }
  | { t: 'array'; items: Expr[] }
  | { t: 'object'; entries: [string, Expr][] };

type Tok = { k: 'num' | 'str' | 'id' | 'op'; v: string };

const OPS = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '??', '<', '>', '+', '-', '*', '/', '%', '!'];
const PUNCT = '.[](){}?:,';
const BINARY_PREC: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '===': 4,
  '!==': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};
const FORBIDDEN_PROPS = new Set(['__proto__', 'constructor', 'prototype']);

function fail(src: string, why: string): SimulatorError {
  return new SimulatorError(SimulatorErrorCode.EXPRESSION_ERROR, `expression '{{${src}}}': ${why}`);
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  outer: while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      toks.push({ k: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))!;
      toks.push({ k: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let s = '';
      i++;
      while (i < src.length && src[i] !== ch) {
        if (src[i] === '\\') {
          const e = src[i + 1] ?? '';
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw fail(src, 'unterminated string');
      i++;
      toks.push({ k: 'str', v: s });
      continue;
    }
    for (const op of OPS) {
      if (src.startsWith(op, i)) {
        toks.push({ k: 'op', v: op });
        i += op.length;
        continue outer;
      }
    }
    if (PUNCT.includes(ch)) {
      toks.push({ k: 'op', v: ch });
      i++;
      continue;
    }
    throw fail(src, `unexpected character '${ch}'`);
  }
  return toks;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  parseAll(): Expr {
    const e = this.ternary();
    if (this.pos < this.toks.length) throw fail(this.src, `unexpected '${this.toks[this.pos]!.v}'`);
    return e;
  }

  parseObject(): Expr {
    const e = this.objectBody();
    if (this.pos < this.toks.length) throw fail(this.src, `unexpected '${this.toks[this.pos]!.v}'`);
    return e;
  }

  private peek(v: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.k === 'op' && t.v === v;
  }

  private expect(v: string): void {
    if (!this.peek(v)) throw fail(this.src, `expected '${v}'`);
    this.pos++;
  }

  private ternary(): Expr {
    const test = this.binary(0);
    if (!this.peek('?')) return test;
    this.pos++;
    const then = this.ternary();
    this.expect(':');
    return { t: 'cond', test, then, else: this.ternary() };
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.toks[this.pos];
      const prec = t?.k === 'op' ? BINARY_PREC[t.v] : undefined;
      if (t === undefined || prec === undefined || prec <= minPrec) return left;
      this.pos++;
      left = { t: 'binary', op: t.v, left, right: this.binary(prec) };
    }
  }

  private unary(): Expr {
    if (this.peek('!') || this.peek('-') || this.peek('+')) {
      const op = this.toks[this.pos++]!.v;
      return { t: 'unary', op, arg: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    for (;;) {
      if (this.peek('.')) {
        this.pos++;
        const t = this.toks[this.pos++];
        if (t?.k !== 'id') throw fail(this.src, "expected a property name after '.'");
        e = { t: 'member', obj: e, prop: { t: 'lit', v: t.v } };
      } else if (this.peek('[')) {
        this.pos++;
        const prop = this.ternary();
        this.expect(']');
        e = { t: 'member', obj: e, prop };
      } else if (this.peek('(')) {
        throw fail(this.src, 'function calls are not allowed in AXML expressions');
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.toks[this.pos++];
    if (t === undefined) throw fail(this.src, 'unexpected end');
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') {
      if (t.v === 'true') return { t: 'lit', v: true };
      if (t.v === 'false') return { t: 'lit', v: false };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (t.v === 'undefined') return { t: 'lit', v: undefined };
      return { t: 'id', name: t.v };
    }
    if (t.v === '(') {
      const e = this.ternary();
      this.expect(')');
      return e;
    }
    if (t.v === '[') {
      const items: Expr[] = [];
      while (!this.peek(']')) {
        items.push(this.ternary());
        if (!this.peek(']')) this.expect(',');
      }
      this.pos++;
      return { t: 'array', items };
    }
    if (t.v === '{') return this.objectBody();
    throw fail(this.src, `unexpected '${t.v}'`);
  }

  // Object literals appear as `data="{{ a: 1, b }}"` on <template>, where the braces are implicit, and as
  // `{ ... }` inside an expression.
  private objectBody(): Expr {
    const entries: [string, Expr][] = [];
    while (!this.peek('}')) {
      const key = this.toks[this.pos++];
      if (key === undefined || key.k === 'op') throw fail(this.src, 'expected an object key');
      if (this.peek(':')) {
        this.pos++;
        entries.push([key.v, this.ternary()]);
      } else entries.push([key.v, { t: 'id', name: key.v }]);
      if (!this.peek('}')) this.expect(',');
    }
    this.pos++;
    return { t: 'object', entries };
  }
}

const cache = new Map<string, Expr>();

/** Parses the text between `{{` and `}}`. Results are cached: templates re-render on every setData. */
export function parseExpression(src: string): Expr {
  let e = cache.get(src);
  if (e === undefined) {
    const toks = tokenize(src);
    // `{{ a: 1, b: c }}` (no braces) is an object literal, the form <template data> uses.
    const bareObject = toks.length > 1 && toks[0]!.k !== 'op' && toks[1]!.k === 'op' && toks[1]!.v === ':';
    e = bareObject
      ? new Parser(src, [...toks, { k: 'op', v: '}' }]).parseObject()
      : new Parser(src, toks).parseAll();
    cache.set(src, e);
  }
  return e;
}

/** Looks a name up in the template scope; `undefined` when absent (AXML renders missing data as empty). */
export type ScopeLookup = (name: string) => unknown;

function member(obj: unknown, prop: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  const key = String(prop);
  if (FORBIDDEN_PROPS.has(key)) return undefined;
  return (obj as Record<string, unknown>)[key];
}

/** Evaluates a parsed expression against a scope, with JavaScript's semantics for each operator. */
export function evaluate(e: Expr, lookup: ScopeLookup): unknown {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'id':
      return lookup(e.name);
    case 'member':
      return member(evaluate(e.obj, lookup), evaluate(e.prop, lookup));
    case 'unary': {
      const v = evaluate(e.arg, lookup);
      return e.op === '!' ? !v : e.op === '-' ? -(v as number) : +(v as number);
    }
    case 'cond':
      return evaluate(e.test, lookup) ? evaluate(e.then, lookup) : evaluate(e.else, lookup);
    case 'array':
      return e.items.map((x) => evaluate(x, lookup));
    case 'object':
      return Object.fromEntries(e.entries.map(([k, x]) => [k, evaluate(x, lookup)]));
    case 'binary':
      return binary(e.op, e.left, e.right, lookup);
  }
}

function binary(op: string, le: Expr, re: Expr, lookup: ScopeLookup): unknown {
  const l = evaluate(le, lookup) as number;
  if (op === '&&') return l && evaluate(re, lookup);
  if (op === '||') return l || evaluate(re, lookup);
  if (op === '??') return l ?? evaluate(re, lookup);
  const r = evaluate(re, lookup) as number;
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return l % r;
    case '<':
      return l < r;
    case '>':
      return l > r;
    case '<=':
      return l <= r;
    case '>=':
      return l >= r;
    case '==':
      // biome-ignore lint/suspicious/noDoubleEquals: AXML expressions have JavaScript's loose equality.
      return l == r;
    case '!=':
      // biome-ignore lint/suspicious/noDoubleEquals: as above.
      return l != r;
    case '===':
      return l === r;
    default:
      return l !== r;
  }
}
