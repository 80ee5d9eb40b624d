import { h } from '../dom.js';

/** What app pages show when there is no app to work on yet. */
export function appRequired(): HTMLElement {
  return h(
    'p',
    { class: 'empty' },
    'No app selected. ',
    h('a', { href: '#/apps' }, 'Create an app'),
    ' first.',
  );
}
