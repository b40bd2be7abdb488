// The public API: what the README documents, and the types its signatures need. Everything
// else under lib/ is internal: not reachable through the package's exports, and free to change.
export { NubiumMetricsModule, MetricsModule } from './metrics.module';
export type { MetricsModuleExtras } from './interfaces/metrics-module-extras.interface';
export { resolveMetricsOptions, type ResolvedMetricsOptions } from './metrics.options';
export { MetricsOptionsError } from './options/metrics-options.error';
export type {
  MetricsModuleOptions,
  MetricType,
  OptionSource,
  PushProtocol,
  StandardMetricNames,
} from './interfaces/metrics-options.interface';
export type { PushAuth, PushTlsOptions, ResolvedPushTls } from './interfaces/push-auth.interface';
export {
  METRICS_REGISTRY,
  RESOLVED_METRICS_OPTIONS,
  OVERFLOW_LABEL_VALUE,
} from './metrics.constants';
export { MetricsManager } from './manager/metrics.manager';
export type { ExternalRequestLabels } from './interfaces/external-request-labels.interface';
/** The app's own metrics: willsoto-style providers that create them in the module's registry, injected by name. */
export {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  makeSummaryProvider,
} from './metrics/metric.providers';
export type { AppMetricConfiguration } from './interfaces/app-metric.interface';
export { getMetricToken } from './metrics/metric-token';
export { InjectMetric } from './decorators/inject-metric.decorator';
export { MetricsPusher } from './pusher/metrics.pusher';
export type { PushReport, TargetResult, DiscoveryResult } from './interfaces/push-report.interface';
/** Sweeper: expires the groups of dead pods from the metrics cache (also the `nubium-metrics sweep` command). */
export { sweepStaleGroups, SweepOptionsError } from './sweeper/sweep';
export type { SweepOptions } from './interfaces/sweep-options.interface';
export type {
  SweepReport,
  SweepTargetReport,
  SweptGroup,
  SweepAction,
} from './interfaces/sweep-report.interface';
/** Kafka counting: Nest transport interceptor, `@CountProduced`, kafkajs helpers, errors filter. */
export { KafkaConsumedInterceptor } from './kafka/consumed.interceptor';
export { CountProduced } from './kafka/count-produced.decorator';
export type {
  InstrumentConsumerOptions,
  ProcessingTimeOption,
} from './interfaces/kafka-counting-options.interface';
export { instrumentConsumer, instrumentProducer } from './kafka/kafkajs.instrument';
export { MetricsErrorsFilter } from './filter/errors.filter';
/** Health: a @nestjs/terminus indicator of the pushes (terminus is loaded only when MetricsHealthModule is imported). */
export { MetricsHealthModule } from './health/metrics-health.module';
export { MetricsHealthIndicator } from './health/metrics.health';
export type {
  MetricsHealthOptions,
  MetricsHealthDetails,
  MetricsHealthTarget,
  MetricsHealthResult,
} from './interfaces/metrics-health.interface';
