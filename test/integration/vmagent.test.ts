// pushProtocol victoriametrics against the real servers of the local stack: two vmagents behind
// their own headless name, both remote-writing to VictoriaMetrics, vmagent-1 also to a second
// Prometheus. What the stores hold is read back and compared with what the test counted, and
// with what the main Prometheus stores for the same app through the Pushgateway metrics cache.
import { randomBytes } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_REGISTRY } from '../../lib';
import { useFaultTestScope } from '../support/fault-scope';
import type { MetricsApp } from '../support/faults';
import { queryPrometheus, waitFor } from '../support/stack';
import { LOCAL_VMAGENT_OPTIONS, VMAGENT_ADDRS } from '../support/stack-config';
import { parseTextFormat } from '../support/text-format';
import {
  exportFromVictoriaMetrics,
  restoreVmagentStack,
  seriesIn,
  STORES,
  victoriaMetricsIntake,
  waitForValueInStores,
  type StoredSeries,
} from '../support/vmagent-stack';

const id = (): string => randomBytes(3).toString('hex');
const registryOf = (m: MetricsApp): Registry => m.app.get<Registry>(METRICS_REGISTRY);

describe('pushProtocol victoriametrics, through two real vmagents', () => {
  const scope = useFaultTestScope();
  beforeAll(restoreVmagentStack);

  it('stores exactly what the app counted, in VictoriaMetrics and in the remote-write Prometheus', async () => {
    const job = `vm-counts-${id()}`;
    const m = await scope.createApp({ app: 'vm-counts', job, ...LOCAL_VMAGENT_OPTIONS });
    m.manager.incMessagesConsumed('vm.orders', 17);
    m.manager.incMessagesProduced('vm.enriched', 5);
    const report = await m.pusher.pushNow();
    expect(report.targets.map((t) => [t.address, t.ok, t.status])).toEqual(
      [...VMAGENT_ADDRS].sort().map((address) => [address, true, 204]),
    );

    const consumed = `messages_consumed{job="${job}"}`;
    for (const stored of await waitForValueInStores(consumed, 17)) {
      expect(stored.metric).toEqual({
        __name__: 'messages_consumed',
        app: 'vm-counts',
        job,
        topic: 'vm.orders',
      });
    }
    await waitForValueInStores(`messages_produced{job="${job}",topic="vm.enriched"}`, 5);

    m.manager.incMessagesConsumed('vm.orders', 8);
    expect((await m.pusher.pushNow()).succeeded).toBe(2);
    await waitForValueInStores(consumed, 25);
  });

  it("keeps one sample per push of the two vmagents' copies in VictoriaMetrics (-dedup.minScrapeInterval)", async () => {
    const job = `vm-dedup-${id()}`;
    const m = await scope.createApp({ app: 'vm-dedup', job, ...LOCAL_VMAGENT_OPTIONS });
    m.manager.incMessagesConsumed('vm.dedup', 3);
    // What the push will carry: one sample per series, to each vmagent.
    const samples = parseTextFormat(await registryOf(m).metrics()).length;
    const before = (await victoriaMetricsIntake()).written;
    const sent = Date.now();
    expect((await m.pusher.pushNow()).succeeded).toBe(2);
    const answered = Date.now();
    await waitFor(
      async () => {
        const { written, settled } = await victoriaMetricsIntake();
        return written >= before + 2 * samples && settled ? true : undefined;
      },
      { timeoutMs: 20_000, what: `both vmagents' copies of ${samples} samples in VictoriaMetrics` },
    );
    // Each vmagent stamps its copy when it takes the push in, within [sent, answered]: one 1 s
    // de-duplication interval, unless that window crosses a second.
    const intervals = Math.floor(answered / 1000) - Math.floor(sent / 1000) + 1;
    const [exported, ...others] = await exportFromVictoriaMetrics(
      `messages_consumed{job="${job}"}`,
    );
    expect(others).toEqual([]);
    expect(exported.values.length).toBeGreaterThanOrEqual(1);
    expect(exported.values.length).toBeLessThanOrEqual(Math.min(2, intervals));
    expect(new Set(exported.values)).toEqual(new Set([3]));
  });

  it('keeps hostile label values intact through vmagent, in the query string and in the body', async () => {
    const hostile = 'say "hi"\\ back\nslash / é ✓ & a=b + c?#%';
    const app = `vm-hostile-${id()}`;
    const job = `pod ${hostile}`;
    const m = await scope.createApp({
      app,
      job,
      groupingLabels: { process: hostile },
      ...LOCAL_VMAGENT_OPTIONS,
    });
    m.manager.incMessagesConsumed(`topic ${hostile}`, 4);
    new Gauge({
      name: 'vm_hostile_note',
      help: 'h',
      labelNames: ['app', 'note'],
      registers: [registryOf(m)],
    }).set({ app, note: hostile }, 2);
    expect((await m.pusher.pushNow()).succeeded).toBe(2);

    const expected = {
      messages_consumed: { app, job, process: hostile, topic: `topic ${hostile}`, value: 4 },
      vm_hostile_note: { app, job, process: hostile, note: hostile, value: 2 },
    };
    for (const [store, server] of Object.entries(STORES)) {
      const found = await waitFor(
        async () => {
          const all = await seriesIn(
            server,
            `{app="${app}",__name__=~"messages_consumed|vm_hostile_note"}`,
          );
          return all.length === 2 ? all : undefined;
        },
        { timeoutMs: 20_000, what: `${store} to show both hostile series of ${app}` },
      );
      const byName = Object.fromEntries(
        found.map(({ metric: { __name__: name, ...labels }, value }) => [
          name,
          { ...labels, value },
        ]),
      );
      expect(byName, store).toEqual(expected);
    }
  });

  it('stores through vmagent the labels the main Prometheus stores through the metrics cache (honor_labels)', async () => {
    const app = `vm-parity-${id()}`;
    const common = { app, job: `${app}-pod`, groupingLabels: { worker: '3', process: 'api' } };
    const viaCache = await scope.createApp(common);
    const viaVmagent = await scope.createApp({ ...common, ...LOCAL_VMAGENT_OPTIONS });
    for (const m of [viaCache, viaVmagent]) {
      m.manager.incMessagesConsumed('parity.orders', 6);
      m.manager.incMessagesProduced('parity.out', 2);
      m.manager.incMessageErrorsOfType('TimeoutError', 1);
      // An app metric with labels of its own named like the group's: the group's values win.
      new Gauge({
        name: 'parity_queue_depth',
        help: 'h',
        labelNames: ['job', 'worker', 'queue'],
        registers: [registryOf(m)],
      }).set({ job: 'other', worker: '9', queue: 'q' }, 4);
      // Twice: the second push carries the pusher's own metrics of the first.
      for (let i = 0; i < 2; i++) expect((await m.pusher.pushNow()).ok).toBe(true);
    }
    // The series the app pushes, told apart by name and labels (targets aside).
    const pushed = new Set(
      parseTextFormat(await registryOf(viaVmagent).metrics()).map(({ name, labels }) =>
        JSON.stringify([name, { ...labels, target: undefined, job: undefined, worker: undefined }]),
      ),
    ).size;

    const selector = `{job="${common.job}"}`;
    const stored = {
      'the metrics cache, in the main Prometheus': () => queryPrometheus(selector),
      ...Object.fromEntries(
        Object.entries(STORES).map(([store, server]) => [store, () => seriesIn(server, selector)]),
      ),
    };
    const sets: Record<string, string[]> = {};
    for (const [store, read] of Object.entries(stored)) {
      sets[store] = await waitFor(
        async () => {
          const set = labelSets(await read());
          return set.length >= pushed ? set : undefined;
        },
        { timeoutMs: 20_000, what: `${store} to show the ${pushed} series of ${app}` },
      );
    }
    const [reference, ...rest] = Object.values(sets);
    for (const [store, set] of Object.entries(sets)) expect(set, store).toEqual(reference);
    expect(rest).toHaveLength(2);
    expect(reference).toContain(
      JSON.stringify({
        __name__: 'parity_queue_depth',
        job: common.job,
        process: 'api',
        queue: 'q',
        worker: '3',
      }),
    );
  });
});

// The cache's own per-group series, which nothing pushed through vmagent has.
const PUSHGATEWAY_SERIES = new Set(['push_time_seconds', 'push_failure_time_seconds']);

/**
 * A store's series as sorted label sets, the way dashboards tell them apart: without `instance`
 * (the cache pod a copy was scraped from; dashboards take `max without (instance)`) and with
 * every `target` (the pod a push went to: cache pods here, vmagents there) as one.
 */
function labelSets(series: StoredSeries[]): string[] {
  const sets = series
    .filter((s) => !PUSHGATEWAY_SERIES.has(s.metric.__name__))
    .map(({ metric: { instance: _instance, ...labels } }) => {
      if (labels.target !== undefined) labels.target = '<pod>';
      return JSON.stringify(Object.fromEntries(Object.entries(labels).sort()));
    });
  return [...new Set(sets)].sort();
}
