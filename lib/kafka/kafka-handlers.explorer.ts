import {
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
  type OnModuleDestroy,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { MetricsManager } from '../manager/metrics.manager';
import { KafkaConsumedInterceptor } from './consumed.interceptor';
import { CountProducedInterceptor } from './count-produced.interceptor';
import { KAFKA_COUNTING_OPTIONS, type KafkaCountingOptions } from './kafka.constants';
import { boundHandlers } from './kafka.messages';
import { kafkaMetadata } from './kafka-metadata.accessor';

type Handler = (...args: unknown[]) => unknown;

// Interceptors this library bound, wherever they came from: a second app in the same process
// (tests) replaces the first one's instead of stacking on top of them.
const autoBound = new WeakSet<NestInterceptor>();

/**
 * Finds the Kafka handlers and the `@CountProduced` handlers of every controller once, and binds
 * the counting interceptors to those methods only: HTTP routes without `@CountProduced` get no
 * interceptor, so they pay nothing. It runs when the module's providers are created, not at
 * `onModuleInit`: Nest builds the message handlers (`listen()`, `connectMicroservice()`) and the
 * routes (`init()`) before the init hooks run, and reads each method's interceptors then.
 * The bindings are removed when the module is destroyed.
 */
@Injectable()
export class KafkaHandlersExplorer implements OnModuleDestroy {
  private readonly restore: Array<() => void> = [];

  constructor(
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    metrics: MetricsManager,
    @Inject(KAFKA_COUNTING_OPTIONS) options: KafkaCountingOptions,
  ) {
    const consumed = new KafkaConsumedInterceptor(metrics);
    autoBound.add(consumed);
    let consumedCount = 0;
    let producedCount = 0;
    for (const wrapper of discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller?.prototype) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as Handler;
        const bind: NestInterceptor[] = [];
        const topic = kafkaMetadata.countProducedTopic(handler);
        if (topic !== undefined) {
          bind.push(new CountProducedInterceptor(metrics, topic, `${controller.name}.${name}`));
          producedCount++;
        }
        if (
          options.countConsumed &&
          kafkaMetadata.isKafkaHandler(handler) &&
          !appliesConsumed(handler, controller)
        ) {
          bind.push(consumed);
          consumedCount++;
        }
        if (bind.length > 0) this.bind(handler, bind);
      }
    }
    if (consumedCount + producedCount > 0)
      new Logger('NubiumMetrics').log(boundHandlers(consumedCount, producedCount));
  }

  onModuleDestroy(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  /** Puts the counting interceptors first among the method's own, so they see its outcome last. */
  private bind(handler: Handler, interceptors: NestInterceptor[]): void {
    for (const interceptor of interceptors) autoBound.add(interceptor);
    const original = kafkaMetadata.ownInterceptors(handler);
    const others = (original ?? []).filter((i) => !autoBound.has(i as NestInterceptor));
    kafkaMetadata.setOwnInterceptors(handler, [...interceptors, ...others]);
    this.restore.push(() => {
      const now = kafkaMetadata.ownInterceptors(handler) ?? [];
      const kept = now.filter((i) => !interceptors.includes(i as NestInterceptor));
      kafkaMetadata.setOwnInterceptors(
        handler,
        original === undefined && kept.length === 0 ? undefined : kept,
      );
    });
  }
}

/** The app applies the interceptor itself (`@UseInterceptors`): binding it again would count twice. */
function appliesConsumed(handler: Handler, controller: Type<unknown>): boolean {
  return kafkaMetadata
    .interceptors(handler, controller)
    .some(
      (i) =>
        i === KafkaConsumedInterceptor ||
        (i instanceof KafkaConsumedInterceptor && !autoBound.has(i)),
    );
}
