import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Registry } from 'prom-client';
import { MetricsOptionsError } from '../options/metrics-options.error';
import { LOGGER_CONTEXT, METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import type { ResolvedMetricsEndpoint } from '../options/structured-options';
import { promiseTimeout } from '../utils/promise-timeout';
import * as messages from './endpoint.messages';
import { reasonOf, ScrapeAnswers } from './scrape-answer';

type PortEndpoint = Extract<ResolvedMetricsEndpoint, { port: number }>;

/**
 * Bounds of the metrics port, so that a slow or hostile client holds at most a few sockets for a
 * few seconds and never the app: a scrape's request is a few hundred bytes of headers and no
 * body, sent at once, and each connection carries one request (a scrape every 15 s or so gains
 * nothing from keep-alive). Node's own `headersTimeout` is set too, but its sweep of the open
 * connections (Node 20) can miss a slow one once another request has been served, so the header
 * deadline is also a timer of each connection's own.
 */
const LIMITS = {
  /** From connecting to the end of the request's headers. */
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  /** No byte either way for this long (a client that stops reading its answer): closed. */
  idleTimeoutMs: 30_000,
  maxHeaderBytes: 8 * 1024,
  /** Prometheus replicas and an operator's curl, with room to spare; further ones are dropped. */
  maxConnections: 16,
  /** On shutdown, answers under way get this long before their sockets are closed. */
  closeGraceMs: 2_000,
} as const;

const ALLOWED_METHODS = 'GET, HEAD';

/**
 * The metrics port: a small node:http server of the module's own that serves the registry at
 * `metricsEndpoint.path` on `metricsEndpoint.port`, in any kind of Nest app (a Kafka
 * `createMicroservice` has no HTTP server to borrow). It listens from `onModuleInit`, so a port
 * already in use fails start-up, and closes at shutdown (`app.close()`, with or without
 * `enableShutdownHooks`). Its socket does not keep the process alive on its own.
 */
@Injectable()
export class MetricsPortServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly scrapes: ScrapeAnswers;
  private server: Server | undefined;
  private readonly headerDeadlines = new WeakMap<Socket, NodeJS.Timeout>();

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.scrapes = new ScrapeAnswers(registry, options);
  }

  /** Listens on the port; throws {@link MetricsOptionsError} naming it when that fails. */
  async onModuleInit(): Promise<void> {
    const endpoint = this.options.metricsEndpoint;
    if (endpoint?.port === undefined || this.server) return;
    const server = createServer(
      {
        headersTimeout: LIMITS.headersTimeoutMs,
        requestTimeout: LIMITS.requestTimeoutMs,
        maxHeaderSize: LIMITS.maxHeaderBytes,
      },
      (request, response) => {
        clearTimeout(this.headerDeadlines.get(request.socket));
        response.shouldKeepAlive = false;
        void this.answer(endpoint.path, request, response);
      },
    );
    server.maxConnections = LIMITS.maxConnections;
    server.setTimeout(LIMITS.idleTimeoutMs);
    server.on('connection', (socket: Socket) => {
      const deadline = setTimeout(() => socket.destroy(), LIMITS.headersTimeoutMs).unref();
      this.headerDeadlines.set(socket, deadline);
      socket.once('close', () => clearTimeout(deadline));
    });
    await listen(server, endpoint);
    server.unref();
    server.on('error', (error) => this.logger.error(messages.portServerFailed(reasonOf(error))));
    this.server = server;
    this.logger.log(messages.portServing(endpoint.port, endpoint.host, endpoint.path));
  }

  /** Stops listening (the port is free once this resolves) and ends the open connections. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await promiseTimeout(LIMITS.closeGraceMs, closed).catch(() => server.closeAllConnections());
  }

  private async answer(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    try {
      const url = request.url ?? '';
      const query = url.indexOf('?');
      if ((query === -1 ? url : url.slice(0, query)) !== path) {
        return refuse(response, 404, messages.notFoundBody(path));
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', ALLOWED_METHODS);
        return refuse(response, 405, messages.methodNotAllowedBody);
      }
      if (request.method === 'HEAD') {
        response.writeHead(200, { 'Content-Type': this.scrapes.contentType }).end();
        return;
      }
      const { status, contentType, body } = await this.scrapes.answer();
      response
        .writeHead(status, {
          'Content-Type': contentType,
          'Content-Length': Buffer.byteLength(body),
        })
        .end(body);
    } catch (error) {
      this.logger.error(messages.answerFailed(reasonOf(error)));
      response.destroy();
    }
  }
}

/** A short plain-text refusal. */
function refuse(response: ServerResponse, status: 404 | 405, body: string): void {
  response
    .writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    })
    .end(body);
}

/**
 * Listens on the endpoint's port: all interfaces when no host is given (`::`, which takes IPv4
 * too, or `0.0.0.0` where the machine has no IPv6, as node:net chooses). `exclusive`, so that
 * node:cluster workers do not share the port (each scrape would reach one of them at random):
 * the second fails as a port in use.
 */
function listen(server: Server, endpoint: PortEndpoint): Promise<void> {
  const { port, host, portSource } = endpoint;
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const option =
        error.code === 'EADDRNOTAVAIL' ? 'metricsEndpoint.host' : 'metricsEndpoint.port';
      const reason =
        error.code === 'EADDRINUSE'
          ? messages.portInUse(port, host, cluster.isWorker)
          : messages.listenFailed(port, host, error.code ?? error.message);
      const envVar = option === 'metricsEndpoint.port' ? 'METRICS_ENDPOINT_PORT' : undefined;
      reject(new MetricsOptionsError(option, envVar, reason, envVar ? portSource : 'code'));
    };
    server.once('error', failed);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
