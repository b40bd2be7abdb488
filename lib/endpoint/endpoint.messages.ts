/** User-facing messages of the pull side: the app's HTTP server and the module's own metrics port. */
import { shown } from '../options/options.messages';

/** Where the metrics port listens, as messages show it. */
export const listenAddress = (port: number, host: string | undefined): string =>
  host === undefined
    ? `port ${port} (all interfaces)`
    : `${host.includes(':') ? `[${host}]` : host}:${port}`;

export const noHttpServer = (path: string): string =>
  `metricsEndpoint is on but the app has no HTTP server (NestFactory.create); ${path} is not served. Give it a port of its own: metricsEndpoint: { port } or METRICS_ENDPOINT_PORT`;

export const collectFailed = (reason: string): string =>
  `metrics endpoint could not collect the registry: ${reason}`;

export const answerFailed = (reason: string): string =>
  `metrics endpoint could not answer: ${reason}`;

export const portServing = (port: number, host: string | undefined, path: string): string =>
  `metrics served on ${listenAddress(port, host)} at ${path}`;

export const portServerFailed = (reason: string): string => `metrics port server error: ${reason}`;

// Reasons an option is refused; each completes `option "<name>" (<origin>) ...`.
export const hostWithoutPort =
  'is only for a metrics port of its own: give metricsEndpoint.port (or METRICS_ENDPOINT_PORT) too';
export const notAListenAddress = (value: unknown): string =>
  `must be an IP address to listen on, such as "0.0.0.0", "::" or "127.0.0.1", got ${shown(value)}`;
export const portInUse = (port: number, host: string | undefined, clusterWorker: boolean): string =>
  `cannot be listened on: ${listenAddress(port, host)} is already in use${
    clusterWorker
      ? '; node:cluster workers each need a port of their own (e.g. 9464 + cluster.worker.id), or push instead'
      : ''
  }`;
export const listenFailed = (port: number, host: string | undefined, reason: string): string =>
  `cannot be listened on (${listenAddress(port, host)}): ${reason}`;

// Bodies of the metrics port's own answers.
export const collectionFailedBody = 'metrics collection failed\n';
export const notFoundBody = (path: string): string => `not found: metrics are served at ${path}\n`;
export const methodNotAllowedBody = 'method not allowed: use GET or HEAD\n';
