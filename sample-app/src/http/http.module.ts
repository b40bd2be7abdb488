import { Module } from '@nestjs/common';
import { metricsModule } from '../settings';
import { FormsController } from './forms.controller';
import { FormsProducer } from './forms-producer';

/** Setup 2: an HTTP app that produces to Kafka. */
@Module({
  imports: [metricsModule()],
  controllers: [FormsController],
  providers: [FormsProducer],
})
export class HttpModule {}
