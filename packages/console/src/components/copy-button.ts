import { h } from '../dom.js';

/** Copies text to the clipboard; falls back to a hidden textarea where the Clipboard API is unavailable (http). */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const ta = h('textarea', { class: 'offscreen', readonly: true }, text);
  document.body.append(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  if (!ok) throw new Error('the browser refused to copy');
}

/** A button that copies `text()` and says "Copied" for a moment. */
export function copyButton(text: () => string, label = 'Copy'): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'secondary copy' }, label);
  btn.addEventListener('click', () => {
    copyText(text()).then(
      () => {
        btn.textContent = 'Copied';
        btn.dataset.copied = 'true';
        setTimeout(() => {
          btn.textContent = label;
        }, 1500);
      },
      (err: unknown) => {
        btn.textContent = `Copy failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  });
  return btn;
}
