/** Label values of one series. */
export type Labels = Record<string, string | number>;

/** Escapes a label value for the text format. */
function esc(v: string | number): string {
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(l: Labels | undefined): string {
  if (!l) return '';
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** A metric that can render itself in the Prometheus text format (v0.0.4). */
export interface Metric {
  readonly name: string;
  render(): string;
}

/** A monotonically increasing count, per label set. */
export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels | undefined; v: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  /** Adds `by` (default 1) to the series of `labels`. */
  inc(labels?: Labels, by = 1): void {
    const key = labelText(labels);
    const cur = this.#values.get(key);
    if (cur) cur.v += by;
    else this.#values.set(key, { labels, v: by });
  }

  /** Current value of a series (0 if never incremented). */
  get(labels?: Labels): number {
    return this.#values.get(labelText(labels))?.v ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, v } of this.#values.values())
      lines.push(`${this.name}${labelText(labels)} ${num(v)}`);
    return lines.join('\n');
  }
}

/** A value read at scrape time from a callback (sessions, rooms, bytes of live streams). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number | Array<[Labels, number]>,
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    const v = this.read();
    if (typeof v === 'number') lines.push(`${this.name} ${num(v)}`);
    else for (const [l, x] of v) lines.push(`${this.name}${labelText(l)} ${num(x)}`);
    return lines.join('\n');
  }
}

/** A histogram with fixed upper bounds (seconds, by Prometheus convention). */
export class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: number[],
  ) {
    this.#counts = bounds.map(() => 0);
  }

  /** Records one observation. */
  observe(v: number): void {
    this.#sum += v;
    this.#count += 1;
    for (let i = 0; i < this.bounds.length; i++) if (v <= (this.bounds[i] as number)) this.#counts[i]! += 1;
  }

  /** Observations so far. */
  get count(): number {
    return this.#count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [i, b] of this.bounds.entries())
      lines.push(`${this.name}_bucket{le="${num(b)}"} ${this.#counts[i]}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.name}_sum ${num(this.#sum)}`, `${this.name}_count ${this.#count}`);
    return lines.join('\n');
  }
}

/** Metrics rendered together at `/metrics`. */
export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  /** Adds a metric and returns it. */
  add<M extends Metric>(m: M): M {
    this.#metrics.push(m);
    return m;
  }

  /** The whole exposition. */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join('\n')}\n`;
  }
}
