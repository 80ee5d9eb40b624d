import { h } from '../dom.js';

/** The fields of a record not already shown in their own columns, as compact `key=value` text. */
export function detailsCell(rec: object, shown: string[] = []): HTMLElement {
  const rest = Object.entries(rec).filter(
    ([k, v]) => !shown.includes(k) && v !== undefined && v !== null && v !== '',
  );
  return h(
    'td',
    { class: 'details' },
    rest.map(([k, v]) =>
      h(
        'span',
        { class: 'kv' },
        h('span', { class: 'k' }, k),
        '=',
        typeof v === 'object' ? JSON.stringify(v) : String(v),
      ),
    ),
  );
}
