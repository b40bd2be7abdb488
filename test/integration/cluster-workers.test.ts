// Several processes in one pod: a node:cluster primary forks two workers sharing one HOSTNAME,
// each counting a different amount. Each worker pushes its own group (worker=<id>), so both
// totals reach every real Pushgateway and Prometheus exactly, instead of overwriting each other.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileLib } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import { TEST_RUN_DIR } from '../support/protected-gateway';
import { groupsOn } from '../support/pushgateway-groups';
import { findSample, queryPrometheus, readPushgateway, waitFor } from '../support/stack';
import {
  LOCAL_CACHE_OPTIONS,
  LOCAL_VMAGENT_OPTIONS,
  PUSHGATEWAY_ADDRS,
} from '../support/stack-config';
import { restoreVmagentStack, waitForValueInStores } from '../support/vmagent-stack';

const TOPIC = 'cluster.orders';

// Primary: forks two workers and relays what they say. Worker: boots the module, counts
// `counts[id]` messages, pushes once, reports what it counted, then waits to be told to stop.
const CLUSTER_APP = `
require('reflect-metadata');
const cluster = require('node:cluster');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const lib = require('./lib/index.js');
const { options, counts } = JSON.parse(process.env.CLUSTER_TEST);
if (cluster.isPrimary) {
  for (let i = 0; i < 2; i++) cluster.fork().on('message', (m) => process.stdout.write(JSON.stringify(m) + '\\n'));
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.send('stop'); });
} else {
  class WorkerAppModule {}
  Module({ imports: [lib.NubiumMetricsModule.forRoot(options)] })(WorkerAppModule);
  NestFactory.createApplicationContext(WorkerAppModule, { logger: false }).then(async (app) => {
    const counted = counts[cluster.worker.id];
    app.get(lib.MetricsManager).incMessagesConsumed(${JSON.stringify(TOPIC)}, counted);
    const report = await app.get(lib.MetricsPusher).pushNow();
    process.send({ worker: cluster.worker.id, counted, succeeded: report.succeeded });
    process.on('message', async () => { await app.close(); process.exit(0); });
  });
}
`;

interface WorkerSaid {
  worker: number;
  counted: number;
  succeeded: number;
}

describe('node:cluster workers sharing one HOSTNAME', () => {
  const scope = useFaultTestScope();
  const dir = join(TEST_RUN_DIR, 'cluster-workers');
  const hostname = `cluster-pod-${randomBytes(3).toString('hex')}`;

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    compileLib(dir);
    writeFileSync(join(dir, 'cluster-app.js'), CLUSTER_APP);
  });

  /** Runs the primary and its two workers, which count 17 and 29; resolves with what each said. */
  async function runCluster(job: string, options: Record<string, unknown>): Promise<WorkerSaid[]> {
    const child = spawn(process.execPath, [join(dir, 'cluster-app.js')], {
      cwd: dir,
      env: {
        ...process.env,
        HOSTNAME: job,
        // The app is compiled under the run dir, which may be outside the repository.
        NODE_PATH: resolve(__dirname, '../../node_modules'),
        CLUSTER_TEST: JSON.stringify({ options, counts: { 1: 17, 2: 29 } }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const said: WorkerSaid[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean))
        said.push(JSON.parse(line) as WorkerSaid);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    try {
      await waitFor(() => (said.length === 2 ? true : undefined), {
        timeoutMs: 30_000,
        what: `both workers to push (stderr: ${stderr})`,
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    return said;
  }

  it('push one group per worker, so both totals are exact on every Pushgateway and in Prometheus', async () => {
    // Each worker's group, and the bare job's should a worker push without its label.
    for (const worker of ['1', '2']) scope.job(hostname, { worker });
    scope.job(hostname);
    const said = await runCluster(hostname, {
      app: 'cluster-test',
      ...LOCAL_CACHE_OPTIONS,
      pushTimeoutMs: 2000,
      deleteOnShutdown: false,
    });
    const handled = new Map(said.map((s) => [String(s.worker), s.counted]));
    expect(said.map((s) => s.succeeded)).toEqual([3, 3]);
    for (const addr of PUSHGATEWAY_ADDRS) {
      const groups = (await groupsOn(addr)).filter((g) => g.labels.job === hostname);
      expect(groups.map((g) => g.labels).sort((a, b) => a.worker.localeCompare(b.worker))).toEqual([
        { job: hostname, worker: '1' },
        { job: hostname, worker: '2' },
      ]);
      const samples = await readPushgateway(addr);
      for (const [worker, counted] of handled) {
        expect(
          findSample(samples, 'messages_consumed', { job: hostname, worker, topic: TOPIC }),
        ).toBe(counted);
      }
    }
    const total = [...handled.values()].reduce((a, b) => a + b);
    // The dashboards' form: de-duplicate the cache pods' copies, then sum.
    await waitFor(
      async () => {
        const [r] = await queryPrometheus(
          `sum(max without (instance) (messages_consumed{job="${hostname}", topic="${TOPIC}"}))`,
        );
        return r?.value === total ? r.value : undefined;
      },
      { timeoutMs: 15_000, what: `Prometheus to show ${total} consumed for ${hostname}` },
    );
  });

  it('push to vmagent with worker=<id> on every series, so both totals are exact in both stores', async () => {
    await restoreVmagentStack();
    const job = `${hostname}-vm`;
    const said = await runCluster(job, {
      app: 'cluster-test-vm',
      ...LOCAL_VMAGENT_OPTIONS,
      pushTimeoutMs: 2000,
    });
    expect(said.map((s) => s.succeeded)).toEqual([2, 2]);
    for (const { worker, counted } of said) {
      const series = `messages_consumed{job="${job}",worker="${worker}",topic="${TOPIC}"}`;
      await waitForValueInStores(series, counted);
    }
    const total = said.reduce((sum, s) => sum + s.counted, 0);
    await waitForValueInStores(`sum(messages_consumed{job="${job}",topic="${TOPIC}"})`, total);
  });
});
