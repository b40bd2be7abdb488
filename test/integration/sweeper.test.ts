// The sweeper against the stack's three real Pushgateways, dnsmasq and Prometheus: dead pods'
// groups expire, live and foreign groups stay, unreachable pods are reported and swept later.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sweepStaleGroups, type SweepReport } from '../../lib';
import { runCli } from '../../lib/cli/run-cli';
import type { MetricsApp } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import { groupsOn, jobsOn } from '../support/pushgateway-groups';
import {
  findSample,
  pausePushgateway,
  pushRaw,
  queryPrometheus,
  readPushgateway,
  resumePushgateway,
  waitFor,
} from '../support/stack';
import { DNS_SERVER, HEADLESS_NAME, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const TTL_SECONDS = 3;
const APP = 'sweeper-test';
const TOPIC = 'sweeper.orders';
const SERVICE = { serviceName: HEADLESS_NAME, dnsServers: [DNS_SERVER], ttlSeconds: TTL_SECONDS };
// The first test asserts on every group a Pushgateway holds: each test starts from empty ones.
const scope = useFaultTestScope({ wipe: true });

/** Starts a pod that pushes once and shuts down without deleting its group, like a killed one. */
async function deadPod(
  job: string,
  consumed: number,
  groupingLabels?: Record<string, string>,
): Promise<void> {
  const pod = await scope.createApp({ job, app: APP, groupingLabels });
  pod.manager.incMessagesConsumed(TOPIC, consumed);
  const report = await pod.pusher.pushNow();
  expect(report.succeeded, `${job} pushed to every pod`).toBe(PUSHGATEWAY_ADDRS.length);
  await scope.close(pod);
}

/** Waits until every group of these jobs, on every Pushgateway, is older than the TTL. */
async function waitUntilStale(jobs: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      const now = Date.now() / 1000;
      for (const addr of PUSHGATEWAY_ADDRS) {
        const groups = (await groupsOn(addr)).filter((g) => jobs.includes(g.labels.job));
        if (groups.length === 0 || groups.some((g) => now - g.pushTime <= TTL_SECONDS + 0.2))
          return undefined;
      }
      return true;
    },
    { timeoutMs: (TTL_SECONDS + 10) * 1000, what: 'the dead groups to be older than the TTL' },
  );
}

/** The push time of each of these jobs' groups on one Pushgateway, by job. */
async function pushTimesOn(addr: string, jobs: readonly string[]): Promise<Map<string, number>> {
  const groups = (await groupsOn(addr)).filter((g) => jobs.includes(g.labels.job));
  return new Map(groups.map((g) => [g.labels.job, g.pushTime]));
}

function deletedJobs(report: SweepReport, target: string): string[] {
  const t = report.targets.find((x) => x.target === target);
  return (t?.groups ?? [])
    .filter((g) => g.action === 'deleted')
    .map((g) => g.labels.job)
    .sort();
}

describe('sweeping stale groups', () => {
  const run = randomBytes(3).toString('hex');

  it("deletes 30 dead pods' groups from every Pushgateway and from Prometheus, leaves 5 live pods' groups untouched, and a foreign group unless --all", async () => {
    const dead = Array.from({ length: 30 }, (_, i) => `sweep-dead-${run}-${i}`);
    for (const [i, job] of dead.entries()) await deadPod(job, i + 1);
    // Live pods that push only when told to: a group the sweep deleted stays gone, and one it
    // deleted and a pod pushed again would show a new push time.
    const live = new Map<string, { count: number; pod: MetricsApp }>();
    for (let i = 0; i < 5; i++) {
      const job = `sweep-live-${run}-${i}`;
      const pod = await scope.createApp({ job, app: APP, pushRateSeconds: 3600 });
      pod.manager.incMessagesConsumed(TOPIC, 100 + i);
      live.set(job, { count: 100 + i, pod });
    }
    const liveJobs = [...live.keys()];
    /** Pushes every live pod now, within the TTL of the sweep that follows; their push times. */
    const pushLive = async (): Promise<Map<string, number>[]> => {
      for (const [job, { pod }] of live)
        expect((await pod.pusher.pushNow()).succeeded, `${job} pushed`).toBe(
          PUSHGATEWAY_ADDRS.length,
        );
      return Promise.all(PUSHGATEWAY_ADDRS.map((addr) => pushTimesOn(addr, liveJobs)));
    };
    const foreign = `nightly-batch-${run}`;
    for (const addr of PUSHGATEWAY_ADDRS) {
      expect(
        await pushRaw(addr, `job/${foreign}`, '# TYPE batch_rows gauge\nbatch_rows 42\n'),
      ).toBe(200);
    }
    const deadInPrometheus = `count(max without (instance) (messages_consumed{job=~"sweep-dead-${run}-.*"}))`;
    await waitFor(
      async () => ((await queryPrometheus(deadInPrometheus))[0]?.value === 30 ? true : undefined),
      {
        timeoutMs: 15_000,
        what: 'Prometheus to scrape the 30 dead groups',
      },
    );
    await waitUntilStale([...dead, foreign]);

    const pushedAt = await pushLive();
    const report = await sweepStaleGroups(SERVICE);

    expect(report.unreachable).toEqual([]);
    expect(report.failed).toBe(0);
    for (const [i, addr] of PUSHGATEWAY_ADDRS.entries()) {
      expect(deletedJobs(report, `http://${addr}:9091`)).toEqual([...dead].sort());
      expect(await jobsOn(addr)).toEqual([foreign, ...liveJobs].sort());
      expect(await pushTimesOn(addr, liveJobs), `live push times on ${addr}`).toEqual(pushedAt[i]);
      const samples = await readPushgateway(addr);
      for (const [job, { count }] of live) {
        expect(
          findSample(samples, 'messages_consumed', { job, topic: TOPIC }),
          `${job} on ${addr}`,
        ).toBe(count);
      }
    }
    await waitFor(
      async () => ((await queryPrometheus(deadInPrometheus)).length === 0 ? true : undefined),
      {
        timeoutMs: 15_000,
        what: 'the dead series to be gone from an instant query',
      },
    );
    const liveInPrometheus = await queryPrometheus(
      `sum(max without (instance) (messages_consumed{job=~"sweep-live-${run}-.*"}))`,
    );
    expect(liveInPrometheus[0]?.value).toBe(
      [...live.values()].reduce((sum, { count }) => sum + count, 0),
    );

    const pushedAgainAt = await pushLive();
    const wide = await sweepStaleGroups({ ...SERVICE, all: true });
    for (const [i, addr] of PUSHGATEWAY_ADDRS.entries()) {
      expect(deletedJobs(wide, `http://${addr}:9091`)).toEqual([foreign]);
      expect(await jobsOn(addr)).toEqual([...liveJobs].sort());
      expect(await pushTimesOn(addr, liveJobs), `live push times on ${addr}`).toEqual(
        pushedAgainAt[i],
      );
    }
  });

  it('reports a pod that does not answer during a --service sweep (exit 1), and sweeps it on the next pass', async () => {
    const job = `sweep-paused-${run}`;
    await deadPod(job, 5);
    await waitUntilStale([job]);
    const out: string[] = [];
    const io = {
      out: { write: (t: string) => out.push(t) },
      err: { write: (t: string) => out.push(t) },
    };
    const args = [
      'sweep',
      '--service',
      HEADLESS_NAME,
      '--dns-server',
      DNS_SERVER,
      '--ttl',
      `${TTL_SECONDS}s`,
      '--timeout',
      '1s',
      '--json',
    ];

    await pausePushgateway(1);
    const code = await runCli(args, io);
    const first = JSON.parse(out.join('')) as SweepReport;
    expect(code).toBe(1);
    expect(first.unreachable).toEqual([`http://${PUSHGATEWAY_ADDRS[1]}:9091`]);
    expect(await jobsOn(PUSHGATEWAY_ADDRS[0])).toEqual([]);
    expect(await jobsOn(PUSHGATEWAY_ADDRS[2])).toEqual([]);

    await resumePushgateway(1);
    expect(await jobsOn(PUSHGATEWAY_ADDRS[1])).toEqual([job]);
    out.length = 0;
    expect(await runCli(args, io)).toBe(0);
    const second = JSON.parse(out.join('')) as SweepReport;
    expect(second.unreachable).toEqual([]);
    expect(deletedJobs(second, `http://${PUSHGATEWAY_ADDRS[1]}:9091`)).toEqual([job]);
    expect(await jobsOn(PUSHGATEWAY_ADDRS[1])).toEqual([]);
  });

  it('deletes groups with hostile names and grouping labels (the @base64 paths)', async () => {
    const hostile: Array<[string, Record<string, string> | undefined]> = [
      [`team/orders-${run}`, undefined],
      [`pod with spaces é ${run}`, undefined],
      [`a/b?c=d&e#f-${run}`, { worker: 'x/y' }],
      [`plain-${run}`, { worker: 'ünï code' }],
    ];
    for (const [job, labels] of hostile) await deadPod(job, 1, labels);
    await waitUntilStale(hostile.map(([job]) => job));
    const before = await groupsOn(PUSHGATEWAY_ADDRS[0]);
    expect(before.map((g) => g.labels).sort(byJob)).toEqual(
      hostile.map(([job, labels]) => ({ job, ...labels })).sort(byJob),
    );

    const report = await sweepStaleGroups({
      targets: PUSHGATEWAY_ADDRS.map((a) => `http://${a}:9091`),
      ttlSeconds: TTL_SECONDS,
    });

    expect(report.deleted).toBe(hostile.length * PUSHGATEWAY_ADDRS.length);
    expect(report.failed).toBe(0);
    for (const addr of PUSHGATEWAY_ADDRS) expect(await groupsOn(addr)).toEqual([]);
  });

  it('with --dry-run, names what it would delete and deletes nothing', async () => {
    const job = `sweep-dry-${run}`;
    await deadPod(job, 2);
    await waitUntilStale([job]);

    const report = await sweepStaleGroups({ ...SERVICE, dryRun: true });

    expect(report.deleted).toBe(0);
    expect(report.targets.flatMap((t) => t.groups.map((g) => g.action))).toEqual(
      PUSHGATEWAY_ADDRS.map(() => 'would-delete'),
    );
    for (const addr of PUSHGATEWAY_ADDRS) expect(await jobsOn(addr)).toEqual([job]);
  });
});

function byJob(a: Record<string, string>, b: Record<string, string>): number {
  return a.job.localeCompare(b.job);
}
