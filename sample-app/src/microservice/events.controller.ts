import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EnrichedOrder } from '../loop/order';
import { TOPICS } from '../topics';

/** A form as the HTTP setup writes it. */
interface FormEvent {
  email_address: string;
  form_data: Record<string, string>;
}

/**
 * Setup 3, a Nest Kafka microservice (the original's Faust app, "built-in metrics"): nothing
 * here mentions metrics. The module counts every message these handlers complete in
 * `messages_consumed{topic}`, and an exception they throw in `messages_errors`.
 */
@Controller()
export class EventsController {
  private readonly logger = new Logger(EventsController.name);

  @EventPattern(TOPICS.forms)
  onForm(@Payload() form: FormEvent): void {
    this.logger.debug(
      `form from ${form.email_address}: ${Object.keys(form.form_data).length} fields`,
    );
  }

  @EventPattern(TOPICS.enrichedOrders)
  onEnrichedOrder(@Payload() order: EnrichedOrder): void {
    this.logger.debug(`order ${order.id} of ${order.email_domain}: ${order.amount}`);
  }
}
