import { Api } from '../api.js';
import type { TimelineEvent } from '../api-types.js';
import { appRequired } from '../components/app-required.js';
import { detailsCell } from '../components/details-cell.js';
import { field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page } from '../page.js';
import { navigate } from '../router.js';

function timelineTable(events: TimelineEvent[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'empty' }, 'Nothing recorded for this room/user.');
  return h(
    'table',
    { id: 'timeline-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Time'),
        h('th', {}, 'Event'),
        h('th', {}, 'User'),
        h('th', {}, 'Stream'),
        h('th', {}, 'Details'),
      ),
    ),
    h(
      'tbody',
      {},
      events.map((e) =>
        h(
          'tr',
          { 'data-type': e.type },
          h('td', { class: 'time' }, formatTime(e.time)),
          h('td', {}, h('span', { class: `event event-${e.type.replace(/[^a-zA-Z0-9_-]/g, '')}` }, e.type)),
          h('td', {}, e.userID ?? ''),
          h('td', {}, e.streamID ?? ''),
          detailsCell(e.detail ?? {}),
        ),
      ),
    ),
  );
}

/** The call timeline of a room (optionally one user): logins, streams, player/publisher states, in order. */
export const timelinePage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const roomID = ctx.params.get('room') ?? '';
  const userID = ctx.params.get('user') ?? '';
  const form = h(
    'form',
    { class: 'card row', id: 'timeline-form' },
    h(
      'label',
      {},
      'Room ID',
      h('input', { name: 'room', value: roomID, required: true, placeholder: 'room1' }),
    ),
    h(
      'label',
      {},
      'User ID (optional)',
      h('input', { name: 'user', value: userID, placeholder: 'all users' }),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Show timeline'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate('/timeline', { room: field(form, 'room'), user: field(form, 'user') });
  });
  const out = h(
    'section',
    { class: 'card' },
    h('p', { class: 'muted' }, roomID ? 'Loading…' : 'Pick a room.'),
  );
  replace(root, form, out);
  if (roomID) {
    Api.timeline(app.appID, roomID, userID).then(
      (events) =>
        replace(
          out,
          h(
            'h2',
            {},
            `Room ${roomID}${userID ? ` · user ${userID}` : ''}`,
            h('span', { class: 'muted' }, ` · ${events.length} events`),
          ),
          timelineTable(events),
        ),
      (err: unknown) => {
        replace(out, h('p', { class: 'empty' }, 'Could not load the timeline.'));
        ctx.notice.error(err, 'Timeline');
      },
    );
  }
  return undefined;
};
