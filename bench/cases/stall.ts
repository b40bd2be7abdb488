import { Gauge, type Registry } from 'prom-client';
import type { MetricsManager } from '../../lib/manager/metrics.manager';
import type { MetricsPusher } from '../../lib/pusher/metrics.pusher';
import { serialiseRegistry } from '../../lib/serialiser/serialise-registry';
import { benchJob, filledRegistry, makePusher, assertPushgateways } from '../support/pusher';
import { pairedRow, type CaseContext, type Row } from '../support/result';
import { longestStall, type Stall } from '../support/stall';
import { alternate, median, perRoundRatios, settle } from '../support/stats';

const SERIES = 10_000;

/** One registry under test and the pusher that pushes it to the three Pushgateways. */
interface Subject {
  registry: Registry;
  manager: MetricsManager;
  pusher: MetricsPusher;
}

/**
 * An app's own metric on the module's registry, as an app adds one: a consumer-lag gauge of
 * `series` series labelled like the module's metrics (app, job, topic) plus a partition.
 */
function appGauge(registry: Registry, series: number): void {
  const gauge = new Gauge({
    name: 'app_consumer_lag',
    help: 'Messages behind the end of each partition',
    labelNames: ['app', 'job', 'topic', 'partition'],
    registers: [registry],
  });
  for (let i = 0; i < series; i++)
    gauge.set(
      {
        app: 'bench-app',
        job: 'bench',
        topic: `orders.events.v1-part-${i % 1000}`,
        partition: String(Math.floor(i / 1000)),
      },
      i % 4999,
    );
}

/**
 * Case 6: the longest event-loop stall during one push cycle (3 targets) against prom-client's
 * `registry.metrics()` on the same registry: once with 10k series of the module's own metrics,
 * once with an app's own gauge of 10k series beside a few of the module's. The figure is this
 * process's CPU time in the longest turn of the loop (wall time beside it: it also counts
 * whatever else held the core), the two measured side by side in every round.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  await assertPushgateways();
  const rounds = ctx.quick ? 5 : 25;
  const subject = (series: number, withAppGauge: boolean): Subject => {
    const job = benchJob();
    const { registry, manager } = filledRegistry(series, job);
    if (withAppGauge) appGauge(registry, SERIES);
    return { registry, manager, pusher: makePusher(registry, job, 'all') };
  };
  const module = subject(SERIES, false);
  const app = subject(100, true);
  const stalls: Record<string, Stall[]> = {};
  const measured =
    (name: string, { manager }: Subject, work: () => Promise<unknown>) =>
    async (): Promise<number> => {
      // A count since the last push, so the cycle has cells to fold, as an app's would.
      manager.incMessagesConsumed('orders.events.v1-part-0');
      await settle();
      const stall = await longestStall(work);
      (stalls[name] ??= []).push(stall);
      return stall.cpuMs;
    };
  const push = (s: Subject) => async () => {
    const report = await s.pusher.pushNow();
    if (report.succeeded !== 3)
      throw new Error(
        `push reached ${report.succeeded} of 3 targets: ${JSON.stringify(report.targets.filter((t) => !t.ok))}`,
      );
  };
  // The pusher's part of the cycle without the network, for the note.
  const serialise = (s: Subject) => async () =>
    Buffer.from(await serialiseRegistry(s.registry), 'utf8');
  // Each push beside the registry.metrics() it is compared with, the order reversed every round.
  const variants = {
    modulePush: measured('modulePush', module, push(module)),
    moduleMetrics: measured('moduleMetrics', module, () => module.registry.metrics()),
    moduleSerialise: measured('moduleSerialise', module, serialise(module)),
    appSerialise: measured('appSerialise', app, serialise(app)),
    appMetrics: measured('appMetrics', app, () => app.registry.metrics()),
    appPush: measured('appPush', app, push(app)),
  };
  try {
    // Warm-up: connections opened, code optimised.
    for (let i = 0; i < (ctx.quick ? 1 : 2); i++)
      for (const v of Object.values(variants)) await v();
    for (const k of Object.keys(stalls)) delete stalls[k];
    await alternate(rounds, variants, ctx.quick ? 30_000 : 300_000);
    const wall = (name: string) => stalls[name].map((s) => s.wallMs);
    const cpu = (name: string) => stalls[name].map((s) => s.cpuMs);
    const row = (kind: 'module' | 'app', title: string, what: string): Row => {
      const [pushed, metrics, alone] = [`${kind}Push`, `${kind}Metrics`, `${kind}Serialise`];
      const wallRatio = median(perRoundRatios(wall(pushed), wall(metrics)));
      return pairedRow(
        {
          case: `6 event-loop stall, ${title}`,
          figure: 'longest stall in a push cycle to 3 targets, app CPU, ms',
          unit: 'ms',
          baselineLabel: 'registry.metrics()',
          note: `${what}; wall: ${median(wall(pushed)).toFixed(1)} vs ${median(wall(metrics)).toFixed(1)} ms (per-round ratio ${wallRatio.toFixed(3)}); serialising alone, no network: ${median(cpu(alone)).toFixed(1)} ms CPU, ${median(wall(alone)).toFixed(1)} ms wall; longest turn of a setImmediate probe, this process's CPU time (process.cpuUsage); ${stalls[pushed].length} rounds`,
          rounds: { push: stalls[pushed], metrics: stalls[metrics], serialise: stalls[alone] },
        },
        cpu(pushed),
        cpu(metrics),
        '<=',
        1 / 3,
        '<= 1/3',
      );
    };
    return [
      row('module', "module's metrics 10k", "10k series of the module's three metrics"),
      row(
        'app',
        "app's own gauge 10k",
        "an app's own prom-client Gauge of 10k series (app, job, topic, partition) beside 100 of the module's",
      ),
    ];
  } finally {
    await module.pusher.onApplicationShutdown();
    await app.pusher.onApplicationShutdown();
  }
}
