// One million messages counted while a metrics cache pod is stopped and started every couple
// of seconds, with the push interval running: no unhandled rejection, bounded memory and
// sockets, and exact final values on every pod and in Prometheus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeResources,
  createMetricsApp,
  restoreStack,
  type MetricsApp,
} from '../support/faults';
import {
  findSample,
  queryPrometheus,
  readPushgateway,
  startPushgateway,
  stopPushgateway,
  waitFor,
  deleteGroupEverywhere,
} from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const JOB = 'faults-soak';
const APP = 'faults-soak-app';
const TOPIC = 'faults.soak';
const MESSAGES = 1_000_000;
const BATCH = 5_000;
const DEADLINE_MS = 60_000;
const FLAP_MS = 2_000;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('soak: a flapping cache pod under load', () => {
  let m: MetricsApp | undefined;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    await restoreStack();
    process.on('unhandledRejection', onRejection);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await m?.app.close();
    await restoreStack();
    await deleteGroupEverywhere(JOB);
  });

  it('counts 1M messages exactly while a pod flaps, with no unhandled rejection and bounded memory', async () => {
    m = await createMetricsApp({ job: JOB, app: APP, pushRateSeconds: 0.5, pushTimeoutMs: 400 });
    const { manager, pusher } = m;
    const deadline = Date.now() + DEADLINE_MS;
    let flapping = true;
    let flaps = 0;
    const flapper = (async () => {
      while (flapping && Date.now() < deadline) {
        await stopPushgateway(1);
        await pause(FLAP_MS);
        await startPushgateway(1);
        flaps++;
        await pause(FLAP_MS);
      }
    })();

    let counted = 0;
    let errors = 0;
    let baseline: { heap: number; sockets: number } | undefined;
    try {
      while (counted < MESSAGES && Date.now() < deadline) {
        for (let i = 0; i < BATCH; i++) manager.incMessagesConsumed(TOPIC);
        manager.incMessagesProduced(TOPIC, BATCH);
        manager.incMessageErrors(new RangeError('soak'));
        errors++;
        counted += BATCH;
        if (counted === 100_000) {
          baseline = {
            heap: process.memoryUsage().heapUsed,
            sockets: activeResources().TCPSocketWrap ?? 0,
          };
        }
        await pause(counted % 50_000 === 0 ? 500 : 5);
      }
    } finally {
      flapping = false;
      await flapper;
    }
    const heapGrowth = process.memoryUsage().heapUsed - baseline!.heap;
    const sockets = activeResources().TCPSocketWrap ?? 0;

    expect(counted).toBe(MESSAGES);
    expect(flaps).toBeGreaterThanOrEqual(2);
    expect(rejections).toEqual([]);
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
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
      expect(findSample(samples, 'messages_consumed', { job: JOB, topic: TOPIC })).toBe(MESSAGES);
      expect(findSample(samples, 'messages_produced', { job: JOB, topic: TOPIC })).toBe(MESSAGES);
      expect(findSample(samples, 'messages_errors', { job: JOB, exception: 'RangeError' })).toBe(
        errors,
      );
    }
    await waitFor(
      async () => {
        const found = await queryPrometheus(`messages_consumed{job="${JOB}"}`);
        return found.length > 0 && found.every((s) => s.value === MESSAGES) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: '1M consumed in Prometheus' },
    );
    const [produced] = await queryPrometheus(`messages_produced{job="${JOB}"}`);
    expect(produced.value).toBe(MESSAGES);
  }, 120_000);
});
