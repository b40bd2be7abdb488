import { Counter, Registry } from 'prom-client';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import type { MetricsModuleOptions } from '../../lib/interfaces/metrics-options.interface';

/** A manager on a fresh registry, no push (the pusher is built separately where needed). */
export function makeManager(options: MetricsModuleOptions = {}): {
  manager: MetricsManager;
  registry: Registry;
} {
  const registry = new Registry();
  const resolved = resolveMetricsOptions(
    { job: 'bench', app: 'bench-app', pushEnabled: false, ...options },
    {},
  );
  return { manager: new MetricsManager(resolved, registry), registry };
}

/** A prom-client counter by topic on `registry`, as an app makes its own. */
export function topicCounter(registry: Registry, name: string, help: string): Counter<'topic'> {
  return new Counter({ name, help, labelNames: ['topic'], registers: [registry] });
}

/**
 * Fills the three standard metrics with `series` series in all, the shape of a busy app:
 * 49.5% consumed topics, 49.5% produced topics, 1% exception types.
 */
export function fillSeries(manager: MetricsManager, series: number): void {
  const errors = Math.max(1, Math.floor(series / 100));
  const consumed = Math.ceil((series - errors) / 2);
  const produced = series - errors - consumed;
  for (let i = 0; i < consumed; i++)
    manager.incMessagesConsumed(`orders.events.v1-part-${i}`, 1 + (i % 997));
  for (let i = 0; i < produced; i++)
    manager.incMessagesProduced(`orders.results.v1-part-${i}`, 1 + (i % 991));
  for (let i = 0; i < errors; i++)
    manager.incMessageErrorsOfType(`KafkaJSProtocolError${i}`, 1 + i);
}

/** Options under which `fillSeries(series)` is not capped. */
export function uncapped(series: number): MetricsModuleOptions {
  return { maxTopics: Math.max(1000, series), maxExceptionTypes: Math.max(100, series) };
}
