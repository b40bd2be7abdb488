// The object-valued options, given in code only: each checked once, at start-up.
import { isIP } from 'node:net';
import { validateMetricName } from 'prom-client';
import * as endpointMessages from '../endpoint/endpoint.messages';
import type {
  MetricsModuleOptions,
  OptionSource,
  StandardMetricNames,
} from '../interfaces/metrics-options.interface';
import { DEFAULT_METRIC_NAMES } from '../metrics.constants';
import * as messages from './options.messages';
import { codeAt, fail, type Scope } from './option-scope';

export function resolveMetricNames(
  names: MetricsModuleOptions['metricNames'],
): StandardMetricNames {
  // The three names only: a misspelt key is reported as unknown, not counted as a fourth name.
  const resolved: StandardMetricNames = {
    consumed: names?.consumed ?? DEFAULT_METRIC_NAMES.consumed,
    produced: names?.produced ?? DEFAULT_METRIC_NAMES.produced,
    errors: names?.errors ?? DEFAULT_METRIC_NAMES.errors,
  };
  for (const [key, name] of Object.entries(resolved)) {
    if (typeof name !== 'string' || !validateMetricName(name)) {
      fail(codeAt(`metricNames.${key}`), messages.notAMetricName(name));
    }
  }
  if (new Set(Object.values(resolved)).size !== 3) {
    fail(codeAt('metricNames'), messages.sameMetricNames);
  }
  return resolved;
}

// prom-client exports no label-name check at its top level (only validateMetricName).
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Labels the module's own metrics carry (or Prometheus sets): a grouping label of the same name
// would make the Pushgateway reject every push.
const RESERVED_GROUPING_LABELS = new Set(['job', 'app', 'topic', 'exception', 'target', 'reason']);

/** Grouping labels after `job`, the node:cluster worker's included. */
export function resolveGroupingLabels(
  labels: MetricsModuleOptions['groupingLabels'],
  scope: Scope,
): Readonly<Record<string, string>> {
  if (
    labels !== undefined &&
    (typeof labels !== 'object' || labels === null || Array.isArray(labels))
  ) {
    fail(codeAt('groupingLabels'), messages.notALabelMap(labels));
  }
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels ?? {})) {
    const at = codeAt(`groupingLabels.${name}`);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) fail(at, messages.notALabelName);
    if (name === 'instance') fail(at, messages.instanceLabel);
    if (RESERVED_GROUPING_LABELS.has(name)) fail(at, messages.reservedLabel);
    if (typeof value !== 'string' || value.trim() === '') fail(at, messages.notALabelValue(value));
    resolved[name] = value.trim();
  }
  if (scope.clusterWorkerId !== undefined && resolved.worker === undefined) {
    resolved.worker = String(scope.clusterWorkerId);
  }
  return Object.freeze(resolved);
}

// A plain path: route parameters and wildcards mean different things to Express and Fastify.
const ENDPOINT_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * Where the pull endpoint is served: `{ path }` on the app's HTTP server, or with `port` on a
 * server of the module's own, on `host` (all interfaces when undefined); `undefined` when off.
 */
export type ResolvedMetricsEndpoint =
  | { readonly path: string; readonly port?: undefined }
  | {
      readonly path: string;
      readonly port: number;
      readonly host: string | undefined;
      /** Where the port came from, for the errors of listening on it. */
      readonly portSource: OptionSource;
    };

/**
 * Resolves `metricsEndpoint`. `port` resolves its `port` field (given in code, else env
 * `METRICS_ENDPOINT_PORT`, else none), so that env var alone turns the metrics port on, and
 * moves `true` or `{ path }` onto it; `false` keeps it all off.
 */
export function resolveMetricsEndpoint(
  value: MetricsModuleOptions['metricsEndpoint'],
  port: (given: unknown) => { value: number | undefined; source: OptionSource },
): ResolvedMetricsEndpoint | undefined {
  if (value === false) return undefined;
  if (
    value !== undefined &&
    value !== true &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    fail(codeAt('metricsEndpoint'), messages.notAnEndpoint(value));
  }
  const given = typeof value === 'object' ? value : {};
  const path = given.path ?? '/metrics';
  if (typeof path !== 'string' || !ENDPOINT_PATH.test(path)) {
    fail(codeAt('metricsEndpoint.path'), messages.notAPath(path));
  }
  const { value: portNumber, source } = port(given.port);
  const host: unknown = given.host;
  if (portNumber === undefined) {
    if (host !== undefined) fail(codeAt('metricsEndpoint.host'), endpointMessages.hostWithoutPort);
    return value === undefined ? undefined : { path };
  }
  if (host !== undefined && (typeof host !== 'string' || isIP(host) === 0)) {
    fail(codeAt('metricsEndpoint.host'), endpointMessages.notAListenAddress(host));
  }
  return { path, port: portNumber, host, portSource: source };
}

/** Prefix of the default process metrics; `undefined` when they are off. */
export function resolveDefaultMetrics(
  value: MetricsModuleOptions['defaultMetrics'],
): { readonly prefix: string } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { prefix: '' };
  if (typeof value !== 'object' || value === null) {
    fail(codeAt('defaultMetrics'), messages.notDefaultMetrics(value));
  }
  const prefix = value.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !validateMetricName(prefix))) {
    fail(codeAt('defaultMetrics.prefix'), messages.notAPrefix(prefix));
  }
  return { prefix };
}
