export { NubiumMetricsModule, MetricsModule } from './metrics.module';
export { METRICS_MODULE_OPTIONS, type MetricsModuleExtras } from './metrics.module-definition';
export {
  resolveMetricsOptions,
  MetricsOptionsError,
  type MetricsModuleOptions,
  type ResolvedMetricsOptions,
  type MetricType,
  type OptionSource,
  type StandardMetricNames,
  type PushAuth,
  type PushTlsOptions,
  type ResolvedPushTls,
} from './metrics.options';
export {
  METRICS_REGISTRY,
  RESOLVED_METRICS_OPTIONS,
  PUSH_INTERVAL_NAME,
  DEFAULT_METRIC_NAMES,
  LABEL,
  OVERFLOW_LABEL_VALUE,
  SELF_METRIC_PREFIX,
} from './metrics.constants';
export { MetricsManager, exceptionName } from './manager/metrics.manager';
export type { ExternalRequestLabels } from './manager/external-requests';
/** The app's own metrics: willsoto-style providers that create them in the module's registry, injected by name. */
export {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  makeSummaryProvider,
  type AppMetricConfiguration,
} from './metrics/metric.providers';
export { getMetricToken } from './metrics/metric-token';
export { InjectMetric } from './decorators/inject-metric.decorator';
export { MetricsPusher } from './pusher/metrics.pusher';
export { groupingPath } from './pusher/grouping-key';
export {
  TargetDiscovery,
  DiscoveryError,
  type TargetDiscoveryOptions,
} from './pusher/target-discovery';
export type { PushReport, TargetResult, DiscoveryResult } from './pusher/push-report';
/** Sweeper: expires the groups of dead pods from the metrics cache (also the `nubium-metrics sweep` command). */
export { sweepStaleGroups, SweepOptionsError } from './sweeper/sweep';
export type {
  SweepOptions,
  SweepReport,
  SweepTargetReport,
  SweptGroup,
  SweepAction,
} from './sweeper/sweeper.interfaces';
/** Kafka counting: Nest transport interceptor, `@CountProduced`, kafkajs helpers, errors filter. */
export { KafkaConsumedInterceptor } from './kafka/consumed.interceptor';
export { CountProduced } from './kafka/count-produced.decorator';
export { CountProducedInterceptor } from './kafka/count-produced.interceptor';
export { KafkaHandlersExplorer } from './kafka/kafka-handlers.explorer';
export {
  COUNT_PRODUCED_METADATA,
  DEFAULT_LAG_METRIC_NAME,
  SECONDS_BEHIND_METRIC,
  PROCESSING_TIME_METRIC,
  DEFAULT_PROCESSING_TIME_BUCKETS,
} from './kafka/kafka.constants';
export type { ProcessingTimeOption } from './kafka/processing-time.option';
export {
  instrumentConsumer,
  instrumentProducer,
  type InstrumentConsumerOptions,
} from './kafka/kafkajs.instrument';
export { MetricsErrorsFilter } from './errors/errors.filter';
/** Health: a @nestjs/terminus indicator of the pushes (terminus is loaded only when MetricsHealthModule is imported). */
export { MetricsHealthModule } from './health/metrics-health.module';
export { MetricsHealthIndicator } from './health/metrics.health';
export { METRICS_HEALTH_OPTIONS, DEFAULT_HEALTH_KEY } from './health/metrics-health.constants';
export type {
  MetricsHealthOptions,
  MetricsHealthDetails,
  MetricsHealthTarget,
  MetricsHealthResult,
} from './health/metrics-health.interfaces';
