import { makeManager } from '../support/registries';
import type { CaseContext, Row } from '../support/result';
import { fullGc, median } from '../support/stats';

/** Case 7: heap after 1M counted messages over 100 topics, after GC, against the heap before. */
export function run(ctx: CaseContext): Promise<Row[]> {
  const rounds = ctx.quick ? 3 : 7;
  const messages = 1_000_000;
  const topics = Array.from({ length: 100 }, (_, i) => `orders.events.v1-${i}`);
  const growth: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const { manager, registry } = makeManager();
    fullGc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < messages; i++) {
      manager.incMessagesConsumed(topics[i % 100]);
      if ((i & 7) === 0) manager.incMessagesProduced(topics[(i >> 3) % 100]);
    }
    fullGc();
    growth.push(process.memoryUsage().heapUsed - before);
    if (manager.messagesConsumed(topics[0]) !== messages / 100)
      throw new Error('counting lost messages');
    registry.clear();
  }
  const value = median(growth);
  return Promise.resolve([
    {
      case: '7 heap, 1M messages',
      figure: 'heap growth after GC, bytes (1M consumed + 125k produced, 100 topics)',
      value,
      unit: 'B',
      baselineLabel: 'heap before',
      target: '< 1 MB',
      pass: value < 1_000_000,
      note: `${rounds} rounds; includes the 200 series the counts create`,
      rounds: growth,
    },
  ]);
}
