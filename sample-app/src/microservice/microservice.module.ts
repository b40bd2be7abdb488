import { Module } from '@nestjs/common';
import { metricsModule } from '../settings';
import { EventsController } from './events.controller';

/** Setup 3: a Nest Kafka microservice. */
@Module({
  imports: [metricsModule()],
  controllers: [EventsController],
})
export class MicroserviceModule {}
