import { metrics } from '@opentelemetry/api';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type * as Kafkajs from 'kafkajs';

/** A reader that nothing collects until the case asks once, at the end: no exporter runs. */
class CollectOnce extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** OpenTelemetry's kafkajs instrumentation, switched on for the consumers made in {@link OtelKafkajs.instrumented}. */
export interface OtelKafkajs {
  /** kafkajs as the instrumentation patched it when it was first required. */
  readonly kafkajs: typeof Kafkajs;
  /** Calls `make` with the instrumentation on, so a consumer it creates is instrumented; others are not. */
  instrumented<T>(make: () => T): T;
  /** Whether `consumer` was instrumented (OpenTelemetry wraps its `run`). */
  isInstrumented(consumer: Kafkajs.Consumer): boolean;
  /** The consumed-messages counter's total and the process-duration histogram's count for `topic`. */
  recorded(topic: string): Promise<{ consumed: number; processed: number }>;
}

/**
 * Sets OpenTelemetry up as an app does for kafkajs metrics: a `MeterProvider` registered globally
 * (with a reader that is never collected during the run: no exporter) and
 * `@opentelemetry/instrumentation-kafkajs`, then requires kafkajs. The instrumentation works
 * through a require hook, so it must exist before kafkajs is first required in the process; this
 * fails if kafkajs was loaded already. No tracer provider is registered, so its spans are the
 * API's no-op ones: the cheapest way to run it.
 */
export function otelKafkajs(): OtelKafkajs {
  if (Object.keys(require.cache).some((file) => /[\\/]node_modules[\\/]kafkajs[\\/]/.test(file)))
    throw new Error('kafkajs was required before the OpenTelemetry instrumentation was set up');
  const reader = new CollectOnce();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const instrumentation = new KafkaJsInstrumentation(); // on: it hooks the require below
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after the hook, on purpose
  const kafkajs = require('kafkajs') as typeof Kafkajs;
  instrumentation.disable();
  const otel: OtelKafkajs = {
    kafkajs,
    instrumented(make) {
      instrumentation.enable();
      try {
        return make();
      } finally {
        instrumentation.disable();
      }
    },
    isInstrumented: (consumer) => (consumer.run as { __wrapped?: boolean }).__wrapped === true,
    async recorded(topic) {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length) throw new Error(`OpenTelemetry collect: ${String(errors[0])}`);
      return {
        consumed: total(resourceMetrics, 'messaging.client.consumed.messages', topic),
        processed: total(resourceMetrics, 'messaging.process.duration', topic),
      };
    },
  };
  // Checked here rather than trusted: a consumer made with the instrumentation on is wrapped.
  const probe = new kafkajs.Kafka({ brokers: ['127.0.0.1:9'], logLevel: kafkajs.logLevel.NOTHING });
  if (!otel.isInstrumented(otel.instrumented(() => probe.consumer({ groupId: 'probe' }))))
    throw new Error('OpenTelemetry did not instrument kafkajs');
  if (otel.isInstrumented(probe.consumer({ groupId: 'probe' })))
    throw new Error('OpenTelemetry instruments kafkajs while it is disabled');
  return otel;
}

/** A counter's sum or a histogram's count over the data points of `topic`. */
function total(resource: ResourceMetrics, name: string, topic: string): number {
  let n = 0;
  for (const scope of resource.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        if (point.attributes['messaging.destination.name'] !== topic) continue;
        if (metric.dataPointType === DataPointType.SUM) n += point.value as number;
        else if (metric.dataPointType === DataPointType.HISTOGRAM)
          n += (point.value as { count: number }).count;
      }
    }
  return n;
}
