import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { KafkaContext } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import { MetricsManager } from '../../../lib/manager/metrics.manager';
import { resolveMetricsOptions } from '../../../lib/metrics.options';

/** A manager with its own registry that never pushes. */
export function testManager(): MetricsManager {
  return new MetricsManager(
    resolveMetricsOptions({ job: 'pod-1', app: 'orders', pushEnabled: false }, {}),
    new Registry(),
  );
}

/** The execution context Nest's Kafka transport gives a handler for a message of `topic`. */
export function kafkaExecutionContext(topic: string): ExecutionContextHost {
  const kafkaContext = new KafkaContext([
    {} as never,
    0,
    topic,
    {} as never,
    async () => undefined,
    {} as never,
  ]);
  const host = new ExecutionContextHost([{ value: 1 }, kafkaContext]);
  host.setType('rpc');
  return host;
}

/** The execution context of an HTTP route. */
export function httpExecutionContext(): ExecutionContextHost {
  const host = new ExecutionContextHost([{}, {}, () => undefined]);
  host.setType('http');
  return host;
}
