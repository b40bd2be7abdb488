import type { FactoryProvider } from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  Summary,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
  type SummaryConfiguration,
} from 'prom-client';
import type { AppMetricConfiguration } from '../interfaces/app-metric.interface';
import { MetricsManager } from '../manager/metrics.manager';
import { METRICS_REGISTRY, SELF_METRIC_PREFIX } from '../metrics.constants';
import { metricNameReserved, metricNameTaken, metricProviderFailed } from './metric.messages';
import { getMetricToken } from './metric-token';
import { ownMetric } from './own-metric';

type MetricClass<M> = new (config: never) => M;
type Named = { readonly name: string; readonly labelNames?: readonly string[] };

/**
 * A Nest provider of a prom-client `Counter` in the module's registry, so that it is pushed with
 * the standard metrics; list it in the app module's `providers` and inject it with
 * `@InjectMetric(name)`.
 */
export function makeCounterProvider<T extends string = string>(
  config: AppMetricConfiguration<CounterConfiguration<T>>,
): FactoryProvider<Counter<T>> {
  return metricProvider('makeCounterProvider', Counter<T>, config);
}

/** A Nest provider of a prom-client `Gauge` in the module's registry (see {@link makeCounterProvider}). */
export function makeGaugeProvider<T extends string = string>(
  config: AppMetricConfiguration<GaugeConfiguration<T>>,
): FactoryProvider<Gauge<T>> {
  return metricProvider('makeGaugeProvider', Gauge<T>, config);
}

/** A Nest provider of a prom-client `Histogram` in the module's registry (see {@link makeCounterProvider}). */
export function makeHistogramProvider<T extends string = string>(
  config: AppMetricConfiguration<HistogramConfiguration<T>>,
): FactoryProvider<Histogram<T>> {
  return metricProvider('makeHistogramProvider', Histogram<T>, config);
}

/** A Nest provider of a prom-client `Summary` in the module's registry (see {@link makeCounterProvider}). */
export function makeSummaryProvider<T extends string = string>(
  config: AppMetricConfiguration<SummaryConfiguration<T>>,
): FactoryProvider<Summary<T>> {
  return metricProvider('makeSummaryProvider', Summary<T>, config);
}

function metricProvider<M>(
  factory: string,
  Metric: MetricClass<M>,
  config: Named,
): FactoryProvider<M> {
  return {
    provide: getMetricToken(config.name),
    useFactory: (registry: Registry) => {
      try {
        return existingOrNew(registry, Metric, config);
      } catch (error) {
        throw new Error(metricProviderFailed(factory, config.name, (error as Error).message));
      }
    },
    // The manager only so that it is created first: the standard metrics are then in the registry,
    // and an app metric of the same name fails here, naming its provider, not in the manager.
    inject: [METRICS_REGISTRY, MetricsManager],
  };
}

/**
 * The registry's metric of that name when it has the same type and labels (the provider listed in
 * two modules, each instantiating it), else a new one; a metric of that name of another type or
 * labels is an error at start-up rather than a metric that silently counts elsewhere.
 */
function existingOrNew<M>(registry: Registry, Metric: MetricClass<M>, config: Named): M {
  if (typeof config.name === 'string' && config.name.startsWith(SELF_METRIC_PREFIX)) {
    throw new Error(metricNameReserved(SELF_METRIC_PREFIX));
  }
  const wanted = config.labelNames ?? [];
  const labelsOf = (m: unknown) => (m as { labelNames?: readonly string[] }).labelNames ?? [];
  return ownMetric(
    registry,
    config.name,
    (m): m is M =>
      m instanceof Metric &&
      labelsOf(m).length === wanted.length &&
      wanted.every((label) => labelsOf(m).includes(label)),
    () => new Metric({ ...config, registers: [registry] } as never),
    (existing): never => {
      throw new Error(metricNameTaken((existing as object).constructor.name, labelsOf(existing)));
    },
  );
}
