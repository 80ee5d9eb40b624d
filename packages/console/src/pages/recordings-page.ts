import { Api } from '../api.js';
import type { Recording } from '../api-types.js';
import { appRequired } from '../components/app-required.js';
import { h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page } from '../page.js';

function size(bytes: number | null): string {
  if (bytes === null) return '';
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function recordingsTable(rows: Recording[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, 'No recordings yet.');
  return h(
    'table',
    { id: 'recordings-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Started'),
        h('th', {}, 'Room'),
        h('th', {}, 'Stream'),
        h('th', {}, 'State'),
        h('th', {}, 'Duration'),
        h('th', {}, 'Size'),
        h('th', {}, 'Tracks'),
        h('th', {}),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          { 'data-recording-id': r.id, 'data-state': r.state },
          h('td', { class: 'time' }, formatTime(r.startedAt)),
          h('td', {}, r.roomID),
          h('td', {}, h('code', {}, r.streamID)),
          h(
            'td',
            {},
            h('span', { class: `badge ${r.state === 'ready' ? 'ok' : 'warn'}` }, r.state),
            r.error ? h('div', { class: 'muted' }, r.error) : null,
          ),
          h('td', { class: 'num' }, r.durationMs !== null ? `${(r.durationMs / 1000).toFixed(1)} s` : ''),
          h('td', { class: 'num' }, size(r.size)),
          h('td', {}, (r.streams ?? []).map((s) => `${s.type}:${s.codec}`).join(' ')),
          h(
            'td',
            {},
            // Signed, expiring links made by the server for this listing; the page holds no key for them.
            r.playUrl
              ? h('a', { href: r.playUrl, target: '_blank', rel: 'noopener', 'data-action': 'play' }, 'Play')
              : null,
            r.downloadUrl ? ' ' : null,
            r.downloadUrl
              ? h('a', { href: r.downloadUrl, download: '', 'data-action': 'download' }, 'Download')
              : null,
          ),
        ),
      ),
    ),
  );
}

/** Recorded files of the app, with play and download through signed, expiring links. */
export const recordingsPage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const out = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, out);
  Api.recordings(app.appID).then(
    (rows) =>
      replace(
        out,
        h('h2', {}, `${rows.length} recordings`),
        h('p', { class: 'muted' }, 'Links expire; reload the page for fresh ones.'),
        recordingsTable(rows),
      ),
    (err: unknown) => {
      replace(out, h('p', { class: 'empty' }, 'Could not list the recordings.'));
      ctx.notice.error(err, 'Recordings');
    },
  );
  return undefined;
};
