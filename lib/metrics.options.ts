import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { DEFAULT_METRIC_NAMES } from './metrics.constants';
import { invalidOption } from './metrics.messages';

/** Prometheus type the standard metrics are pushed as. */
export type MetricType = 'gauge' | 'counter';

/** Credentials sent with every push; never logged. */
export type PushAuth =
  { readonly username: string; readonly password: string } | { readonly bearerToken: string };

/** TLS settings for cache pods served over HTTPS. PEM text, or a path to a PEM file. */
export interface PushTlsOptions {
  /** CA that signed the cache pods' certificate (PEM text or file path). */
  readonly ca?: string;
  /** Client certificate for mutual TLS (PEM text or file path). */
  readonly cert?: string;
  /** Key of the client certificate (PEM text or file path). */
  readonly key?: string;
  /**
   * Host name checked against the pods' certificate. Pods are reached by IP address, so the
   * certificate must name that address, or this name. Default: the service name.
   */
  readonly serverName?: string;
  /** Set `false` only for tests: accepts any certificate. Default `true`. */
  readonly rejectUnauthorized?: boolean;
}

/** Options of `NubiumMetricsModule.forRoot`; each missing value falls back to the env var named. */
export interface MetricsModuleOptions {
  /** Push grouping key and `job` label, unique per pod. Env `HOSTNAME`. */
  job?: string;
  /**
   * Further labels of the push's grouping key, for several processes that share one `job`
   * (several Nest apps in one process, containers sharing a hostname): each set pushes its own
   * group instead of overwriting the others'. Inside a node:cluster worker (PM2 cluster mode
   * included), `worker: <cluster.worker.id>` is added unless `worker` is given here.
   * Not `job`, `instance` (dashboards de-duplicate the cache pods' copies over it) or a label the
   * module's metrics carry.
   */
  groupingLabels?: Record<string, string>;
  /** `app` label of the standard metrics. Env `APP_NAME`. */
  app?: string;
  /** Seconds between pushes. Env `METRICS_PUSH_RATE`, default 10. */
  pushRateSeconds?: number;
  /** DNS name of the metrics cache's headless Service (or one IP address). Env `METRICS_SERVICE_NAME`. */
  serviceName?: string;
  /** Port of the metrics cache Service; accepted for compatibility, pushes go to `podPort`. Env `METRICS_SERVICE_PORT`. */
  servicePort?: number;
  /** Port every cache pod's Pushgateway listens on. Env `METRICS_POD_PORT`, default 9091. */
  podPort?: number;
  /** DNS servers to ask (`'10.0.0.10'`, `'127.0.0.1:5353'`, `'[::1]:53'`). Default: the system resolver. */
  dnsServers?: string[];
  /** Timeout of one DNS resolution, in ms. Default 2000. */
  dnsTimeoutMs?: number;
  /** Timeout of one push to one pod, in ms. Default 5000, at most the push interval. */
  pushTimeoutMs?: number;
  /** Push at all. `false` keeps counting (e.g. for tests or a pull-only setup). Env `METRICS_PUSH_ENABLED`, default true. */
  pushEnabled?: boolean;
  /** Prometheus type of the standard metrics. Default `'gauge'`, as the original pushed them. */
  metricType?: MetricType;
  /** Names of the standard metrics. Default `messages_consumed`, `messages_produced`, `messages_errors`. */
  metricNames?: { consumed?: string; produced?: string; errors?: string };
  /** On shutdown, delete this job's group from every pod instead of a final push. Default false. */
  deleteOnShutdown?: boolean;
  /** Bound of the final push on shutdown, in ms. Default 5000. */
  shutdownTimeoutMs?: number;
  /** Most distinct `topic` values per metric before they are counted as `__overflow__`. Default 1000. */
  maxTopics?: number;
  /** Most distinct `exception` values before they are counted as `__overflow__`. Default 100. */
  maxExceptionTypes?: number;
  /** URL scheme of the cache pods. Default `'http'`; `'https'` when `tls` is given. */
  scheme?: 'http' | 'https';
  /** Basic auth or bearer token for protected Pushgateways. */
  auth?: PushAuth;
  /** TLS for Pushgateways served over HTTPS. */
  tls?: PushTlsOptions;
  /** Registry to put the metrics in (e.g. one shared with another module). Default: a new one. */
  registry?: Registry;
  /**
   * Also serve the registry on the app's HTTP server (Express or Fastify) for clusters that
   * scrape pods: `true` for `/metrics`, or `{ path }`. Default off: the cache is pushed to.
   */
  metricsEndpoint?: boolean | { path?: string };
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event loop, GC), labelled
   * with `app` and `job` like the standard metrics: `true`, or `{ prefix }`. Default off.
   */
  defaultMetrics?: boolean | { prefix?: string };
}

/** Options after env defaults and validation: what the module's parts receive. */
export interface ResolvedMetricsOptions {
  readonly job: string;
  /** Grouping labels after `job`, the node:cluster worker's included. */
  readonly groupingLabels: Readonly<Record<string, string>>;
  readonly app: string;
  readonly pushRateSeconds: number;
  readonly serviceName: string;
  readonly servicePort: number | undefined;
  readonly podPort: number;
  readonly dnsServers: readonly string[] | undefined;
  readonly dnsTimeoutMs: number;
  readonly pushTimeoutMs: number;
  readonly pushEnabled: boolean;
  readonly metricType: MetricType;
  readonly metricNames: {
    readonly consumed: string;
    readonly produced: string;
    readonly errors: string;
  };
  readonly deleteOnShutdown: boolean;
  readonly shutdownTimeoutMs: number;
  readonly maxTopics: number;
  readonly maxExceptionTypes: number;
  readonly scheme: 'http' | 'https';
  readonly auth: PushAuth | undefined;
  readonly tls:
    | (Readonly<Required<Omit<PushTlsOptions, 'ca' | 'cert' | 'key'>>> &
        Pick<PushTlsOptions, 'ca' | 'cert' | 'key'>)
    | undefined;
  readonly registry: Registry | undefined;
  /** Where the pull endpoint is served; `undefined` when it is off. */
  readonly metricsEndpoint: { readonly path: string } | undefined;
  /** Prefix of the default process metrics; `undefined` when they are off. */
  readonly defaultMetrics: { readonly prefix: string } | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Error thrown at start-up for a missing or malformed option. */
export class MetricsOptionsError extends Error {
  constructor(
    /** The option at fault. */
    readonly option: string,
    /** The env var it falls back to, if any. */
    readonly envVar: string | undefined,
    reason: string,
  ) {
    super(invalidOption(option, envVar, reason));
    this.name = 'MetricsOptionsError';
  }
}

/**
 * Applies env defaults to `options` and validates every value once, at start-up.
 * Throws {@link MetricsOptionsError} naming the option and its env var.
 */
export function resolveMetricsOptions(
  options: MetricsModuleOptions = {},
  env: Env = process.env,
  clusterWorkerId: number | undefined = cluster.worker?.id,
): ResolvedMetricsOptions {
  const pushEnabled = bool('pushEnabled', 'METRICS_PUSH_ENABLED', options.pushEnabled, env, true);
  const pushRateSeconds = num(
    'pushRateSeconds',
    'METRICS_PUSH_RATE',
    options.pushRateSeconds,
    env,
    10,
    {
      min: 0.05,
      max: 86_400,
    },
  );
  const pushTimeoutMs = num(
    'pushTimeoutMs',
    undefined,
    options.pushTimeoutMs,
    env,
    Math.min(5000, pushRateSeconds * 1000),
    {
      min: 1,
      max: pushRateSeconds * 1000,
      maxReason: `must not exceed the push interval (${pushRateSeconds * 1000} ms)`,
      integer: true,
    },
  );
  const tls = resolveTls(options.tls);
  const scheme = options.scheme ?? (tls ? 'https' : 'http');
  if (scheme !== 'http' && scheme !== 'https') {
    throw new MetricsOptionsError(
      'scheme',
      undefined,
      `must be "http" or "https", got ${JSON.stringify(scheme)}`,
    );
  }
  const metricType = options.metricType ?? 'gauge';
  if (metricType !== 'gauge' && metricType !== 'counter') {
    throw new MetricsOptionsError(
      'metricType',
      undefined,
      `must be "gauge" or "counter", got ${JSON.stringify(metricType)}`,
    );
  }
  return {
    job: str('job', 'HOSTNAME', options.job, env, true),
    groupingLabels: resolveGroupingLabels(options.groupingLabels, clusterWorkerId),
    app: str('app', 'APP_NAME', options.app, env, true),
    pushRateSeconds,
    serviceName: resolveServiceName(options.serviceName, env, pushEnabled),
    servicePort: optionalPort('servicePort', 'METRICS_SERVICE_PORT', options.servicePort, env),
    podPort: optionalPort('podPort', 'METRICS_POD_PORT', options.podPort, env) ?? 9091,
    dnsServers: resolveDnsServers(options.dnsServers),
    dnsTimeoutMs: num('dnsTimeoutMs', undefined, options.dnsTimeoutMs, env, 2000, {
      min: 1,
      max: 60_000,
      integer: true,
    }),
    pushTimeoutMs,
    pushEnabled,
    metricType,
    metricNames: resolveMetricNames(options.metricNames),
    deleteOnShutdown: bool('deleteOnShutdown', undefined, options.deleteOnShutdown, env, false),
    shutdownTimeoutMs: num('shutdownTimeoutMs', undefined, options.shutdownTimeoutMs, env, 5000, {
      min: 1,
      max: 600_000,
      integer: true,
    }),
    maxTopics: num('maxTopics', undefined, options.maxTopics, env, 1000, {
      min: 1,
      max: 1_000_000,
      integer: true,
    }),
    maxExceptionTypes: num('maxExceptionTypes', undefined, options.maxExceptionTypes, env, 100, {
      min: 1,
      max: 1_000_000,
      integer: true,
    }),
    scheme,
    auth: resolveAuth(options.auth),
    tls,
    registry: options.registry,
    metricsEndpoint: resolveMetricsEndpoint(options.metricsEndpoint),
    defaultMetrics: resolveDefaultMetrics(options.defaultMetrics),
  };
}

function str(
  option: string,
  envVar: string,
  value: string | undefined,
  env: Env,
  required: boolean,
): string {
  const raw: unknown = value ?? env[envVar];
  if (raw !== undefined && typeof raw !== 'string') {
    throw new MetricsOptionsError(option, envVar, `must be a string, got ${typeof raw}`);
  }
  if (raw === undefined || raw.trim() === '') {
    if (!required) return '';
    throw new MetricsOptionsError(option, envVar, 'is required and was not set');
  }
  return raw.trim();
}

interface NumRules {
  min: number;
  max: number;
  integer?: boolean;
  maxReason?: string;
}

function num(
  option: string,
  envVar: string | undefined,
  value: number | undefined,
  env: Env,
  fallback: number,
  rules: NumRules,
): number {
  const fromEnv = envVar ? env[envVar] : undefined;
  if (value === undefined && (fromEnv === undefined || fromEnv.trim() === '')) return fallback;
  const n = value ?? (/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(fromEnv ?? '') ? Number(fromEnv) : NaN);
  const shown = value !== undefined ? JSON.stringify(value) : JSON.stringify(fromEnv);
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new MetricsOptionsError(option, envVar, `must be a number, got ${shown}`);
  }
  if (rules.integer && !Number.isInteger(n)) {
    throw new MetricsOptionsError(option, envVar, `must be a whole number, got ${shown}`);
  }
  if (n < rules.min)
    throw new MetricsOptionsError(option, envVar, `must be at least ${rules.min}, got ${shown}`);
  if (n > rules.max)
    throw new MetricsOptionsError(
      option,
      envVar,
      rules.maxReason
        ? `${rules.maxReason}, got ${shown}`
        : `must be at most ${rules.max}, got ${shown}`,
    );
  return n;
}

function optionalPort(
  option: string,
  envVar: string,
  value: number | undefined,
  env: Env,
): number | undefined {
  const fromEnv = env[envVar];
  if (value === undefined && (fromEnv === undefined || fromEnv.trim() === '')) return undefined;
  return num(option, envVar, value, env, 0, { min: 1, max: 65_535, integer: true });
}

function bool(
  option: string,
  envVar: string | undefined,
  value: boolean | undefined,
  env: Env,
  fallback: boolean,
): boolean {
  if (value !== undefined) {
    if (typeof value !== 'boolean')
      throw new MetricsOptionsError(
        option,
        envVar,
        `must be true or false, got ${JSON.stringify(value)}`,
      );
    return value;
  }
  const raw = envVar ? env[envVar]?.trim().toLowerCase() : undefined;
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new MetricsOptionsError(
    option,
    envVar,
    `must be true or false, got ${JSON.stringify(env[envVar!])}`,
  );
}

const DNS_NAME =
  /^(?=.{1,253}\.?$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;

function resolveServiceName(value: string | undefined, env: Env, pushEnabled: boolean): string {
  const name = str('serviceName', 'METRICS_SERVICE_NAME', value, env, pushEnabled);
  if (name !== '' && isIP(name) === 0 && !DNS_NAME.test(name)) {
    throw new MetricsOptionsError(
      'serviceName',
      'METRICS_SERVICE_NAME',
      `must be a DNS name or an IP address, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function resolveDnsServers(servers: string[] | undefined): readonly string[] | undefined {
  if (servers === undefined) return undefined;
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new MetricsOptionsError(
      'dnsServers',
      undefined,
      'must be a non-empty array of "address" or "address:port" strings',
    );
  }
  for (const server of servers) {
    const match =
      typeof server === 'string' ? /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(server) : null;
    const host =
      match?.[1] ??
      match?.[2] ??
      (typeof server === 'string' && isIP(server) === 6 ? server : undefined);
    const port = match?.[3] === undefined ? 53 : Number(match[3]);
    if (host === undefined || isIP(host) === 0 || port < 1 || port > 65_535) {
      throw new MetricsOptionsError(
        'dnsServers',
        undefined,
        `has ${JSON.stringify(server)}, which is not "ip" or "ip:port"`,
      );
    }
  }
  return Object.freeze([...servers]);
}

function resolveMetricNames(
  names: MetricsModuleOptions['metricNames'],
): ResolvedMetricsOptions['metricNames'] {
  const resolved = { ...DEFAULT_METRIC_NAMES, ...names };
  for (const [key, name] of Object.entries(resolved)) {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
      throw new MetricsOptionsError(
        `metricNames.${key}`,
        undefined,
        `must be a valid Prometheus metric name, got ${JSON.stringify(name)}`,
      );
    }
  }
  if (new Set(Object.values(resolved)).size !== 3) {
    throw new MetricsOptionsError(
      'metricNames',
      undefined,
      'must give the three metrics three different names',
    );
  }
  return resolved;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Labels the module's own metrics carry (or Prometheus sets): a grouping label of the same name
// would make the Pushgateway reject every push.
const RESERVED_GROUPING_LABELS = new Set(['job', 'app', 'topic', 'exception', 'target', 'reason']);

function resolveGroupingLabels(
  labels: MetricsModuleOptions['groupingLabels'],
  clusterWorkerId: number | undefined,
): ResolvedMetricsOptions['groupingLabels'] {
  if (
    labels !== undefined &&
    (typeof labels !== 'object' || labels === null || Array.isArray(labels))
  ) {
    throw new MetricsOptionsError(
      'groupingLabels',
      undefined,
      `must be an object of label names to values, got ${JSON.stringify(labels)}`,
    );
  }
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels ?? {})) {
    const option = `groupingLabels.${name}`;
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new MetricsOptionsError(option, undefined, 'is not a valid Prometheus label name');
    }
    if (name === 'instance') {
      throw new MetricsOptionsError(
        option,
        undefined,
        'must not be "instance": dashboards de-duplicate the cache pods\' copies over it; use e.g. "worker" or "process"',
      );
    }
    if (RESERVED_GROUPING_LABELS.has(name)) {
      throw new MetricsOptionsError(option, undefined, 'is a label the module already sets');
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw new MetricsOptionsError(
        option,
        undefined,
        `must be a non-empty string, got ${JSON.stringify(value)}`,
      );
    }
    resolved[name] = value.trim();
  }
  if (clusterWorkerId !== undefined && resolved.worker === undefined) {
    resolved.worker = String(clusterWorkerId);
  }
  return Object.freeze(resolved);
}

// A plain path: route parameters and wildcards mean different things to Express and Fastify.
const ENDPOINT_PATH = /^\/[A-Za-z0-9._~/-]*$/;

function resolveMetricsEndpoint(
  value: MetricsModuleOptions['metricsEndpoint'],
): ResolvedMetricsOptions['metricsEndpoint'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { path: '/metrics' };
  if (typeof value !== 'object' || value === null) {
    throw new MetricsOptionsError(
      'metricsEndpoint',
      undefined,
      `must be true, false or { path }, got ${JSON.stringify(value)}`,
    );
  }
  const path = value.path ?? '/metrics';
  if (typeof path !== 'string' || !ENDPOINT_PATH.test(path)) {
    throw new MetricsOptionsError(
      'metricsEndpoint.path',
      undefined,
      `must be a plain path starting with "/", got ${JSON.stringify(path)}`,
    );
  }
  return { path };
}

function resolveDefaultMetrics(
  value: MetricsModuleOptions['defaultMetrics'],
): ResolvedMetricsOptions['defaultMetrics'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { prefix: '' };
  if (typeof value !== 'object' || value === null) {
    throw new MetricsOptionsError(
      'defaultMetrics',
      undefined,
      `must be true, false or { prefix }, got ${JSON.stringify(value)}`,
    );
  }
  const prefix = value.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw new MetricsOptionsError(
      'defaultMetrics.prefix',
      undefined,
      `must be empty or start a valid Prometheus metric name, got ${JSON.stringify(prefix)}`,
    );
  }
  return { prefix };
}

export function resolveAuth(auth: PushAuth | undefined): PushAuth | undefined {
  if (auth === undefined) return undefined;
  if ('bearerToken' in auth) {
    if (typeof auth.bearerToken !== 'string' || auth.bearerToken === '') {
      throw new MetricsOptionsError('auth.bearerToken', undefined, 'must be a non-empty string');
    }
    return { bearerToken: auth.bearerToken };
  }
  if (typeof auth.username !== 'string' || auth.username === '' || auth.username.includes(':')) {
    throw new MetricsOptionsError(
      'auth.username',
      undefined,
      'must be a non-empty string without ":"',
    );
  }
  if (typeof auth.password !== 'string') {
    throw new MetricsOptionsError('auth.password', undefined, 'must be a string');
  }
  return { username: auth.username, password: auth.password };
}

export function resolveTls(tls: PushTlsOptions | undefined): ResolvedMetricsOptions['tls'] {
  if (tls === undefined) return undefined;
  return {
    ca: pem('tls.ca', tls.ca),
    cert: pem('tls.cert', tls.cert),
    key: pem('tls.key', tls.key),
    serverName: tls.serverName ?? '',
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** PEM text stays as it is; anything else is a file path, read now so a bad path fails start-up. */
function pem(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new MetricsOptionsError(
      option,
      undefined,
      `is neither PEM text nor a readable file: ${(error as Error).message}`,
    );
  }
}
