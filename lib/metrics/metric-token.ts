/**
 * Injection token of the app metric named `name`, made by `makeCounterProvider({ name })` and
 * friends and injected with `@InjectMetric(name)`. Its own prefix, so that it never meets the
 * tokens of @willsoto/nestjs-prometheus (`PROM_METRIC_<NAME>`) in an app that uses both; the name
 * is kept as is, since metric names are case-sensitive.
 */
export function getMetricToken(name: string): string {
  return `NUBIUM_METRIC_${name}`;
}
