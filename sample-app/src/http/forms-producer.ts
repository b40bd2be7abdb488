import { Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Producer, RecordMetadata } from 'kafkajs';
import { createKafka } from '../settings';
import { TOPICS } from '../topics';
import type { Form } from './form';

/** The HTTP setup's Kafka producer, connected with the app and disconnected before its final push. */
@Injectable()
export class FormsProducer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly producer: Producer = createKafka('sample-http').producer();

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
  }

  /** Writes one form to `demo.forms`, its values as strings like the original's Flask app did. */
  send(form: Form): Promise<RecordMetadata[]> {
    const formData = Object.fromEntries(
      Object.entries(form.fields).map(([key, value]) => [key, String(value)]),
    );
    return this.producer.send({
      topic: TOPICS.forms,
      messages: [
        {
          key: form.email_address,
          value: JSON.stringify({ email_address: form.email_address, form_data: formData }),
        },
      ],
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}
