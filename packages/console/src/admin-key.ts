const KEY = 'minirtc.adminKey';
const APP = 'minirtc.appID';

/**
 * The admin key lives in sessionStorage: it survives reloads of the tab but not closing it, and is never
 * written anywhere else.
 */
export const adminKey = {
  /** The stored key, or null when signed out. */
  get(): string | null {
    return sessionStorage.getItem(KEY);
  },
  /** Stores the key (sign in). */
  set(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  /** Forgets the key (sign out, or the server refused it). */
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

/** The app the operator is looking at, remembered across pages for the tab's life. */
export const currentApp = {
  /** The selected AppID, or null. */
  get(): number | null {
    const v = Number(sessionStorage.getItem(APP));
    return Number.isInteger(v) && v > 0 ? v : null;
  },
  /** Selects an app. */
  set(appID: number): void {
    sessionStorage.setItem(APP, String(appID));
  },
};
