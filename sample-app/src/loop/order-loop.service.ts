import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Consumer, KafkaMessage, Producer } from 'kafkajs';
import { instrumentConsumer, instrumentProducer, MetricsManager } from 'nubium-metrics-nestjs';
import { createKafka, settings } from '../settings';
import { TOPICS } from '../topics';
import { enrich, MissingEmailError } from './order';

/**
 * Setup 1, a plain kafkajs client loop (the original's "default Kafka client application"):
 * consume an order, enrich it, produce it. `instrumentConsumer` / `instrumentProducer` count
 * what is consumed and produced; the caught error is counted by hand with `incMessageErrors`.
 */
@Injectable()
export class OrderLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OrderLoop.name);
  private readonly consumer: Consumer;
  private readonly producer: Producer;

  constructor(private readonly metrics: MetricsManager) {
    const kafka = createKafka('sample-loop');
    this.consumer = instrumentConsumer(
      kafka.consumer({ groupId: `sample-loop${settings.groupSuffix}` }),
      metrics,
    );
    this.producer = instrumentProducer(kafka.producer(), metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.consumer.connect(), this.producer.connect()]);
    await this.consumer.subscribe({ topic: TOPICS.orders, fromBeginning: true });
    await this.consumer.run({ eachMessage: ({ message }) => this.handle(message) });
  }

  private async handle(message: KafkaMessage): Promise<void> {
    try {
      const order = enrich(message.value);
      await this.producer.send({
        topic: TOPICS.enrichedOrders,
        messages: [{ key: order.email_address, value: JSON.stringify(order) }],
      });
    } catch (error) {
      // Anything else (a failed send) is thrown: kafkajs delivers the message again.
      if (!(error instanceof MissingEmailError)) throw error;
      this.logger.debug(error.message);
      this.metrics.incMessageErrors(error);
    }
  }

  // Before the module's final push (on application shutdown), so it carries the last counts.
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}
