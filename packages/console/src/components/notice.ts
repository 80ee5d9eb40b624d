import { toApiError } from '../api-error.js';
import { h, replace } from '../dom.js';

/**
 * The banner at the top of the page: errors show the API's code and message until dismissed or
 * replaced; successes fade after a few seconds.
 */
export class Notice {
  /** The banner element (empty when nothing to say). */
  readonly el = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flash: string | undefined;

  /** Shows a failure: `Error <code> (HTTP <status>): <message>`. */
  error(err: unknown, context?: string): void {
    const e = toApiError(err);
    this.#show('error', `${context ? `${context}: ` : ''}${e.describe()}`, e.code);
  }

  /** Shows a short success message. */
  info(message: string): void {
    this.#show('info', message);
    this.#timer = setTimeout(() => this.clear(), 4000);
  }

  /** Shows `message` after the next page render (a success that causes a navigation). */
  flash(message: string): void {
    this.#flash = message;
  }

  /** Called by the shell on every navigation: drops what belonged to the last page, shows a pending flash. */
  pageChanged(): void {
    this.clear();
    const f = this.#flash;
    this.#flash = undefined;
    if (f) this.info(f);
  }

  /** Hides the banner. */
  clear(): void {
    clearTimeout(this.#timer);
    this.el.className = 'notice';
    this.el.replaceChildren();
  }

  #show(kind: 'error' | 'info', text: string, code?: number): void {
    clearTimeout(this.#timer);
    this.el.className = `notice ${kind}`;
    this.el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    if (code !== undefined) this.el.dataset.code = String(code);
    else delete this.el.dataset.code;
    replace(
      this.el,
      h('span', { class: 'notice-text' }, text),
      h(
        'button',
        { class: 'link', type: 'button', 'aria-label': 'Dismiss', onclick: () => this.clear() },
        '×',
      ),
    );
  }
}
