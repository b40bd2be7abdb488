// Failing metrics cache pods: stopped, black-holed (SIGSTOP), restarted empty.
// Every value is read back from the real Pushgateways.
import { describe, expect, it } from 'vitest';
import { activeResources } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import {
  findSample,
  pausePushgateway,
  readPushgateway,
  startPushgateway,
  stopPushgateway,
} from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const JOB = 'faults-pods';
const APP = 'faults-pods-app';
const TOPIC = 'faults.pods';
const [POD0, POD1, POD2] = PUSHGATEWAY_ADDRS;

async function consumedOn(addr: string): Promise<number | undefined> {
  return findSample(await readPushgateway(addr), 'messages_consumed', { job: JOB, topic: TOPIC });
}

async function selfMetricOn(
  addr: string,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  return findSample(await readPushgateway(addr), `nubium_metrics_${name}`, { job: JOB, ...labels });
}

describe('failing metrics cache pods', () => {
  const scope = useFaultTestScope();

  it('pushes to the two remaining pods in the same cycle when one of three is stopped, and names the failed one', async () => {
    const m = await scope.createApp({ job: JOB, app: APP });
    await stopPushgateway(1);
    m.manager.incMessagesConsumed(TOPIC, 42);

    const report = await m.pusher.pushNow();

    expect(report.targets.map((t) => t.address)).toEqual([POD0, POD1, POD2]);
    expect(report.succeeded).toBe(2);
    const failed = report.targets.find((t) => !t.ok);
    expect(failed).toMatchObject({ address: POD1, reason: 'refused' });
    expect(await consumedOn(POD0)).toBe(42);
    expect(await consumedOn(POD2)).toBe(42);
    expect(m.logs.text()).toContain(`push to metrics cache pod ${POD1} failed`);

    // A cycle serialises the registry before it sends: its self metrics reach the cache with the next one.
    await m.pusher.pushNow();
    expect(
      await selfMetricOn(POD0, 'push_failures_total', { target: POD1, reason: 'refused' }),
    ).toBe(1);
    expect(
      await selfMetricOn(POD2, 'push_failures_total', { target: POD1, reason: 'refused' }),
    ).toBe(1);
    expect(
      await selfMetricOn(POD0, 'push_last_success_timestamp_seconds', { target: POD1 }),
    ).toBeUndefined();
    expect(
      await selfMetricOn(POD0, 'push_last_success_timestamp_seconds', { target: POD2 }),
    ).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await selfMetricOn(POD0, 'push_targets', {})).toBe(3);
  });

  it('does not let a black-holed pod delay the others: the cycle ends within the per-target timeout', async () => {
    const timeoutMs = 800;
    const m = await scope.createApp({ job: JOB, app: APP, pushTimeoutMs: timeoutMs });
    await m.pusher.pushNow(); // warm: kept-alive connections to every pod
    await pausePushgateway(1);
    m.manager.incMessagesConsumed(TOPIC, 7);

    const started = performance.now();
    const report = await m.pusher.pushNow();
    const elapsed = performance.now() - started;

    expect(report.targets.find((t) => t.address === POD1)).toMatchObject({
      ok: false,
      reason: 'timeout',
    });
    for (const addr of [POD0, POD2]) {
      const target = report.targets.find((t) => t.address === addr);
      expect(target?.ok).toBe(true);
      expect(target!.durationMs).toBeLessThan(timeoutMs / 2);
    }
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(elapsed).toBeLessThan(timeoutMs + 500);
    expect(await consumedOn(POD0)).toBe(7);
    expect(await consumedOn(POD2)).toBe(7);
  });

  it('leaks no socket and no timer over 20 cycles with a black-holed pod', async () => {
    const m = await scope.createApp({ job: JOB, app: APP, pushTimeoutMs: 150 });
    await pausePushgateway(1);
    await m.pusher.pushNow();
    await m.pusher.pushNow();
    const before = activeResources();

    for (let i = 0; i < 20; i++) {
      m.manager.incMessagesConsumed(TOPIC);
      const report = await m.pusher.pushNow();
      expect(report.succeeded).toBe(2);
    }
    const after = activeResources();

    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
    expect(await consumedOn(POD0)).toBe(20);
  });

  it('closes every connection and timer when the app closes', async () => {
    const before = activeResources();
    const m = await scope.createApp({ job: JOB, app: APP, pushRateSeconds: 1, pushTimeoutMs: 500 });
    await m.pusher.pushNow();
    await scope.close(m);

    const after = activeResources();
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
  });

  it('holds the current values on a pod that restarts empty after the next cycle', async () => {
    const m = await scope.createApp({ job: JOB, app: APP });
    m.manager.incMessagesConsumed(TOPIC, 5);
    m.manager.incMessagesProduced('faults.pods.out', 3);
    await m.pusher.pushNow();
    expect(await consumedOn(POD2)).toBe(5);

    await stopPushgateway(2);
    await startPushgateway(2);
    expect(await consumedOn(POD2)).toBeUndefined();
    m.manager.incMessagesConsumed(TOPIC, 1);

    const report = await m.pusher.pushNow();

    expect(report.succeeded).toBe(3);
    const samples = await readPushgateway(POD2);
    expect(findSample(samples, 'messages_consumed', { job: JOB, topic: TOPIC })).toBe(6);
    expect(findSample(samples, 'messages_produced', { job: JOB, topic: 'faults.pods.out' })).toBe(
      3,
    );
  });
});
