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
export function kafkaExecutionContext(topic: string, consumer: unknown = {}): ExecutionContextHost {
  const kafkaContext = new KafkaContext([
    {} as never,
    0,
    topic,
    consumer as never,
    async () => undefined,
    {} as never,
  ]);
  const host = new ExecutionContextHost([{ value: 1 }, kafkaContext]);
  host.setType('rpc');
  return host;
}

type Listener = (event: { payload: Record<string, unknown> }) => void;

/** The part of a kafkajs consumer the lag reads: instrumentation events, fired by hand. */
export function fakeConsumer() {
  const listeners = new Map<string, Set<Listener>>();
  const consumer = {
    events: { END_BATCH_PROCESS: 'consumer.end_batch_process', GROUP_JOIN: 'consumer.group_join' },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    },
    emit(event: string, payload: Record<string, unknown>) {
      for (const listener of listeners.get(event) ?? []) listener({ payload });
    },
    listening: (event: string) => listeners.get(event)?.size ?? 0,
  };
  return consumer;
}

/** The execution context of an HTTP route. */
export function httpExecutionContext(): ExecutionContextHost {
  const host = new ExecutionContextHost([{}, {}, () => undefined]);
  host.setType('http');
  return host;
}
