import { Api } from '../api.js';
import { appRequired } from '../components/app-required.js';
import { copyButton } from '../components/copy-button.js';
import { checked, field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page } from '../page.js';

/** The temporary token generator: a token04 for (app, user, room, publish, ttl), made by the server. */
export const tokensPage: Page = (root, ctx) => {
  const app = ctx.app;
  if (!app) {
    replace(root, appRequired());
    return undefined;
  }
  const output = h('textarea', {
    id: 'token-output',
    readonly: true,
    rows: 4,
    placeholder: 'the token appears here',
  });
  const meta = h('p', { class: 'muted', id: 'token-meta' });
  const form = h(
    'form',
    { class: 'card', id: 'token-form' },
    h('h2', {}, `Temporary token for app ${app.appID}`),
    h(
      'p',
      { class: 'muted' },
      'For testing: a real app server makes token04 itself with its ServerSecret. The console asks the server.',
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        {},
        'User ID',
        h('input', { name: 'userID', required: true, maxlength: 64, placeholder: 'user1' }),
      ),
      h(
        'label',
        {},
        'Room ID (optional)',
        h('input', { name: 'roomID', maxlength: 128, placeholder: 'room1' }),
      ),
      h(
        'label',
        { class: 'grow' },
        'Stream IDs (optional, comma-separated)',
        h('input', { name: 'streamIDs', placeholder: 'stream1, stream2' }),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'publish', checked: true }),
        'May publish',
      ),
      h(
        'label',
        {},
        'TTL (seconds)',
        h('input', {
          name: 'ttlSeconds',
          type: 'number',
          min: 1,
          max: 86400 * 30,
          value: 3600,
          required: true,
        }),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Generate token'),
    ),
  );
  const result = h(
    'section',
    { class: 'card' },
    h('h2', {}, 'Token'),
    output,
    h(
      'div',
      { class: 'row' },
      copyButton(() => output.value, 'Copy token'),
      meta,
    ),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const roomID = field(form, 'roomID');
    const streamIDs = field(form, 'streamIDs')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const ttlSeconds = Number(field(form, 'ttlSeconds'));
    Api.createToken(app.appID, {
      userID: field(form, 'userID'),
      ...(roomID ? { roomID } : {}),
      publish: checked(form, 'publish'),
      ...(streamIDs.length ? { streamIDs } : {}),
      ttlSeconds,
    }).then(
      (t) => {
        output.value = t.token;
        const expires = t.expiresAt ?? Math.floor(Date.now() / 1000) + ttlSeconds;
        meta.textContent = `expires ${formatTime(expires)}`;
      },
      (err: unknown) => {
        output.value = '';
        meta.textContent = '';
        ctx.notice.error(err, 'Generate token');
      },
    );
  });
  replace(root, form, result);
  return undefined;
};
