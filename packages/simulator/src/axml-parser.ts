import { SimulatorError, SimulatorErrorCode } from './errors.js';

/** An attribute as written: `value` is `null` for a bare boolean attribute (`<button disabled>`). */
export interface AxmlAttr {
  name: string;
  value: string | null;
}

/** An element of the template before any data is applied. */
export interface AxmlElement {
  type: 'element';
  tag: string;
  attrs: AxmlAttr[];
  children: AxmlNode[];
  /** 1-based line of the opening tag, for error messages. */
  line: number;
}

/** Literal text of the template, possibly holding `{{ }}` bindings. */
export interface AxmlText {
  type: 'text';
  text: string;
}

/** A node of a parsed template. */
export type AxmlNode = AxmlElement | AxmlText;

/**
 * Parses AXML into a tree. AXML is XML-like but forgiving in the ways mini-program developers rely on:
 * `{{ }}` may hold `<` and `>` (in text and in attributes), attribute values may use either quote, and
 * an end tag may close elements left open inside it. Comments are dropped.
 */
export function parseAxml(source: string, file = 'index.axml'): AxmlElement {
  const root: AxmlElement = { type: 'element', tag: '#root', attrs: [], children: [], line: 1 };
  const stack: AxmlElement[] = [root];
  let i = 0;
  const lineAt = (pos: number): number => source.slice(0, pos).split('\n').length;
  const err = (pos: number, why: string): SimulatorError =>
    new SimulatorError(SimulatorErrorCode.AXML_PARSE_ERROR, `${file}:${lineAt(pos)}: ${why}`);
  const top = (): AxmlElement => stack[stack.length - 1]!;

  while (i < source.length) {
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      if (end === -1) throw err(i, 'unclosed comment');
      i = end + 3;
    } else if (source.startsWith('</', i)) {
      const end = source.indexOf('>', i);
      if (end === -1) throw err(i, 'unclosed end tag');
      const tag = source.slice(i + 2, end).trim();
      const at = stack.map((e) => e.tag).lastIndexOf(tag);
      if (at <= 0) throw err(i, `end tag </${tag}> has no matching start tag`);
      stack.length = at;
      i = end + 1;
    } else if (source[i] === '<' && /[A-Za-z]/.test(source[i + 1] ?? '')) {
      i = parseStartTag(source, i, stack, top(), lineAt, err);
    } else {
      // Text runs to the next tag, skipping over `{{ }}` so `a < b` inside a binding is not a tag.
      let j = i;
      while (j < source.length && source[j] !== '<') {
        if (source.startsWith('{{', j)) {
          const close = source.indexOf('}}', j + 2);
          if (close === -1) throw err(j, "unclosed '{{'");
          j = close + 2;
        } else j++;
      }
      const text = source.slice(i, j);
      if (text.trim() !== '') top().children.push({ type: 'text', text });
      i = j;
    }
  }
  if (stack.length > 1) {
    // Lenient like the device's compiler for a trailing unclosed element only when nothing follows it.
    const open = stack[stack.length - 1]!;
    throw new SimulatorError(
      SimulatorErrorCode.AXML_PARSE_ERROR,
      `${file}:${open.line}: <${open.tag}> is never closed`,
    );
  }
  return root;
}

function parseStartTag(
  src: string,
  start: number,
  stack: AxmlElement[],
  parent: AxmlElement,
  lineAt: (pos: number) => number,
  err: (pos: number, why: string) => SimulatorError,
): number {
  let i = start + 1;
  const tagMatch = /^[A-Za-z][\w:.-]*/.exec(src.slice(i))!;
  const el: AxmlElement = { type: 'element', tag: tagMatch[0], attrs: [], children: [], line: lineAt(start) };
  i += tagMatch[0].length;
  for (;;) {
    while (i < src.length && /\s/.test(src[i]!)) i++;
    if (i >= src.length) throw err(start, `<${el.tag}> is not closed with '>'`);
    if (src.startsWith('/>', i)) {
      parent.children.push(el);
      return i + 2;
    }
    if (src[i] === '>') {
      parent.children.push(el);
      stack.push(el);
      return i + 1;
    }
    const nameMatch = /^[^\s=/>]+/.exec(src.slice(i));
    if (nameMatch === null) throw err(i, `bad attribute in <${el.tag}>`);
    const name = nameMatch[0];
    i += name.length;
    while (/\s/.test(src[i] ?? '')) i++;
    if (src[i] !== '=') {
      el.attrs.push({ name, value: null });
      continue;
    }
    i++;
    while (/\s/.test(src[i] ?? '')) i++;
    const q = src[i];
    if (q === '"' || q === "'") {
      const end = src.indexOf(q, i + 1);
      if (end === -1) throw err(i, `unterminated value of attribute '${name}'`);
      el.attrs.push({ name, value: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^(?:\{\{[\s\S]*?\}\}|[^\s>])+/.exec(src.slice(i));
      if (m === null) throw err(i, `missing value of attribute '${name}'`);
      el.attrs.push({ name, value: m[0].replace(/\/$/, '') });
      i += m[0].endsWith('/') ? m[0].length - 1 : m[0].length;
    }
  }
}
