import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { EventPattern, MessagePattern, Transport } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { KafkaConsumedInterceptor } from '../../../lib/kafka/consumed.interceptor';
import { CountProduced } from '../../../lib/kafka/count-produced.decorator';
import { CountProducedInterceptor } from '../../../lib/kafka/count-produced.interceptor';
import { NubiumMetricsModule } from '../../../lib/metrics.module';

@Controller()
class OrdersController {
  @EventPattern('orders')
  onOrder(_data: unknown): void {}

  @MessagePattern('quotes', Transport.KAFKA)
  @CountProduced('quotes-answered')
  onQuote(_data: unknown): string {
    return 'ok';
  }

  @EventPattern('jobs', Transport.TCP)
  onTcpJob(_data: unknown): void {}

  @EventPattern('audits')
  @UseInterceptors(KafkaConsumedInterceptor)
  onAudit(_data: unknown): void {}

  @Get('health')
  health(): string {
    return 'ok';
  }
}

const own = (method: keyof OrdersController): unknown[] =>
  Reflect.getMetadata(INTERCEPTORS_METADATA, OrdersController.prototype[method]) ?? [];
const kinds = (method: keyof OrdersController): string[] =>
  own(method).map((i) => (typeof i === 'function' ? `class ${i.name}` : i!.constructor.name));

async function compile(extras: { countKafkaConsumed?: boolean } = {}) {
  return Test.createTestingModule({
    imports: [
      NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false, ...extras }),
    ],
    controllers: [OrdersController],
  }).compile();
}

describe('KafkaHandlersExplorer', () => {
  it('binds the consumed interceptor to Kafka handlers only, and @CountProduced where decorated', async () => {
    const moduleRef = await compile();
    expect(kinds('onOrder')).toEqual(['KafkaConsumedInterceptor']);
    expect(kinds('onQuote')).toEqual(['CountProducedInterceptor', 'KafkaConsumedInterceptor']);
    expect((own('onQuote')[0] as CountProducedInterceptor).topic).toBe('quotes-answered');
    expect(kinds('onTcpJob')).toEqual([]);
    expect(kinds('health')).toEqual([]);
    // Applied by the app itself: not bound a second time.
    expect(kinds('onAudit')).toEqual(['class KafkaConsumedInterceptor']);
    await moduleRef.close();
  });

  it('removes what it bound when the module is destroyed', async () => {
    const moduleRef = await compile();
    await moduleRef.close();
    expect(Reflect.hasMetadata(INTERCEPTORS_METADATA, OrdersController.prototype.onOrder)).toBe(
      false,
    );
    expect(kinds('onAudit')).toEqual(['class KafkaConsumedInterceptor']);
  });

  it('binds no consumed interceptor with countKafkaConsumed: false, still honours @CountProduced', async () => {
    const moduleRef = await compile({ countKafkaConsumed: false });
    expect(kinds('onOrder')).toEqual([]);
    expect(kinds('onQuote')).toEqual(['CountProducedInterceptor']);
    await moduleRef.close();
  });
});
