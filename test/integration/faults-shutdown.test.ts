// Cycles that outlast the push rate, and the final push on shutdown: app.close() in process,
// and SIGTERM to a separate Node process running the library with Nest's shutdown hooks.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PushReport } from '../../lib';
import { compileLib, STACK_OPTIONS } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import { TEST_RUN_DIR } from '../support/protected-gateway';
import { findSample, pausePushgateway, readPushgateway, waitFor } from '../support/stack';
import { PUSHGATEWAY_ADDRS } from '../support/stack-config';

const JOB = 'faults-shutdown';
const APP = 'faults-shutdown-app';
const TOPIC = 'faults.shutdown';
const [POD0, POD1, POD2] = PUSHGATEWAY_ADDRS;
const ROOT = resolve(__dirname, '../..');

async function consumedOn(addr: string): Promise<number | undefined> {
  return findSample(await readPushgateway(addr), 'messages_consumed', { job: JOB, topic: TOPIC });
}

// The app a SIGTERM is sent to: counts, says "ready", and lets Nest's shutdown hooks run.
const CHILD_APP = `
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const lib = require('./lib/index.js');
const options = JSON.parse(process.argv[2]);
class ChildAppModule {}
Module({ imports: [lib.NubiumMetricsModule.forRoot(options)] })(ChildAppModule);
NestFactory.createApplicationContext(ChildAppModule, { logger: ['log', 'warn', 'error'] }).then((app) => {
  app.enableShutdownHooks();
  app.get(lib.MetricsManager).incMessagesConsumed(${JSON.stringify(TOPIC)}, 1234);
  process.stdout.write('ready\\n');
});
`;

describe('overlapping cycles and shutdown', () => {
  const scope = useFaultTestScope();
  const childDir = join(TEST_RUN_DIR, 'faults-shutdown');

  beforeAll(() => {
    compileLib(childDir);
    writeFileSync(join(childDir, 'child-app.js'), CHILD_APP);
  });

  it('never overlaps cycles that take longer than the push rate, and counts the skipped ones', async () => {
    const m = await scope.createApp({
      job: JOB,
      app: APP,
      pushRateSeconds: 0.3,
      pushTimeoutMs: 300,
    });
    await pausePushgateway(1);
    const reports: PushReport[] = [];
    const pushNow = m.pusher.pushNow.bind(m.pusher);
    m.pusher.pushNow = () => {
      const next = pushNow();
      void next.then((r) => reports.push(r));
      return next;
    };

    const skipped = await waitFor(
      async () => {
        const value = findSample(
          await readPushgateway(POD0),
          'nubium_metrics_push_cycles_skipped_total',
          { job: JOB },
        );
        return value !== undefined && value >= 2 ? value : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'two skipped cycles counted on a pod' },
    );
    await scope.close(m);

    expect(skipped).toBeGreaterThanOrEqual(2);
    const cycles = reports.filter((r) => r.kind === 'push');
    expect(cycles.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < reports.length; i++) {
      const previousEnd = reports[i - 1].startedAt.getTime() + reports[i - 1].durationMs;
      expect(reports[i].startedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(previousEnd) - 1);
    }
    for (const r of cycles)
      expect(r.targets.find((t) => t.address === POD1)?.reason).toBe('timeout');
  });

  it('makes a final push to every reachable pod on app.close(), bounded by shutdownTimeoutMs with a black-holed pod', async () => {
    const shutdownTimeoutMs = 1500;
    const m = await scope.createApp({ job: JOB, app: APP, pushTimeoutMs: 1000, shutdownTimeoutMs });
    await m.pusher.pushNow();
    await pausePushgateway(1);
    m.manager.incMessagesConsumed(TOPIC, 77);

    const started = performance.now();
    await scope.close(m);
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(shutdownTimeoutMs + 500);
    expect(await consumedOn(POD0)).toBe(77);
    expect(await consumedOn(POD2)).toBe(77);
    expect(m.logs.text()).toContain('final push on shutdown reached 2 of 3 metrics cache pod(s)');
  });

  it('deletes its group from every pod on app.close() with deleteOnShutdown', async () => {
    const m = await scope.createApp({ job: JOB, app: APP, deleteOnShutdown: true });
    m.manager.incMessagesConsumed(TOPIC, 1);
    await m.pusher.pushNow();
    for (const addr of PUSHGATEWAY_ADDRS) expect(await consumedOn(addr)).toBe(1);

    await scope.close(m);

    for (const addr of PUSHGATEWAY_ADDRS) expect(await consumedOn(addr)).toBeUndefined();
  });

  it.each([
    ['every pod up', false],
    ['one pod black-holed', true],
  ])('pushes the final values and exits on SIGTERM (%s)', async (_, paused) => {
    const shutdownTimeoutMs = 1500;
    if (paused) await pausePushgateway(1);
    const options = {
      ...STACK_OPTIONS,
      job: scope.job(JOB),
      app: APP,
      pushTimeoutMs: 1000,
      shutdownTimeoutMs,
    };
    const child = spawn(
      process.execPath,
      [join(childDir, 'child-app.js'), JSON.stringify(options)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    try {
      await waitFor(() => (output.includes('ready') ? true : undefined), {
        timeoutMs: 20_000,
        what: 'child app ready',
      });

      const started = performance.now();
      child.kill('SIGTERM');
      const exit = await exited;
      const elapsed = performance.now() - started;

      expect(exit.signal === 'SIGTERM' || exit.code === 0, output).toBe(true);
      expect(elapsed).toBeLessThan(shutdownTimeoutMs + 1500);
      for (const addr of paused ? [POD0, POD2] : PUSHGATEWAY_ADDRS)
        expect(await consumedOn(addr)).toBe(1234);
      expect(output).toContain(`final push on shutdown reached ${paused ? 2 : 3} of 3`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
