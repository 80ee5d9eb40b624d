import { Gauge, type Registry } from 'prom-client';

/** What a media gateway's GOP caches hold (see the RTMP package's `MediaServer.gopMemory()`). */
export interface GopMemory {
  /** Bytes of the cached GOPs' payloads. */
  cachedBytes: number;
  /** Bytes of the pooled blocks holding them (cached bytes plus each GOP's unfilled last block). */
  blockBytes: number;
  /** Bytes of free blocks kept for reuse. */
  freeBytes: number;
}

/**
 * `minirtc_media_gop_cache_bytes{kind}`: the embedded gateway's GOP caches (`cached`, `blocks`,
 * `free`). The caches are the largest memory a stream costs (about a GOP of its bytes: 250 KB for
 * 2 s at 1 Mbps), so an operator can tell them from the rest of the process's RSS. Not registered
 * when the node has no embedded gateway.
 */
export function registerGopMemoryMetric(registry: Registry, read: () => GopMemory | undefined): void {
  new Gauge({
    name: 'minirtc_media_gop_cache_bytes',
    help: 'Memory of the embedded gateway GOP caches: cached payload bytes, the pooled blocks holding them, and free blocks kept for reuse.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const m = read();
      if (!m) return;
      this.set({ kind: 'cached' }, m.cachedBytes);
      this.set({ kind: 'blocks' }, m.blockBytes);
      this.set({ kind: 'free' }, m.freeBytes);
    },
  });
}
