import { Counter, type Registry } from 'prom-client';

/**
 * Registers `minirtc_security_refusals_total{reason}`: what every security limit refused, read at
 * scrape time from the counters of signaling and the media gateway (they only ever grow, so reading
 * them late loses nothing).
 */
export function registerRefusalMetric(registry: Registry, read: () => [string, number][]): void {
  new Counter({
    name: 'minirtc_security_refusals_total',
    help: 'Connections, logins and requests refused by a security limit, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of read()) this.inc({ reason }, n);
    },
  });
}
