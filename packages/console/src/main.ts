import './style.css';
import { adminKey, currentApp } from './admin-key.js';
import { Api } from './api.js';
import { setUnauthorizedHandler } from './api-client.js';
import type { App } from './api-types.js';
import { Notice } from './components/notice.js';
import { h, replace } from './dom.js';
import type { Page, PageContext } from './page.js';
import { appsPage } from './pages/apps-page.js';
import { logsPage } from './pages/logs-page.js';
import { recordingsPage } from './pages/recordings-page.js';
import { roomsPage } from './pages/rooms-page.js';
import { signInPage } from './pages/sign-in-page.js';
import { timelinePage } from './pages/timeline-page.js';
import { tokensPage } from './pages/tokens-page.js';
import { webhooksPage } from './pages/webhooks-page.js';
import { type Location, navigate, startRouter } from './router.js';

const routes: Record<string, { title: string; page: Page }> = {
  '/apps': { title: 'Apps', page: appsPage },
  '/tokens': { title: 'Tokens', page: tokensPage },
  '/rooms': { title: 'Live rooms', page: roomsPage },
  '/timeline': { title: 'Timeline', page: timelinePage },
  '/webhooks': { title: 'Webhooks', page: webhooksPage },
  '/logs': { title: 'SDK logs', page: logsPage },
  '/recordings': { title: 'Recordings', page: recordingsPage },
};

const root = document.getElementById('app')!;
const notice = new Notice();
let apps: App[] = [];
let dispose: (() => void) | undefined;

setUnauthorizedHandler((err) => {
  adminKey.clear();
  navigate('/sign-in', { reason: err.describe() });
});

async function loadApps(): Promise<void> {
  apps = await Api.listApps();
  const sel = currentApp.get();
  if ((sel === null || !apps.some((a) => a.appID === sel)) && apps[0]) currentApp.set(apps[0].appID);
}

function appPicker(loc: Location): HTMLElement {
  const selected = currentApp.get();
  const select = h(
    'select',
    { id: 'app-picker', 'aria-label': 'App', disabled: apps.length === 0 },
    apps.length === 0 ? h('option', { value: '' }, 'no apps yet') : null,
    apps.map((a) =>
      h(
        'option',
        { value: String(a.appID), selected: a.appID === selected },
        `${a.name ? `${a.name} · ` : ''}${a.appID}`,
      ),
    ),
  );
  select.addEventListener('change', () => {
    currentApp.set(Number(select.value));
    // Room and user parameters belong to the previous app.
    navigate(loc.path);
  });
  return h('label', { class: 'app-picker' }, 'App ', select);
}

function shell(loc: Location, title: string): HTMLElement {
  const nav = h(
    'nav',
    {},
    Object.entries(routes).map(([path, r]) =>
      h('a', { href: `#${path}`, class: path === loc.path ? 'active' : undefined }, r.title),
    ),
  );
  const signOut = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    adminKey.clear();
    navigate('/sign-in');
  });
  const page = h('section', { id: 'page', 'data-page': loc.path.slice(1) });
  const layout = h(
    'div',
    { class: 'layout' },
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/apps' }, 'MiniRTC'),
      nav,
      appPicker(loc),
      signOut,
    ),
    h('main', {}, notice.el, h('h1', {}, title), page),
  );
  return layout;
}

let renderSeq = 0;

async function render(loc: Location): Promise<void> {
  const seq = ++renderSeq;
  dispose?.();
  dispose = undefined;
  notice.pageChanged();
  if (!adminKey.get() || loc.path === '/sign-in') {
    if (adminKey.get()) adminKey.clear();
    replace(root, signInPage(loc.params.get('reason')));
    document.title = 'Sign in · MiniRTC console';
    return;
  }
  const route = routes[loc.path];
  if (!route) {
    navigate('/apps');
    return;
  }
  try {
    await loadApps();
  } catch (err) {
    // A refused key has already sent us to the sign-in page.
    if (!adminKey.get()) return;
    notice.error(err, 'Loading apps');
  }
  if (seq !== renderSeq) return;
  const appID = currentApp.get();
  const ctx: PageContext = {
    params: loc.params,
    app: apps.find((a) => a.appID === appID) ?? null,
    apps,
    notice,
    refreshApps: async () => {
      await loadApps();
      const picker = root.querySelector('.app-picker');
      picker?.replaceWith(appPicker(loc));
    },
  };
  const layout = shell(loc, route.title);
  replace(root, layout);
  document.title = `${route.title} · MiniRTC console`;
  dispose = route.page(layout.querySelector<HTMLElement>('#page')!, ctx) ?? undefined;
}

startRouter((loc) => {
  void render(loc);
});
