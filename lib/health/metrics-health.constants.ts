/** Injection token of the options of {@link MetricsHealthModule} ({@link MetricsHealthOptions}). */
export const METRICS_HEALTH_OPTIONS = Symbol('NUBIUM_METRICS_HEALTH_OPTIONS');

/** Injection token of @nestjs/terminus' `HealthIndicatorService`, loaded only when the health module is used. */
export const METRICS_HEALTH_INDICATOR_SERVICE = Symbol('NUBIUM_METRICS_HEALTH_INDICATOR_SERVICE');

/** Key of the indicator in a health check response, unless another is given. */
export const DEFAULT_HEALTH_KEY = 'nubium_metrics';
