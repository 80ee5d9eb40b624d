import type { FastifyInstance } from 'fastify';

/** One dependency probe: resolves when the dependency answers, rejects (or never settles) when not. */
export type ReadinessCheck = () => Promise<void>;

/** How one check went, as `/readyz` shows it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** How long the probe took (up to its timeout), ms. */
  ms: number;
  /**
   * Why it failed: `timeout` or `unreachable`. Never the error's own text: driver messages can carry
   * host names, socket paths or connection strings, and `/readyz` may be reachable by anyone a load
   * balancer is (the text goes to the server log instead).
   */
  error?: 'timeout' | 'unreachable';
}

/** The answer of {@link Readiness.run}. */
export interface ReadinessReport {
  ready: boolean;
  checks: CheckResult[];
  /** Names of the failed checks, in registration order. */
  failed: string[];
}

/** Per-check budget when none is given: a load balancer probes every few seconds. */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/**
 * The registry behind `/readyz`: every dependency a node uses (the database, Redis, …) registers a
 * probe here, from wherever the dependency is opened (the server for its database, the node for its
 * Redis link, the cluster code for its own clients). A node is ready only when all probes pass, each
 * within its own timeout; probes run in parallel so one slow dependency costs one timeout, not a sum.
 */
export class Readiness {
  readonly #checks = new Map<string, { check: ReadinessCheck; timeoutMs: number }>();
  #inFlight: Promise<ReadinessReport> | null = null;

  constructor(private readonly onFailure?: (name: string, err: unknown) => void) {}

  /**
   * Registers (or replaces, under the same name) a probe. `name` is what `/readyz` reports (`redis`,
   * `database`); keep it a plain word. Returns a function that removes this probe again.
   */
  add(name: string, check: ReadinessCheck, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): () => void {
    const entry = { check, timeoutMs };
    this.#checks.set(name, entry);
    return () => {
      if (this.#checks.get(name) === entry) this.#checks.delete(name);
    };
  }

  /** Names of the registered probes. */
  get names(): string[] {
    return [...this.#checks.keys()];
  }

  /**
   * Runs every probe once, in parallel. Calls while a run is in flight share it: `/readyz` is open to
   * anyone, and a flood of it must not turn into a flood of probes against Redis and the database.
   */
  run(): Promise<ReadinessReport> {
    this.#inFlight ??= this.#runOnce().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #runOnce(): Promise<ReadinessReport> {
    const checks = await Promise.all(
      [...this.#checks].map(([name, { check, timeoutMs }]) => this.#probe(name, check, timeoutMs)),
    );
    const failed = checks.filter((c) => !c.ok).map((c) => c.name);
    return { ready: failed.length === 0, checks, failed };
  }

  async #probe(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Symbol('timeout');
    try {
      const r = await Promise.race([
        Promise.resolve().then(check),
        new Promise<typeof timedOut>((resolve) => {
          timer = setTimeout(() => resolve(timedOut), timeoutMs);
        }),
      ]);
      const ms = Math.round(performance.now() - t0);
      if (r === timedOut) {
        this.onFailure?.(name, new Error(`no answer within ${timeoutMs} ms`));
        return { name, ok: false, ms, error: 'timeout' };
      }
      return { name, ok: true, ms };
    } catch (err) {
      this.onFailure?.(name, err);
      return { name, ok: false, ms: Math.round(performance.now() - t0), error: 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `GET|HEAD /readyz`: 200 `{ ready: true, checks }` when every dependency answers, else 503
 * `{ ready: false, failed: ['redis'], checks }`. `/healthz` stays "the process is alive": a load
 * balancer takes a node out of rotation on `/readyz` without an orchestrator restarting it.
 */
export function readinessRoutes(readiness: Readiness): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/readyz', async (_req, reply) => {
      const r = await readiness.run();
      return reply
        .code(r.ready ? 200 : 503)
        .header('cache-control', 'no-store')
        .send(
          r.ready ? { ready: true, checks: r.checks } : { ready: false, failed: r.failed, checks: r.checks },
        );
    });
  };
}
