import type { Registry } from 'prom-client';
import type { PushAuth, PushTlsOptions } from './push-auth.interface';

/** Prometheus type the standard metrics are pushed as. */
export type MetricType = 'gauge' | 'counter';

/**
 * What the pushes go to: the Pushgateways of a metrics cache (`PUT` of the app's group), or
 * vmagent (or anything that speaks VictoriaMetrics' import API: `POST` of the same body).
 */
export type PushProtocol = 'pushgateway' | 'victoriametrics';

/**
 * Where a resolved option's value came from: given in `code` (to `forRoot`, or returned by the
 * `forRootAsync` factory; error messages tell the two apart), read from its `env` var, or its
 * `default` (also the source of a required value that was not set).
 */
export type OptionSource = 'code' | 'env' | 'default';

/** Names of the three standard metrics. */
export interface StandardMetricNames {
  /** Messages consumed, by topic. */
  readonly consumed: string;
  /** Messages produced, by topic. */
  readonly produced: string;
  /** Message errors, by exception class. */
  readonly errors: string;
}

/**
 * Options of `NubiumMetricsModule.forRoot`; each missing value falls back to the env var named.
 * Numbers and booleans may also be given as strings (as `ConfigService` and `process.env` hand
 * them out): they are parsed and checked exactly as the env var's value would be, and a blank
 * string counts as not given.
 */
export interface MetricsModuleOptions {
  /**
   * Push grouping key and `job` label, unique per pod. Env `HOSTNAME`. Required when pushing;
   * with pushing off, the machine's host name.
   */
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
  pushRateSeconds?: number | string;
  /**
   * DNS name of the metrics cache's headless Service (or one IP address). Env
   * `METRICS_SERVICE_NAME`. Without it pushing is off, unless `pushEnabled` asks for it (an error).
   */
  serviceName?: string;
  /**
   * Port of the metrics cache Service. Validated but unused: pushes go to every pod's `podPort`,
   * as the original's did; kept because deployments of the original set `METRICS_SERVICE_PORT`.
   */
  servicePort?: number | string;
  /**
   * Port every pod behind `serviceName` listens on. Env `METRICS_POD_PORT`; default 9091 (the
   * Pushgateway's), or 8429 (vmagent's) with `pushProtocol: 'victoriametrics'`.
   */
  podPort?: number | string;
  /**
   * `'pushgateway'` (the metrics cache) or `'victoriametrics'` (vmagent, vminsert, a
   * VictoriaMetrics single node). Env `METRICS_PUSH_PROTOCOL`, default `'pushgateway'`.
   */
  pushProtocol?: PushProtocol;
  /**
   * Path of VictoriaMetrics' Prometheus import API, e.g. vminsert's
   * `/insert/<tenant>/prometheus/api/v1/import/prometheus`. Env `METRICS_PUSH_PATH`, default
   * `/api/v1/import/prometheus`. Only with `pushProtocol: 'victoriametrics'`: a Pushgateway's
   * path is the app's group.
   */
  pushPath?: string;
  /**
   * DNS servers to ask (`'10.0.0.10'`, `'127.0.0.1:5353'`, `'[::1]:53'`), as an array or one
   * comma-separated string. Env `METRICS_DNS_SERVERS` (comma-separated). Default: the system resolver.
   */
  dnsServers?: readonly string[] | string;
  /** Timeout of one DNS resolution, in ms. Default 2000. */
  dnsTimeoutMs?: number | string;
  /** Timeout of one push to one pod, in ms. Default 5000, at most the push interval. */
  pushTimeoutMs?: number | string;
  /**
   * Push at all. `false` keeps counting (e.g. for tests or a pull-only setup). Env
   * `METRICS_PUSH_ENABLED`; default true when a service name is set, else false (with a warning).
   */
  pushEnabled?: boolean | string;
  /** Prometheus type of the standard metrics. Default `'gauge'`, as the original pushed them. */
  metricType?: MetricType;
  /** Names of the standard metrics. Default `messages_consumed`, `messages_produced`, `messages_errors`. */
  metricNames?: { consumed?: string; produced?: string; errors?: string };
  /**
   * On shutdown, delete this job's group from every pod instead of a final push. Default false.
   * vmagent keeps no groups: with `pushProtocol: 'victoriametrics'` a final push is made instead,
   * with a warning at start-up.
   */
  deleteOnShutdown?: boolean | string;
  /** Bound of the final push on shutdown, in ms. Default 5000. */
  shutdownTimeoutMs?: number | string;
  /** Most distinct `topic` values per metric before they are counted as `__overflow__`. Default 1000. */
  maxTopics?: number | string;
  /** Most distinct `exception` values before they are counted as `__overflow__`. Default 100. */
  maxExceptionTypes?: number | string;
  /** URL scheme of the cache pods. Default `'http'`; `'https'` when `tls` is given. */
  scheme?: 'http' | 'https';
  /** Basic auth or bearer token for protected Pushgateways. */
  auth?: PushAuth;
  /** TLS for Pushgateways served over HTTPS. */
  tls?: PushTlsOptions;
  /** Registry to put the metrics in (e.g. one shared with another module). Default: a new one. */
  registry?: Registry;
  /**
   * Also serve the registry for clusters that scrape pods, at `path` (default `/metrics`):
   * - `{ port }`, or env `METRICS_ENDPOINT_PORT`: on a small HTTP server of the module's own, in
   *   any kind of app (`createMicroservice` and `createApplicationContext` included), on all
   *   interfaces unless `host` (an IP address) is given;
   * - `true` or `{ path }`: on the app's HTTP server (Express or Fastify), or on the port of
   *   `METRICS_ENDPOINT_PORT` when that is set.
   * Default off (`false` keeps it off whatever the env says): the cache is pushed to.
   */
  metricsEndpoint?: boolean | { path?: string; port?: number | string; host?: string };
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event loop, GC), labelled
   * with `app` and `job` like the standard metrics: `true`, or `{ prefix }`. Default off.
   */
  defaultMetrics?: boolean | { prefix?: string };
  /**
   * Record `message_processing_seconds{app, job, topic}` for every consumed Kafka message (Nest
   * handlers, `KafkaConsumedInterceptor`, `instrumentConsumer`): `true` for buckets of 0.005 to
   * 10 s, or `{ buckets }` (1 to 50 increasing upper bounds, in seconds). Default off.
   */
  processingTime?: boolean | { buckets?: readonly number[] };
  /**
   * Fail start-up on a key the module does not read (a typo such as `pushRateSecond`, an option
   * of another version), instead of the default warning. Env `METRICS_STRICT_OPTIONS`, default
   * false: a warning keeps an app booting across library versions; strict suits CI.
   */
  strictOptions?: boolean | string;
}
