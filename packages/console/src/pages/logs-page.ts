import { Api } from '../api.js';
import type { LogEntry } from '../api-types.js';
import { appRequired } from '../components/app-required.js';
import { detailsCell } from '../components/details-cell.js';
import { field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page } from '../page.js';
import { navigate } from '../router.js';

function logsTable(rows: LogEntry[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, 'No matching log lines.');
  return h(
    'table',
    { id: 'logs-table', class: 'logs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Time'),
        h('th', {}, 'Level'),
        h('th', {}, 'Room'),
        h('th', {}, 'User'),
        h('th', {}, 'Message'),
        h('th', {}, 'Data'),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((l) =>
        h(
          'tr',
          { class: `level-${l.level.replace(/[^a-z]/gi, '')}` },
          h('td', { class: 'time' }, formatTime(l.time)),
          h('td', {}, l.level),
          h('td', {}, l.roomID ?? ''),
          h('td', {}, l.userID ?? ''),
          h('td', { class: 'message' }, l.message),
          detailsCell(l.data ?? {}),
        ),
      ),
    ),
  );
}

/** Search of the SDK remote logs by room, user and text. */
export const logsPage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const p = ctx.params;
  const q = { roomID: p.get('room') ?? '', userID: p.get('user') ?? '', q: p.get('q') ?? '' };
  const limit = Number(p.get('limit') ?? 200) || 200;
  const form = h(
    'form',
    { class: 'card row', id: 'logs-form' },
    h('label', {}, 'Room ID', h('input', { name: 'room', value: q.roomID })),
    h('label', {}, 'User ID', h('input', { name: 'user', value: q.userID })),
    h('label', { class: 'grow' }, 'Text', h('input', { name: 'q', value: q.q, placeholder: 'contains…' })),
    h('label', {}, 'Limit', h('input', { name: 'limit', type: 'number', min: 1, max: 1000, value: limit })),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate('/logs', {
      room: field(form, 'room'),
      user: field(form, 'user'),
      q: field(form, 'q'),
      limit: field(form, 'limit'),
    });
  });
  const out = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, form, out);
  Api.logs(app.appID, { ...q, limit }).then(
    (rows) => replace(out, h('h2', {}, `${rows.length} lines`), logsTable(rows)),
    (err: unknown) => {
      replace(out, h('p', { class: 'empty' }, 'Could not search the logs.'));
      ctx.notice.error(err, 'SDK logs');
    },
  );
  return undefined;
};
