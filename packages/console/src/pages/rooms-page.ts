import { Api } from '../api.js';
import type { RoomDetail, RoomSummary, StreamInfo } from '../api-types.js';
import { appRequired } from '../components/app-required.js';
import { FlvPreview } from '../components/flv-preview.js';
import { poll } from '../components/poller.js';
import { h, replace } from '../dom.js';
import { formatAge, formatBitrate } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { href } from '../router.js';

/** How often the live view asks the API again. */
const REFRESH_MS = 1500;

function roomsTable(rooms: RoomSummary[], selected: string | null): HTMLElement {
  if (rooms.length === 0)
    return h('p', { class: 'empty' }, 'No live rooms. A room exists while someone is in it.');
  return h(
    'table',
    { id: 'rooms-table' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'Room'), h('th', {}, 'Users'), h('th', {}, 'Streams'), h('th', {}, 'Age')),
    ),
    h(
      'tbody',
      {},
      rooms.map((r) =>
        h(
          'tr',
          { 'data-room': r.roomID, class: r.roomID === selected ? 'selected' : undefined },
          h('td', {}, h('a', { href: href('/rooms', { room: r.roomID }) }, r.roomID)),
          h('td', { class: 'num', 'data-col': 'users' }, String(r.users)),
          h('td', { class: 'num', 'data-col': 'streams' }, String(r.streams)),
          h('td', { class: 'muted' }, formatAge(r.createdAt)),
        ),
      ),
    ),
  );
}

/** The detail of one room: members with kick buttons, streams with live previews, close button. */
class RoomView {
  readonly el: HTMLElement;
  readonly #users = h('div', { id: 'room-users' });
  readonly #streams = h('div', { class: 'streams', id: 'room-streams' });
  readonly #previews = new Map<string, { preview: FlvPreview; tile: HTMLElement; info: HTMLElement }>();
  #lastUsers = '';
  #ended = false;

  constructor(
    readonly appID: number,
    readonly roomID: string,
    readonly ctx: PageContext,
  ) {
    const close = h('button', { type: 'button', class: 'danger', id: 'close-room' }, 'Close room');
    close.addEventListener('click', () => {
      if (!confirm(`Close room ${roomID}? Everyone in it is kicked out.`)) return;
      Api.closeRoom(appID, roomID).then(
        () => ctx.notice.info(`Room ${roomID} closed`),
        (err: unknown) => ctx.notice.error(err, 'Close room'),
      );
    });
    this.el = h(
      'section',
      { class: 'card', id: 'room-detail', 'data-room': roomID },
      h(
        'div',
        { class: 'row' },
        h('h2', { class: 'grow' }, `Room ${roomID}`),
        h('a', { class: 'button secondary', href: href('/timeline', { room: roomID }) }, 'Timeline'),
        close,
      ),
      h('h3', {}, 'Users'),
      this.#users,
      h('h3', {}, 'Streams'),
      this.#streams,
    );
  }

  /** Shows the latest state; `detail` null means the room is gone. */
  update(detail: RoomDetail | null): void {
    if (!detail) {
      if (!this.#ended)
        replace(this.#users, h('p', { class: 'empty', id: 'room-ended' }, 'This room has ended.'));
      this.#ended = true;
      this.#updateStreams([]);
      return;
    }
    this.#ended = false;
    const key = JSON.stringify(detail.users);
    if (key !== this.#lastUsers) {
      this.#lastUsers = key;
      replace(this.#users, this.#usersTable(detail));
    }
    this.#updateStreams(detail.streams);
  }

  /** Stops every preview. */
  destroy(): void {
    for (const p of this.#previews.values()) p.preview.destroy();
    this.#previews.clear();
  }

  #usersTable(detail: RoomDetail): HTMLElement {
    if (detail.users.length === 0) return h('p', { class: 'empty' }, 'Nobody is in this room.');
    return h(
      'table',
      { id: 'users-table' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'User ID'), h('th', {}, 'Name'), h('th', {}, 'Node'), h('th', {})),
      ),
      h(
        'tbody',
        {},
        detail.users.map((u) =>
          h(
            'tr',
            { 'data-user': u.userID },
            h('td', {}, h('code', {}, u.userID)),
            h(
              'td',
              {},
              u.userName,
              u.state === 'grace' ? h('span', { class: 'badge warn' }, 'reconnecting') : null,
            ),
            h('td', { class: 'node' }, h('code', {}, u.node)),
            h(
              'td',
              {},
              h(
                'div',
                { class: 'actions' },
                h(
                  'a',
                  {
                    class: 'button secondary',
                    href: href('/timeline', { room: this.roomID, user: u.userID }),
                  },
                  'Timeline',
                ),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    'data-action': 'kick',
                    onclick: () => {
                      Api.kick(this.appID, this.roomID, [u.userID]).then(
                        () => this.ctx.notice.info(`Kicked ${u.userID}`),
                        (err: unknown) => this.ctx.notice.error(err, `Kick ${u.userID}`),
                      );
                    },
                  },
                  'Kick',
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  #updateStreams(streams: StreamInfo[]): void {
    const seen = new Set<string>();
    for (const s of streams) {
      seen.add(s.streamID);
      let p = this.#previews.get(s.streamID);
      if (!p) {
        const preview = new FlvPreview(s.streamID);
        const info = h('div', { class: 'stream-info' });
        const stop = h(
          'button',
          { type: 'button', class: 'danger', 'data-action': 'stop-stream' },
          'Stop stream',
        );
        stop.addEventListener('click', () => {
          Api.deleteStream(this.appID, s.streamID).then(
            () => this.ctx.notice.info(`Stream ${s.streamID} stopped`),
            (err: unknown) => this.ctx.notice.error(err, 'Stop stream'),
          );
        });
        const tile = h('div', { class: 'stream', 'data-stream': s.streamID }, preview.el, info, stop);
        p = { preview, tile, info };
        this.#previews.set(s.streamID, p);
        this.#streams.append(tile);
      }
      replace(
        p.info,
        h('strong', {}, s.streamID),
        h('span', {}, `by ${s.userID}`),
        h('span', { class: 'muted node' }, `on ${s.node}`),
        s.mediaNode !== null ? h('span', { class: 'muted media-node' }, `media ${s.mediaNode}`) : null,
        s.players !== null
          ? h('span', { class: 'muted' }, `${s.players} ${s.players === 1 ? 'player' : 'players'}`)
          : null,
        s.bitrate !== null ? h('span', { class: 'muted' }, formatBitrate(s.bitrate)) : null,
        s.live === false ? h('span', { class: 'badge warn' }, 'not live') : null,
      );
      p.preview.update(s.previewUrl ?? undefined);
    }
    for (const [id, p] of this.#previews) {
      if (seen.has(id)) continue;
      p.preview.destroy();
      p.tile.remove();
      this.#previews.delete(id);
    }
    const empty = this.#streams.querySelector('.empty');
    if (this.#previews.size === 0 && !empty)
      this.#streams.append(h('p', { class: 'empty' }, 'No live streams.'));
    if (this.#previews.size > 0) empty?.remove();
  }
}

/** Live rooms of the selected app, refreshed every 1.5 s; `?room=` opens one room's detail. */
export const roomsPage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const selected = ctx.params.get('room');
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const updated = h('span', { class: 'muted', id: 'rooms-updated' });
  const view = selected ? new RoomView(app.appID, selected, ctx) : null;
  replace(
    root,
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'row' }, h('h2', { class: 'grow' }, 'Rooms'), updated),
      list,
    ),
    view?.el,
  );
  let lastRooms = '';
  let failing = false;
  const stop = poll(async () => {
    try {
      // The room detail carries its streams with fresh preview URLs: two requests per tick.
      const [rooms, detail] = await Promise.all([
        Api.listRooms(app.appID),
        selected ? Api.getRoom(app.appID, selected).catch(notFoundAsNull) : Promise.resolve(null),
      ]);
      const key = JSON.stringify(rooms.map((r) => [r.roomID, r.users, r.streams]));
      if (key !== lastRooms) {
        lastRooms = key;
        replace(list, roomsTable(rooms, selected));
      }
      view?.update(detail);
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
      if (failing) ctx.notice.clear();
      failing = false;
    } catch (err) {
      failing = true;
      ctx.notice.error(err, 'Refreshing rooms');
    }
  }, REFRESH_MS);
  return () => {
    stop();
    view?.destroy();
  };
};

function notFoundAsNull(err: unknown): null {
  if (err && typeof err === 'object' && (err as { status?: number }).status === 404) return null;
  throw err;
}
