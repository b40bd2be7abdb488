import { SELF_METRIC_PREFIX } from '../../lib/metrics.constants';
import { benchJob, filledRegistry, makePusher, assertPushgateways } from '../support/pusher';
import { pairedRow, type CaseContext, type Row } from '../support/result';
import { alternate, cpuMs, median, perRoundRatios, settle } from '../support/stats';

/**
 * Case 5: one push cycle of 10k series to 3 Pushgateways against 1, same registry, the two
 * alternating round by round. The gateways' parsing of the body dominates wall time (and on a
 * small machine competes with the app for its cores), so the figure is the app's own CPU time per
 * cycle, the ratio the median of the per-round ratios; wall time beside it.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  await assertPushgateways();
  const rounds = ctx.quick ? 3 : 41;
  const job = benchJob();
  const { registry, manager } = filledRegistry(10_000, job);
  const one = makePusher(registry, job, 'one');
  // Both pushers register their own metrics: keep one set, so both push the same registry.
  for (const m of registry.getMetricsAsArray())
    if (m.name.startsWith(SELF_METRIC_PREFIX)) registry.removeSingleMetric(m.name);
  const all = makePusher(registry, job, 'all');
  const wall = { all: [] as number[], one: [] as number[] };
  const cycle = (name: 'all' | 'one') => async (): Promise<number> => {
    manager.incMessagesConsumed('orders.events.v1-part-0');
    // Garbage of the previous cycle is collected now, not inside the one measured.
    await settle();
    const cpu = process.cpuUsage();
    const t = performance.now();
    const report = await (name === 'all' ? all : one).pushNow();
    wall[name].push(performance.now() - t);
    const used = cpuMs(cpu);
    const expected = name === 'all' ? 3 : 1;
    if (report.succeeded !== expected) {
      throw new Error(
        `push to ${expected} target(s) reached ${report.succeeded}: ${JSON.stringify(report.targets)}`,
      );
    }
    return used;
  };
  // Warm-up: connections opened, code optimised.
  await cycle('all')();
  await cycle('one')();
  wall.all.length = wall.one.length = 0;
  try {
    const r = await alternate(
      rounds,
      { all: cycle('all'), one: cycle('one') },
      ctx.quick ? 20_000 : 120_000,
    );
    const bytes = all.lastReport?.bytes ?? 0;
    return [
      pairedRow(
        {
          case: '5 push cycle 10k series',
          figure: 'app CPU per cycle, 3 targets, ms',
          unit: 'ms',
          baselineLabel: 'same, 1 target',
          note: `wall: ${median(wall.all).toFixed(1)} ms (3) vs ${median(wall.one).toFixed(1)} ms (1), per-round ratio ${median(perRoundRatios(wall.all, wall.one)).toFixed(2)}; body ${bytes} B; ${r.all.length} rounds`,
          rounds: { cpu: r, wall },
        },
        r.all,
        r.one,
        '<=',
        1.2,
        '<= 1.2x',
      ),
    ];
  } finally {
    await all.onApplicationShutdown();
    await one.onApplicationShutdown();
  }
}
