import { Api } from '../api.js';
import type { App, Delivery } from '../api-types.js';
import { appRequired } from '../components/app-required.js';
import { detailsCell } from '../components/details-cell.js';
import { poll } from '../components/poller.js';
import { field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { navigate } from '../router.js';

/** How often the delivery log is fetched again. */
const REFRESH_MS = 2000;

function deliveriesTable(app: App, rows: Delivery[], ctx: PageContext, reload: () => void): HTMLElement {
  const appID = app.appID;
  if (rows.length === 0) return h('p', { class: 'empty' }, 'No deliveries yet.');
  return h(
    'table',
    { id: 'deliveries-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Time'),
        h('th', {}, 'Event'),
        h('th', {}, 'Event ID'),
        h('th', {}, 'Attempt'),
        h('th', {}, 'Result'),
        h('th', {}, 'Details'),
        h('th', {}),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((d) => {
        const ok = d.status === 'ok';
        const replay = h('button', { type: 'button', class: 'secondary', 'data-action': 'replay' }, 'Replay');
        replay.addEventListener('click', () => {
          replay.disabled = true;
          Api.replay(appID, [d.eventId]).then(
            () => {
              ctx.notice.info(`Replaying ${d.eventId}`);
              reload();
            },
            (err: unknown) => {
              replay.disabled = false;
              ctx.notice.error(err, 'Replay');
            },
          );
        });
        return h(
          'tr',
          { 'data-event-id': d.eventId, 'data-event': d.event, 'data-attempt': d.attempt },
          h('td', { class: 'time' }, formatTime(d.time)),
          h('td', {}, d.event),
          h('td', {}, h('code', {}, d.eventId)),
          h('td', { class: 'num' }, String(d.attempt)),
          h(
            'td',
            {},
            h(
              'span',
              { class: `badge ${ok ? 'ok' : 'warn'}` },
              [d.status, d.httpStatus !== null ? `HTTP ${d.httpStatus}` : 'no answer']
                .filter(Boolean)
                .join(' · ') || '?',
            ),
            // The status line already says `HTTP 500`; the error adds something only when there was no answer.
            d.error && d.error !== `HTTP ${d.httpStatus}` ? h('div', { class: 'muted' }, d.error) : null,
          ),
          // The URL only when it is not the app's current one (an attempt made before a change).
          detailsCell({ room: d.roomID, ms: d.durationMs, url: d.url === app.callbackUrl ? null : d.url }),
          h('td', {}, replay),
        );
      }),
    ),
  );
}

/** Webhook deliveries of the selected app (every attempt, newest first, refreshed every 2 s), with replay and a test event. */
export const webhooksPage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const eventId = ctx.params.get('eventId') ?? '';
  const form = h(
    'form',
    { class: 'card row', id: 'deliveries-form' },
    h('label', { class: 'grow' }, 'Event ID (optional)', h('input', { name: 'eventId', value: eventId })),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', class: 'secondary', id: 'refresh-deliveries' }, 'Refresh'),
    h('button', { type: 'button', class: 'secondary', id: 'test-webhook' }, 'Send test event'),
  );
  const out = h('section', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  const target = h(
    'p',
    { class: 'muted' },
    app.callbackUrl
      ? ['Callback URL: ', h('code', {}, app.callbackUrl)]
      : ['No callback URL set: ', h('a', { href: '#/apps' }, 'set one'), '.'],
  );
  let last = '';
  const load = async (): Promise<void> => {
    try {
      // Newest first: an operator looks for what just happened.
      const rows = (await Api.deliveries(app.appID, eventId || undefined)).reverse();
      const key = JSON.stringify(rows.map((r) => [r.id, r.status]));
      if (key === last) return;
      last = key;
      replace(
        out,
        h('h2', {}, `Deliveries · ${rows.length}`),
        deliveriesTable(app, rows, ctx, () => void load()),
      );
    } catch (err) {
      replace(out, h('p', { class: 'empty' }, 'Could not load deliveries.'));
      last = '';
      ctx.notice.error(err, 'Deliveries');
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate('/webhooks', { eventId: field(form, 'eventId') });
  });
  form.querySelector('#refresh-deliveries')?.addEventListener('click', () => void load());
  form.querySelector('#test-webhook')?.addEventListener('click', () => {
    Api.testWebhook(app.appID).then(
      () => {
        ctx.notice.info('Test event queued');
        void load();
      },
      (err: unknown) => ctx.notice.error(err, 'Test webhook'),
    );
  });
  replace(root, target, form, out);
  // Deliveries happen in the background (retries, replays): the log refreshes itself.
  return poll(load, REFRESH_MS);
};
