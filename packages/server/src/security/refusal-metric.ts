import type { Metric } from '../metrics/exposition.js';

/**
 * `minirtc_security_refusals_total{reason}`: what every security limit refused, read at scrape time
 * from the counters of signaling and the media gateway (counters only ever grow, so reading them
 * late loses nothing).
 */
export class RefusalMetric implements Metric {
  readonly name = 'minirtc_security_refusals_total';

  constructor(private readonly read: () => [string, number][]) {}

  render(): string {
    const lines = [
      `# HELP ${this.name} Connections, logins and requests refused by a security limit, by reason.`,
      `# TYPE ${this.name} counter`,
    ];
    for (const [reason, n] of this.read()) lines.push(`${this.name}{reason="${reason}"} ${n}`);
    return lines.join('\n');
  }
}
