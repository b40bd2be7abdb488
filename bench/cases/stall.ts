import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serialiseRegistry } from '../../lib/pusher/serialise-registry';
import { benchJob, filledRegistry, makePusher, assertPushgateways } from '../support/pusher';
import { ratioRow, type CaseContext, type Row } from '../support/result';
import { alternate, median, settle, tick } from '../support/stats';

/**
 * Case 6: the longest event-loop stall during one push cycle of 10k series (3 targets),
 * against prom-client's `registry.metrics()` on the same registry.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  await assertPushgateways();
  const rounds = ctx.quick ? 5 : 15;
  const job = benchJob();
  const { registry, manager } = filledRegistry(10_000, job);
  const pusher = makePusher(registry, job, 'all');
  const cpuStall: Record<'pusher' | 'metrics' | 'serialise', number[]> = {
    pusher: [],
    metrics: [],
    serialise: [],
  };
  const longestStall = async (
    name: 'pusher' | 'metrics' | 'serialise',
    work: () => Promise<unknown>,
  ): Promise<number> => {
    manager.incMessagesConsumed('orders.events.v1-part-0');
    settle();
    // Beside the wall-clock histogram, the longest stretch of this process's CPU time between two
    // turns of a 1 ms timer: unlike wall time, it does not grow when another process takes the core.
    let last = process.cpuUsage();
    let longestCpu = 0;
    const probe = setInterval(() => {
      const d = process.cpuUsage(last);
      last = process.cpuUsage();
      longestCpu = Math.max(longestCpu, (d.user + d.system) / 1000);
    }, 1);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    await tick();
    await work();
    await tick();
    h.disable();
    clearInterval(probe);
    cpuStall[name].push(longestCpu);
    return h.max / 1e6;
  };
  const variants = {
    pusher: () =>
      longestStall('pusher', async () => {
        const report = await pusher.pushNow();
        if (report.succeeded !== 3)
          throw new Error(`push reached ${report.succeeded} of 3 targets`);
      }),
    metrics: () => longestStall('metrics', () => registry.metrics()),
    // The pusher's own part of the cycle without the network: what the gateways' parsing on the
    // same two cores cannot colour.
    serialise: () =>
      longestStall('serialise', async () => Buffer.from(await serialiseRegistry(registry), 'utf8')),
  };
  await variants.pusher();
  await variants.metrics();
  cpuStall.pusher.length = cpuStall.metrics.length = cpuStall.serialise.length = 0;
  try {
    const r = await alternate(rounds, variants, ctx.quick ? 20_000 : 120_000);
    const row = (figure: string, value: number[], baseline: number[], note: string): Row =>
      ratioRow(
        {
          case: '6 event-loop stall 10k',
          figure,
          value: median(value),
          unit: 'ms',
          baselineLabel: 'registry.metrics()',
          baseline: median(baseline),
          note: `${note}; worst round ${Math.max(...value).toFixed(1)} vs ${Math.max(...baseline).toFixed(1)} ms; ${value.length} rounds`,
          rounds: { value, baseline },
        },
        '<=',
        1 / 3,
        '<= 1/3',
      );
    return [
      row(
        'longest stall in a push cycle (wall), ms',
        r.pusher,
        r.metrics,
        'monitorEventLoopDelay max, resolution 1 ms (the figure includes the 1 ms timer)',
      ),
      row(
        'same, in CPU time of the app, ms',
        cpuStall.pusher,
        cpuStall.metrics,
        'longest process CPU time between two turns of a 1 ms timer',
      ),
      row(
        'longest stall serialising the body, no network (wall), ms',
        r.serialise,
        r.metrics,
        'monitorEventLoopDelay max of serialiseRegistry + Buffer.from alone',
      ),
    ];
  } finally {
    await pusher.onApplicationShutdown();
  }
}
