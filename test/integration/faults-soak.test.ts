// One million increments of the standard metrics (incMessagesConsumed called 1M times, no
// broker involved) while a metrics cache pod is stopped and started every couple of seconds,
// with the push interval running: no unhandled rejection, exact final values on every pod and in
// Prometheus, no socket left behind, and the heap the run retains, measured after full garbage
// collections, grows by less than the benchmark's bound for 1M counted messages (1 MB).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeResources, restoreStack } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import { retainedHeap } from '../support/heap';
import {
  findSample,
  queryPrometheus,
  readPushgateway,
  startPushgateway,
  stopPushgateway,
  waitFor,
} from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const JOB = `faults-soak-${randomBytes(3).toString('hex')}`;
const APP = 'faults-soak-app';
const TOPIC = 'faults.soak';
const INCREMENTS = 1_000_000;
const BATCH = 5_000;
const DEADLINE_MS = 60_000;
// How long the flapping pod stays down, then up: the fault's schedule, not a wait for a state.
const FLAP_MS = 2_000;
// The benchmark's target for 1M counted messages (bench/cases/heap.ts): < 1 MB retained.
const HEAP_BOUND = 1_000_000;

const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('soak: 1M increments while a cache pod flaps', () => {
  const scope = useFaultTestScope();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
  });

  afterAll(() => {
    process.off('unhandledRejection', onRejection);
  });

  it('counts 1M increments exactly while a pod flaps: no unhandled rejection, no socket left, < 1 MB of heap retained', async () => {
    const m = await scope.createApp({
      job: JOB,
      app: APP,
      pushRateSeconds: 0.5,
      pushTimeoutMs: 400,
    });
    const { manager, pusher } = m;
    const deadline = Date.now() + DEADLINE_MS;
    let flapping = true;
    let flaps = 0;
    const flapper = (async () => {
      while (flapping && Date.now() < deadline) {
        await stopPushgateway(1);
        await hold(FLAP_MS);
        await startPushgateway(1);
        flaps++;
        await hold(FLAP_MS);
      }
    })();

    let counted = 0;
    let errors = 0;
    let baseline: { heap: number; sockets: number } | undefined;
    try {
      while (counted < INCREMENTS && Date.now() < deadline) {
        for (let i = 0; i < BATCH; i++) manager.incMessagesConsumed(TOPIC);
        manager.incMessagesProduced(TOPIC, BATCH);
        manager.incMessageErrors(new RangeError('soak'));
        errors++;
        counted += BATCH;
        // From here on every series exists and the pusher has run: what grows now, stays.
        if (counted === 100_000) {
          baseline = { heap: retainedHeap(), sockets: activeResources().TCPSocketWrap ?? 0 };
        }
        // Spreads the increments over several flaps, letting push cycles run in between.
        await hold(counted % 50_000 === 0 ? 500 : 5);
      }
    } finally {
      flapping = false;
      await flapper;
    }
    const heapGrowth = retainedHeap() - baseline!.heap;
    const sockets = activeResources().TCPSocketWrap ?? 0;

    expect(counted).toBe(INCREMENTS);
    expect(flaps).toBeGreaterThanOrEqual(2);
    expect(rejections).toEqual([]);
    expect(heapGrowth).toBeLessThan(HEAP_BOUND);
    expect(sockets).toBeLessThanOrEqual(baseline!.sockets + PUSHGATEWAY_ADDRS.length);
    // The flapping pod was really pushed to, failed, and came back during the run.
    expect(m.logs.text()).toContain(`push to metrics cache pod ${PUSHGATEWAY_ADDRS[1]} failed`);
    expect(m.logs.text()).toContain(
      `push to metrics cache pod ${PUSHGATEWAY_ADDRS[1]} works again`,
    );

    await restoreStack();
    const final = await pusher.pushNow();
    expect(final.succeeded).toBe(3);
    for (const addr of PUSHGATEWAY_ADDRS) {
      const samples = await readPushgateway(addr);
      expect(findSample(samples, 'messages_consumed', { job: JOB, topic: TOPIC })).toBe(INCREMENTS);
      expect(findSample(samples, 'messages_produced', { job: JOB, topic: TOPIC })).toBe(INCREMENTS);
      expect(findSample(samples, 'messages_errors', { job: JOB, exception: 'RangeError' })).toBe(
        errors,
      );
    }
    await waitFor(
      async () => {
        const found = await queryPrometheus(`messages_consumed{job="${JOB}"}`);
        return found.length > 0 && found.every((s) => s.value === INCREMENTS) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: '1M consumed in Prometheus' },
    );
    const [produced] = await queryPrometheus(`messages_produced{job="${JOB}"}`);
    expect(produced.value).toBe(INCREMENTS);
  }, 120_000);
});
