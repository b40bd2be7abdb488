/** Injection token of the options after env defaults and validation ({@link ResolvedMetricsOptions}). */
export const RESOLVED_METRICS_OPTIONS = Symbol('NUBIUM_RESOLVED_METRICS_OPTIONS');

/** Injection token of the prom-client `Registry` every metric of the module lives in. */
export const METRICS_REGISTRY = Symbol('NUBIUM_METRICS_REGISTRY');

/** Name of the push job in @nestjs/schedule's `SchedulerRegistry`. */
export const PUSH_INTERVAL_NAME = 'nubium-metrics-push';

/** Default names of the three standard metrics: the names the original Python library pushed. */
export const DEFAULT_METRIC_NAMES = {
  consumed: 'messages_consumed',
  produced: 'messages_produced',
  errors: 'messages_errors',
} as const;

/** Label names of the standard metrics, as dashboards built for the original expect them. */
export const LABEL = {
  app: 'app',
  job: 'job',
  topic: 'topic',
  exception: 'exception',
} as const;

/**
 * Label value that stands for every value past the cardinality cap. Kafka reserves names
 * starting with `__` for internal topics, and no class name looks like it.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * Prefix of the pusher's own metrics. The sweeper recognises the module's groups by it; it lives
 * here, with no import, so that the sweep command runs without prom-client installed.
 */
export const SELF_METRIC_PREFIX = 'nubium_metrics_';

/** The one Logger context every message of the module is logged under. */
export const LOGGER_CONTEXT = 'NubiumMetrics';

/**
 * Defaults of the module's extras ({@link MetricsModuleExtras}), beside the options of `forRoot`.
 * Every extra has one: Nest strips exactly these keys from `forRoot`'s options, and the unknown
 * option check knows them by it.
 */
export const METRICS_MODULE_EXTRAS = {
  isGlobal: true,
  countKafkaConsumed: true,
  countKafkaProduced: true,
  errorFilter: true,
} as const;
