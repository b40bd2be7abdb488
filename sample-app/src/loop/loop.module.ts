import { Module } from '@nestjs/common';
import { metricsModule } from '../settings';
import { OrderLoop } from './order-loop.service';

/** Setup 1: a Nest application context around a plain kafkajs loop. */
@Module({
  imports: [metricsModule()],
  providers: [OrderLoop],
})
export class LoopModule {}
