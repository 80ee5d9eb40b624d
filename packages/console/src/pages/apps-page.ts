import { currentApp } from '../admin-key.js';
import { Api } from '../api.js';
import type { App } from '../api-types.js';
import { secretField } from '../components/secret-field.js';
import { field, h, replace } from '../dom.js';
import { formatTime } from '../format.js';
import type { Page, PageContext } from '../page.js';
import { navigate } from '../router.js';

function createForm(ctx: PageContext): HTMLElement {
  const form = h(
    'form',
    { class: 'card', id: 'create-app' },
    h('h2', {}, 'Create an app'),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Name', h('input', { name: 'name', required: true, placeholder: 'my-app' })),
      h(
        'label',
        { class: 'grow' },
        'Callback URL (webhooks, optional)',
        h('input', { name: 'callbackUrl', type: 'url', placeholder: 'https://example.com/minirtc/callback' }),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Create'),
    ),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = field(form, 'name');
    const callbackUrl = field(form, 'callbackUrl');
    Api.createApp(name, callbackUrl || undefined).then(
      (app) => {
        currentApp.set(app.appID);
        ctx.notice.flash(`Created app ${app.appID}`);
        form.reset();
        navigate('/apps', { created: String(app.appID) });
      },
      (err: unknown) => ctx.notice.error(err, 'Create app'),
    );
  });
  return form;
}

function appTable(ctx: PageContext): HTMLElement {
  if (ctx.apps.length === 0) return h('p', { class: 'empty' }, 'No apps yet: create one above.');
  return h(
    'table',
    { id: 'apps-table' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'AppID'), h('th', {}, 'Name'), h('th', {}, 'Callback URL'), h('th', {})),
    ),
    h(
      'tbody',
      {},
      ctx.apps.map((a) =>
        h(
          'tr',
          { 'data-app': String(a.appID), class: a.appID === ctx.app?.appID ? 'selected' : undefined },
          h('td', {}, h('code', {}, String(a.appID))),
          h('td', {}, a.name ?? ''),
          h('td', { class: 'url' }, a.callbackUrl ?? ''),
          h(
            'td',
            {},
            a.appID === ctx.app?.appID
              ? h('span', { class: 'badge' }, 'selected')
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    onclick: () => {
                      currentApp.set(a.appID);
                      navigate('/apps');
                    },
                  },
                  'Select',
                ),
          ),
        ),
      ),
    ),
  );
}

function detail(app: App, ctx: PageContext, justCreated: boolean): HTMLElement {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const card = h('section', { class: 'card', id: 'app-detail', 'data-app': String(app.appID) }, body);
  const rotate = (which: 'server' | 'callback'): HTMLButtonElement =>
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-action': `rotate-${which}`,
        onclick: () => {
          const warn =
            which === 'server'
              ? 'Rotate the ServerSecret? Tokens and stream URLs signed with the old one stop working.'
              : 'Rotate the CallbackSecret? Your webhook receiver must check signatures with the new one.';
          if (!confirm(warn)) return;
          Api.rotateSecret(app.appID, which).then(
            (next) => {
              ctx.notice.info(`${which === 'server' ? 'ServerSecret' : 'CallbackSecret'} rotated`);
              show({ ...current, ...next }, which);
            },
            (err: unknown) => ctx.notice.error(err, 'Rotate secret'),
          );
        },
      },
      'Rotate',
    );
  let current: App = app;
  const show = (a: App, revealed?: 'server' | 'callback'): void => {
    current = a;
    const settings = h(
      'form',
      { class: 'row', id: 'app-settings' },
      h(
        'label',
        { class: 'grow' },
        'Callback URL',
        h('input', { name: 'callbackUrl', type: 'url', value: a.callbackUrl ?? '', placeholder: 'none' }),
      ),
      h(
        'label',
        {},
        'Max room members',
        h('input', { name: 'maxRoomMembers', type: 'number', min: 1, value: a.maxRoomMembers ?? '' }),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Save'),
    );
    settings.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const max = field(settings, 'maxRoomMembers');
      Api.updateApp(a.appID, {
        callbackUrl: field(settings, 'callbackUrl'),
        ...(max ? { maxRoomMembers: Number(max) } : {}),
      }).then(
        async (next) => {
          ctx.notice.info('Settings saved');
          show({ ...current, ...next });
          await ctx.refreshApps();
        },
        (err: unknown) => ctx.notice.error(err, 'Save settings'),
      );
    });
    const testHook = h('button', { type: 'button', class: 'secondary' }, 'Send test webhook');
    testHook.addEventListener('click', () => {
      Api.testWebhook(a.appID).then(
        () => ctx.notice.info('Test event queued: see Webhooks for the delivery'),
        (err: unknown) => ctx.notice.error(err, 'Test webhook'),
      );
    });
    const del = h('button', { type: 'button', class: 'danger' }, 'Delete app');
    del.addEventListener('click', () => {
      if (!confirm(`Delete app ${a.appID}? Its rooms end and its tokens stop working.`)) return;
      Api.deleteApp(a.appID).then(
        () => navigate('/apps'),
        (err: unknown) => ctx.notice.error(err, 'Delete app'),
      );
    });
    replace(
      body,
      h('h2', {}, `App ${a.appID}`, a.name ? h('span', { class: 'muted' }, ` · ${a.name}`) : null),
      justCreated
        ? h(
            'p',
            { class: 'hint' },
            'Created. Keep the ServerSecret on your app server: it signs your users’ tokens.',
          )
        : null,
      a.createdAt ? h('p', { class: 'muted' }, `Created ${formatTime(a.createdAt)}`) : null,
      secretField('ServerSecret', a.serverSecret, 'server', revealed === 'server', rotate('server')),
      secretField(
        'CallbackSecret',
        a.callbackSecret,
        'callback',
        revealed === 'callback',
        rotate('callback'),
      ),
      settings,
      h('div', { class: 'row' }, testHook, h('span', { class: 'grow' }), del),
    );
  };
  Api.getApp(app.appID).then(
    (a) => show({ ...app, ...a }),
    (err: unknown) => {
      ctx.notice.error(err, `Loading app ${app.appID}`);
      show(app);
    },
  );
  return card;
}

/** Apps: create, list, select, and the selected app's secrets and callback settings. */
export const appsPage: Page = (root, ctx) => {
  const created = ctx.params.get('created');
  replace(
    root,
    createForm(ctx),
    h('section', { class: 'card' }, h('h2', {}, 'Apps'), appTable(ctx)),
    ctx.app ? detail(ctx.app, ctx, created === String(ctx.app.appID)) : null,
  );
  return undefined;
};
