import { adminKey } from '../admin-key.js';
import { Api } from '../api.js';
import { toApiError } from '../api-error.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';

/**
 * The sign-in form: the admin key is checked against the API (listing apps) before it is kept in
 * sessionStorage, so a wrong key shows the server's own `{ code, message }` here.
 */
export function signInPage(reason: string | null): HTMLElement {
  const error = h('p', { class: 'notice error', role: 'alert', hidden: !reason }, reason ?? '');
  const input = h('input', {
    type: 'password',
    name: 'key',
    id: 'admin-key',
    autocomplete: 'current-password',
    required: true,
    placeholder: 'admin key',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card sign-in' },
    h('h1', {}, 'MiniRTC console'),
    h(
      'p',
      { class: 'muted' },
      'Sign in with the admin key (config api.adminKey / MINIRTC_API_ADMIN_KEY; npm start prints it). ' +
        'It is kept in this tab only.',
    ),
    h('label', { for: 'admin-key' }, 'Admin key'),
    input,
    submit,
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    submit.disabled = true;
    error.hidden = true;
    Api.listApps(key).then(
      () => {
        adminKey.set(key);
        navigate('/apps');
      },
      (err: unknown) => {
        submit.disabled = false;
        error.textContent = toApiError(err).describe();
        error.hidden = false;
      },
    );
  });
  queueMicrotask(() => input.focus());
  return h('div', { class: 'sign-in-wrap' }, form);
}
