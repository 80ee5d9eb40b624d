import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../logger.js';

/** Where the server's certificate lives: PEM files, the certificate file holding the full chain. */
export interface TlsFiles {
  /** Certificate chain (leaf first, then intermediates), PEM. */
  cert: string;
  /** Private key of the leaf, PEM. */
  key: string;
  /** How often the files are checked for a change, ms; default 2000, 0 = only on {@link TlsReloader.reload}. */
  watchIntervalMs?: number;
}

/**
 * Keeps an HTTPS server on the current certificate without a restart: the pair is read again on
 * {@link reload} (the CLI calls it on SIGHUP) and when either file changes, checked (the key must
 * match the certificate), then handed to `setSecureContext`, which applies to new handshakes only:
 * running calls and players keep the connection they have. A bad pair is logged and the old one kept,
 * so a half-written renewal never takes the server down.
 */
export class TlsReloader {
  #server: HttpsServer | undefined;
  #current: { cert: Buffer; key: Buffer };
  #watching = false;
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<boolean> | undefined;

  /** Reads the files once: a missing or bad pair fails the start. */
  constructor(
    private readonly files: TlsFiles,
    private readonly log: Logger,
    private readonly onReload: (e: { ok: boolean; reason: 'signal' | 'file' }) => void = () => {},
  ) {
    const pair = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    createSecureContext(pair);
    this.#current = pair;
  }

  /** The pair in use. */
  get current(): { cert: Buffer; key: Buffer } {
    return this.#current;
  }

  /** The server whose context is replaced on reload. */
  attach(server: HttpsServer): void {
    this.#server = server;
  }

  /** Re-reads and applies the pair; false (old pair kept) when it is unreadable or does not match. */
  reload(reason: 'signal' | 'file' = 'signal'): Promise<boolean> {
    this.#pending ??= this.#reload(reason).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #reload(reason: 'signal' | 'file'): Promise<boolean> {
    try {
      const pair = { cert: await readFile(this.files.cert), key: await readFile(this.files.key) };
      if (pair.cert.equals(this.#current.cert) && pair.key.equals(this.#current.key)) return true;
      createSecureContext(pair);
      this.#server?.setSecureContext(pair);
      this.#current = pair;
      this.log.info({ cert: this.files.cert, reason }, 'TLS certificate reloaded');
      this.onReload({ ok: true, reason });
      return true;
    } catch (err) {
      this.log.warn(
        { err, cert: this.files.cert, reason },
        'TLS reload failed; keeping the current certificate',
      );
      this.onReload({ ok: false, reason });
      return false;
    }
  }

  /** Starts watching both files (polling, so renames and symlink swaps as certbot does them count). */
  watch(): void {
    const interval = this.files.watchIntervalMs ?? 2000;
    if (this.#watching || interval <= 0) return;
    this.#watching = true;
    const changed = (): void => {
      // Cert and key are usually replaced one after the other: wait for both before reading.
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.reload('file'), Math.min(500, interval));
      this.#timer.unref();
    };
    for (const f of [this.files.cert, this.files.key]) {
      watchFile(f, { interval, persistent: false }, changed);
    }
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.#timer);
    if (!this.#watching) return;
    this.#watching = false;
    unwatchFile(this.files.cert);
    unwatchFile(this.files.key);
  }
}
