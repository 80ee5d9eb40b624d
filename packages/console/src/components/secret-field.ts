import { h } from '../dom.js';
import { copyButton } from './copy-button.js';

/**
 * A secret shown masked (or `revealed`, right after a rotation), with Show/Hide and Copy buttons; `extra`
 * buttons (Rotate) go beside them.
 */
export function secretField(
  label: string,
  value: string | null | undefined,
  name: string,
  revealed: boolean,
  ...extra: HTMLElement[]
): HTMLElement {
  const secret = value ?? '';
  const masked = secret ? '•'.repeat(Math.min(secret.length, 32)) : '(not available)';
  let shown = revealed && secret !== '';
  const text = h('code', { class: 'secret', 'data-secret': name }, shown ? secret : masked);
  const toggle = h(
    'button',
    { type: 'button', class: 'secondary', 'data-action': `show-${name}` },
    shown ? 'Hide' : 'Show',
  );
  toggle.addEventListener('click', () => {
    shown = !shown;
    text.textContent = shown ? secret : masked;
    toggle.textContent = shown ? 'Hide' : 'Show';
  });
  return h(
    'div',
    { class: 'secret-row' },
    h('span', { class: 'label' }, label),
    text,
    h('span', { class: 'buttons' }, secret ? [toggle, copyButton(() => secret)] : null, extra),
  );
}
