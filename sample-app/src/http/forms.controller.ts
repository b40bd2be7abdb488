import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CountProduced } from 'nubium-metrics-nestjs';
import { TOPICS } from '../topics';
import { FormPipe, type Form } from './form';
import { FormsProducer } from './forms-producer';

/**
 * Setup 2, an HTTP producer (the original's Flask app): POST /forms validates the body and
 * produces it to Kafka. `@CountProduced` counts the message once the handler returns; a bad
 * body or a failed send is an exception, counted by the module's global errors filter.
 */
@Controller()
export class FormsController {
  constructor(private readonly producer: FormsProducer) {}

  @Post('forms')
  @HttpCode(202)
  @CountProduced(TOPICS.forms)
  async submit(@Body(FormPipe) form: Form): Promise<{ success: true }> {
    await this.producer.send(form);
    return { success: true };
  }

  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
