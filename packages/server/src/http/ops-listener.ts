import { ErrorCode, MiniRtcError } from '@minirtc/protocol';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { sendError } from './http-app.js';
import { type Readiness, readinessRoutes } from './readiness.js';
import { healthRoutes, metricsRoutes } from './routes.js';

/**
 * A plain-HTTP listener with `/healthz`, `/readyz` and `/metrics` only, by default on loopback: a load
 * balancer's health check or a Prometheus scraper on the host reaches them without TLS, and nothing
 * else of the API is exposed there.
 */
export class OpsListener {
  readonly #app: FastifyInstance;
  #url: string | undefined;

  constructor(
    private readonly where: { host?: string; port: number },
    registry: Registry,
    log: Logger,
    readiness?: Readiness,
  ) {
    this.#app = Fastify({ logger: false, bodyLimit: 1024, forceCloseConnections: true });
    healthRoutes(this.#app);
    if (readiness) readinessRoutes(readiness)(this.#app);
    metricsRoutes(registry)(this.#app);
    this.#app.setErrorHandler((err, _req, reply) => sendError(reply, err, log));
    this.#app.setNotFoundHandler((_req, reply) =>
      sendError(reply, new MiniRtcError(ErrorCode.API_NOT_FOUND)),
    );
  }

  /** `http://host:port` once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Binds the port. */
  async listen(): Promise<void> {
    const host = this.where.host ?? '127.0.0.1';
    await this.#app.listen({ port: this.where.port, host });
    const a = this.#app.server.address() as AddressInfo;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await this.#app.close();
  }
}
