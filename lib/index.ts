// The public API: what the README documents, and the types its signatures need. Everything
// else under lib/ is internal: not reachable through the package's exports, and free to change.
export { NubiumMetricsModule, MetricsModule } from './metrics.module';
export type { MetricsModuleExtras } from './metrics.module-definition';
export {
  resolveMetricsOptions,
  MetricsOptionsError,
  type MetricsModuleOptions,
  type ResolvedMetricsOptions,
  type MetricType,
  type OptionSource,
  type PushProtocol,
  type StandardMetricNames,
  type PushAuth,
  type PushTlsOptions,
  type ResolvedPushTls,
} from './metrics.options';
export {
  METRICS_REGISTRY,
  RESOLVED_METRICS_OPTIONS,
  OVERFLOW_LABEL_VALUE,
} from './metrics.constants';
export { MetricsManager } from './manager/metrics.manager';
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
export type {
  InstrumentConsumerOptions,
  ProcessingTimeOption,
} from './interfaces/kafka-counting-options.interface';
export { instrumentConsumer, instrumentProducer } from './kafka/kafkajs.instrument';
export { MetricsErrorsFilter } from './errors/errors.filter';
/** Health: a @nestjs/terminus indicator of the pushes (terminus is loaded only when MetricsHealthModule is imported). */
export { MetricsHealthModule } from './health/metrics-health.module';
export { MetricsHealthIndicator } from './health/metrics.health';
export type {
  MetricsHealthOptions,
  MetricsHealthDetails,
  MetricsHealthTarget,
  MetricsHealthResult,
} from './health/metrics-health.interfaces';
