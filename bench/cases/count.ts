import { Counter, Registry } from 'prom-client';
import { makeManager } from '../support/registries';
import { pairedRow, type CaseContext, type Row } from '../support/result';
import { alternate, median } from '../support/stats';

/** Case 1: the hot path. ns per counted message, the module against prom-client's own inc. */
export async function run(ctx: CaseContext): Promise<Row[]> {
  const n = ctx.quick ? 300_000 : 2_000_000;
  const rounds = ctx.quick ? 5 : 11;
  const { manager } = makeManager();
  const registry = new Registry();
  const counter = new Counter({
    name: 'bench_consumed',
    help: 'h',
    labelNames: ['app', 'job', 'topic'],
    registers: [registry],
  });
  const labels = { app: 'bench-app', job: 'bench', topic: 'orders.events.v1' };
  const child = counter.labels(labels);
  const topic = labels.topic;
  manager.incMessagesConsumed(topic);
  manager.incMessagesProduced(topic);

  const timed = (body: () => void) => (): number => {
    const t = process.hrtime.bigint();
    body();
    return Number(process.hrtime.bigint() - t) / n;
  };
  const variants = {
    consumed: timed(() => {
      for (let i = 0; i < n; i++) manager.incMessagesConsumed(topic);
    }),
    produced: timed(() => {
      for (let i = 0; i < n; i++) manager.incMessagesProduced(topic);
    }),
    child: timed(() => {
      for (let i = 0; i < n; i++) child.inc();
    }),
    labelled: timed(() => {
      for (let i = 0; i < n; i++) counter.inc(labels);
    }),
  };
  // Warm-up round so every variant is optimised before it is timed.
  for (const f of Object.values(variants)) f();
  const r = await alternate(rounds, variants, ctx.quick ? 20_000 : 120_000);
  if (manager.messagesConsumed(topic) < n) throw new Error('counting lost messages');
  const rows: Row[] = [];
  for (const [name, label] of [
    ['consumed', 'incMessagesConsumed(topic)'],
    ['produced', 'incMessagesProduced(topic)'],
  ] as const) {
    rows.push(
      pairedRow(
        {
          case: '1 count a message',
          figure: `${label}, ns/call`,
          unit: 'ns',
          baselineLabel: 'prom-client child.inc()',
          note: `wall time in process (hrtime); prom-client inc({labels}): ${median(r.labelled).toFixed(1)} ns; ${r[name].length} rounds x ${n} calls`,
          rounds: { [name]: r[name], child: r.child, labelled: r.labelled },
        },
        r[name],
        r.child,
        '<=',
        0.1,
        '<= 1/10 of child.inc()',
      ),
    );
  }
  return rows;
}
