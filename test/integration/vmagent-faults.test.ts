// pushProtocol victoriametrics when things go wrong, against the real servers: a vmagent stopped
// and started again, an import API that refuses the push, the app's shutdown, and the sweeper
// pointed at vmagent.
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_REGISTRY } from '../../lib';
import { runCli } from '../../lib/cli/run-cli';
import { useFaultTestScope } from '../support/fault-scope';
import type { MetricsApp } from '../support/faults';
import { findSample } from '../support/stack';
import {
  DNS_SERVER,
  LOCAL_VMAGENT_OPTIONS,
  VMAGENT_ADDRS,
  VMAGENT_HEADLESS_NAME,
  VMAGENT_PORT,
} from '../support/stack-config';
import { parseTextFormat } from '../support/text-format';
import {
  restoreVmagentStack,
  startVmagent,
  stopVmagent,
  waitForValueInStores,
} from '../support/vmagent-stack';

const id = (): string => randomBytes(3).toString('hex');
const [FIRST, SECOND] = [...VMAGENT_ADDRS].sort();

/** The app's count of failed pushes for `reason`, to vmagent-1 and to vmagent-2. */
async function failuresByTarget(m: MetricsApp, reason: string): Promise<(number | undefined)[]> {
  const samples = parseTextFormat(await m.app.get<Registry>(METRICS_REGISTRY).metrics());
  return [FIRST, SECOND].map((target) =>
    findSample(samples, 'nubium_metrics_push_failures_total', { target, reason }),
  );
}

describe('pushProtocol victoriametrics, faults (real vmagents)', () => {
  const scope = useFaultTestScope();
  beforeAll(restoreVmagentStack);
  afterEach(restoreVmagentStack);

  it('loses no count while one vmagent is stopped, nor after it is back', async () => {
    const job = `vm-ha-${id()}`;
    const m = await scope.createApp({ app: 'vm-ha', job, ...LOCAL_VMAGENT_OPTIONS });
    const consumed = `messages_consumed{job="${job}"}`;
    m.manager.incMessagesConsumed('vm.ha', 10);
    expect((await m.pusher.pushNow()).succeeded).toBe(2);
    await waitForValueInStores(consumed, 10);

    // vmagent-2 down: vmagent-1 still writes to both stores.
    await stopVmagent(1);
    m.manager.incMessagesConsumed('vm.ha', 5);
    const withoutSecond = await m.pusher.pushNow();
    expect(withoutSecond.targets.map((t) => [t.address, t.ok, t.reason])).toEqual([
      [FIRST, true, undefined],
      [SECOND, false, 'refused'],
    ]);
    await waitForValueInStores(consumed, 15);

    // vmagent-2 back, vmagent-1 down: VictoriaMetrics still gets every count; the remote-write
    // Prometheus, which only vmagent-1 writes to, keeps the last one until vmagent-1 is back.
    await startVmagent(1);
    await stopVmagent(0);
    m.manager.incMessagesConsumed('vm.ha', 7);
    const withoutFirst = await m.pusher.pushNow();
    expect(withoutFirst.targets.map((t) => [t.address, t.ok])).toEqual([
      [FIRST, false],
      [SECOND, true],
    ]);
    await waitForValueInStores(consumed, 22, ['VictoriaMetrics']);
    await waitForValueInStores(consumed, 15, ['the remote-write Prometheus']);

    await startVmagent(0);
    expect((await m.pusher.pushNow()).succeeded).toBe(2);
    await waitForValueInStores(consumed, 22);
    expect(await failuresByTarget(m, 'refused')).toEqual([1, 1]);
  });

  it('counts a push the import API refuses (4xx) as failed, logs it and reports it', async () => {
    const job = `vm-refused-${id()}`;
    const m = await scope.createApp({
      app: 'vm-refused',
      job,
      ...LOCAL_VMAGENT_OPTIONS,
      pushPath: '/no/such/import',
    });
    m.manager.incMessagesConsumed('vm.refused', 1);
    const report = await m.pusher.pushNow();
    expect(report).toMatchObject({ ok: false, succeeded: 0 });
    for (const [i, address] of [FIRST, SECOND].entries()) {
      expect(report.targets[i]).toMatchObject({
        address,
        ok: false,
        status: 400,
        reason: 'http_400',
      });
      // vmagent's own answer for a path it does not serve.
      expect(report.targets[i].error).toContain('unsupported path requested: "/no/such/import"');
      expect(m.logs.text()).toContain(`push to metrics cache pod ${address} failed: HTTP 400`);
    }
    expect(await failuresByTarget(m, 'http_400')).toEqual([1, 1]);
  });

  it('makes a final push on shutdown even with deleteOnShutdown, and says at start-up why', async () => {
    const job = `vm-shutdown-${id()}`;
    const m = await scope.createApp({
      app: 'vm-shutdown',
      job,
      ...LOCAL_VMAGENT_OPTIONS,
      deleteOnShutdown: true,
    });
    expect(m.logs.text()).toContain(
      'deleteOnShutdown has no meaning with pushProtocol "victoriametrics"',
    );
    // Counted and never pushed by hand: only the final push can carry it.
    m.manager.incMessagesProduced('vm.shutdown', 9);
    await scope.close(m);
    expect(m.logs.text()).toContain('final push on shutdown reached 2 of 2 metrics cache pod(s)');
    await waitForValueInStores(`messages_produced{job="${job}"}`, 9);
  });

  it('refuses to sweep vmagent, saying it needs no sweeper', async () => {
    let out = '';
    let err = '';
    const io = {
      out: { write: (t: string) => (out += t) },
      err: { write: (t: string) => (err += t) },
    };
    const byService = await runCli(
      [
        'sweep',
        '--service',
        VMAGENT_HEADLESS_NAME,
        '--port',
        String(VMAGENT_PORT),
        '--dns-server',
        DNS_SERVER,
        '--ttl',
        '1m',
      ],
      io,
    );
    expect(byService).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(
      /^nubium-metrics sweep: http:\/\/127\.0\.0\.4[12]:8429 is not a Pushgateway/,
    );
    expect(err).toContain('vmagent keeps no groups, so it needs no sweeper');

    err = '';
    const byTarget = await runCli(
      ['sweep', '--target', `http://${FIRST}:${VMAGENT_PORT}`, '--ttl', '1m', '--every', '1m'],
      io,
    );
    expect(byTarget).toBe(2);
    expect(err).toContain(`http://${FIRST}:${VMAGENT_PORT} is not a Pushgateway`);
  });
});
