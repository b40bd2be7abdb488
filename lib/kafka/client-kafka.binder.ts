import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Producer } from 'kafkajs';
import { MetricsManager } from '../manager/metrics.manager';
import { LOGGER_CONTEXT } from '../metrics.constants';
import { CountedClients } from './counted-clients';
import { INSTRUMENTED } from './kafka.constants';
import { countedClients, decoratorsLeftToClients, uncountableClient } from './kafka.messages';
import { countProducer } from './kafkajs-producer.instrument';
import { ProducedClientsExplorer, type FoundClient } from './produced-clients.explorer';

/**
 * The part of @nestjs/microservices' `ClientKafka` the counting relies on, the same in Nest 11
 * and 12 (internals, not its public API): `_producer` holds the kafkajs producer once `connect()`
 * has created it, and `registerProducerEventListeners()` is called right after, before the
 * producer connects and before anything is sent through it.
 */
interface ClientKafkaInternals {
  _producer: Producer | null;
  // A function-typed property rather than a method: it is read, kept and called with `.call()`.
  registerProducerEventListeners: (this: ClientKafkaInternals) => void;
}

/** One counted client: how to undo the counting. */
interface Binding {
  /** Undoes the counting of the client's current producer, if the binder counts one. */
  producer?: () => void;
  /** Takes the binder's hook off the client. */
  readonly client: () => void;
}

/**
 * Makes every `ClientKafka` provider of the app count `messages_produced{topic}` with the rule of
 * `instrumentProducer`: each message when the broker acknowledges its send, nothing for a send
 * that fails. `emit`, `emitBatch` and `send` (its request message; the reply is the responder's)
 * all send through the client's kafkajs producer, which exists only once `connect()` has created
 * it, so the binder counts the producer the client holds at bootstrap, if any, and each one the
 * client creates later, when the client creates it. It opens no connection and waits for none:
 * the app connects its clients as it would without the module. Undone on shutdown.
 */
@Injectable()
export class ClientKafkaBinder implements OnModuleInit, OnApplicationShutdown {
  private readonly bindings: Binding[] = [];

  constructor(
    private readonly explorer: ProducedClientsExplorer,
    private readonly metrics: MetricsManager,
    private readonly counted: CountedClients,
  ) {}

  /**
   * At init, when every provider exists and before the app's own bootstrap hooks can send: a
   * factory's client is created with the providers, and Nest reads no client at start-up.
   */
  async onModuleInit(): Promise<void> {
    const names: string[] = [];
    for (const found of await this.explorer.explore()) if (this.bind(found)) names.push(found.name);
    if (names.length === 0) return;
    this.counted.active = true;
    const logger = new Logger(LOGGER_CONTEXT);
    logger.log(countedClients(names.sort()));
    if (this.counted.decorated.length > 0)
      logger.warn(decoratorsLeftToClients(this.counted.decorated));
  }

  onApplicationShutdown(): void {
    for (const binding of this.bindings.splice(0)) {
      binding.producer?.();
      binding.client();
    }
    this.counted.active = false;
  }

  private bind({ name, client }: FoundClient): boolean {
    const internals = client as ClientKafkaInternals;
    const register = internals.registerProducerEventListeners;
    if (typeof register !== 'function' || !('_producer' in internals)) {
      new Logger(LOGGER_CONTEXT).warn(uncountableClient(name));
      return false;
    }
    const own = Object.getOwnPropertyDescriptor(internals, 'registerProducerEventListeners');
    const binding: Binding = {
      client: () => {
        if (own) Object.defineProperty(internals, 'registerProducerEventListeners', own);
        else delete (internals as Partial<ClientKafkaInternals>).registerProducerEventListeners;
      },
    };
    const count = (producer: Producer | null) => {
      // A producer the app instruments itself is counted already; instrumentProducer is told of
      // one the binder counts (the mark is the client's name) and leaves it alone.
      if (producer === null || INSTRUMENTED in producer) return;
      Object.defineProperty(producer, INSTRUMENTED, { value: name, configurable: true });
      const undo = countProducer(producer, this.metrics);
      // A producer the client replaced (close() then connect()) keeps counting its last sends.
      binding.producer = () => {
        undo();
        delete (producer as Partial<Record<typeof INSTRUMENTED, unknown>>)[INSTRUMENTED];
      };
    };
    internals.registerProducerEventListeners = function () {
      register.call(this);
      count(this._producer);
    };
    count(internals._producer);
    this.bindings.push(binding);
    return true;
  }
}
