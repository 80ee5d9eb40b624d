import type { App } from './api-types.js';
import type { Notice } from './components/notice.js';

/** What a page gets from the shell. */
export interface PageContext {
  /** The hash parameters (`#/rooms?room=r1`). */
  params: URLSearchParams;
  /** The app selected in the header, if any. */
  app: App | null;
  /** Every app (for pages that pick one). */
  apps: App[];
  /** The error/info banner. */
  notice: Notice;
  /** Reloads the app list in the header (after create, rotate, delete). */
  refreshApps(): Promise<void>;
}

/** Renders into `root`; may return a cleanup (stop polling, release players) run when the page is left. */
export type Page = (root: HTMLElement, ctx: PageContext) => undefined | (() => void);
