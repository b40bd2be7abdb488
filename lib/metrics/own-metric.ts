import type { Registry } from 'prom-client';

/**
 * Lookup-or-create for a metric the module (or an app's metric provider) keeps in a registry: the
 * registry's metric named `name` when `isOurs` accepts it, a new one (`create()`) when the registry
 * has none of that name, else what `clash` answers for the metric in the way (a warning and
 * `undefined`, or a throw). The one implementation used by the Kafka gauges, the processing-time
 * histogram, `external_requests` and the metric providers.
 */
export function ownMetric<T, U extends T | undefined = T | undefined>(
  registry: Registry,
  name: string,
  isOurs: (metric: unknown) => metric is T,
  create: () => T,
  clash: (existing: unknown) => U,
): T | U {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (isOurs(existing)) return existing;
  return clash(existing);
}
