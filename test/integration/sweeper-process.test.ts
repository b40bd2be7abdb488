// The `nubium-metrics sweep` command as a process (SIGTERM during --every, usage errors), and
// type conflicts found and removed on a real Pushgateway running with the consistency check off.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleGroups } from '../../lib';
import { compileLib, createMetricsApp } from '../support/faults';
import {
  startExtraPushgateway,
  TEST_RUN_DIR,
  type ExtraPushgateway,
} from '../support/protected-gateway';
import { jobsOn } from '../support/pushgateway-groups';
import { waitFor } from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const UNCHECKED_ADDR = '127.0.0.31';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('nubium-metrics sweep, the process', () => {
  const dir = join(TEST_RUN_DIR, 'sweeper-cli');
  const bin = join(dir, 'lib/cli/main.js');

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    compileLib(dir);
  });

  function start(...args: string[]): {
    done: Promise<Run>;
    stdout: () => string;
    kill: (s: NodeJS.Signals) => void;
  } {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<Run>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout, stderr })),
    );
    return { done, stdout: () => stdout, kill: (s) => child.kill(s) };
  }

  it('with --every, keeps sweeping until SIGTERM, then exits 0 within a few seconds', async () => {
    const sweeper = start(
      'sweep',
      '--target',
      `http://${PUSHGATEWAY_ADDRS[0]}:9091`,
      '--ttl',
      '1h',
      '--every',
      '1s',
    );
    await waitFor(
      () =>
        sweeper
          .stdout()
          .split('\n')
          .filter((l) => l.includes(' sweep, ttl 3600s')).length >= 2
          ? true
          : undefined,
      {
        timeoutMs: 10_000,
        what: 'two passes',
      },
    );
    const signalled = Date.now();
    sweeper.kill('SIGTERM');
    const run = await sweeper.done;
    expect(run.code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(run.stdout).toMatch(/stopped\n$/);
  });

  it('exits 2 with the reason on standard error for a bad TTL', async () => {
    const run = await start(
      'sweep',
      '--target',
      `http://${PUSHGATEWAY_ADDRS[0]}:9091`,
      '--ttl',
      '10 minutes',
    ).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--ttl must be a duration like 90s, 15m or 1h');
    expect(run.stdout).toBe('');
  });
});

describe('type conflicts on a Pushgateway with the consistency check off', () => {
  let gateway: ExtraPushgateway | undefined;
  const base = `http://${UNCHECKED_ADDR}:9091`;

  beforeAll(async () => {
    gateway = await startExtraPushgateway(UNCHECKED_ADDR, 9091, undefined, [
      '--push.disable-consistency-check',
    ]);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('are reported, and with deleteConflicts the odd group is deleted so scrapes work again', async () => {
    for (const job of ['orders-1', 'orders-2']) {
      const pod = await createMetricsApp({
        job,
        app: 'orders',
        serviceName: UNCHECKED_ADDR,
        dnsServers: undefined,
      });
      pod.manager.incMessagesConsumed('orders', 3);
      expect((await pod.pusher.pushNow()).succeeded).toBe(1);
      await pod.app.close();
    }
    // Another pusher's messages_consumed as a counter: accepted without the check...
    const odd = await fetch(`${base}/metrics/job/legacy-exporter`, {
      method: 'PUT',
      body: '# TYPE messages_consumed counter\nmessages_consumed{topic="orders"} 1\n',
    });
    // (202: without the check, the Pushgateway stores the push asynchronously)
    expect(odd.status).toBe(202);
    // ...and from then on every scrape of this Pushgateway fails.
    await waitFor(
      async () => ((await fetch(`${base}/metrics`)).status === 500 ? true : undefined),
      {
        what: 'the scrape to fail',
      },
    );

    const reported = await sweepStaleGroups({ targets: [base], ttlSeconds: 3600 });
    expect(reported.targets[0].conflicts).toEqual({ messages_consumed: ['gauge', 'counter'] });
    const flagged = reported.targets[0].groups.filter((g) => g.action === 'conflict');
    expect(flagged.map((g) => g.labels)).toEqual([{ job: 'legacy-exporter' }]);
    expect(await jobsOn(base)).toEqual(['legacy-exporter', 'orders-1', 'orders-2']);

    const cleaned = await sweepStaleGroups({
      targets: [base],
      ttlSeconds: 3600,
      deleteConflicts: true,
    });
    expect(cleaned.deleted).toBe(1);
    expect(await jobsOn(base)).toEqual(['orders-1', 'orders-2']);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});
