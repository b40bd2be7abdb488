// The demo: runs the three setups of the sample app against the local stack, sends them
// traffic, and prints what Prometheus read back from the metrics cache next to what was
// sent. Started by scripts/demo.sh, which brings the stack up and passes its addresses.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createKafka } from '../settings';
import { TOPICS } from '../topics';
import { startApp, stopApps, type AppProcess } from './processes';
import { pollUntil, query } from './prometheus';
import { allMatch, APPS, demoSelector, expectedRows, fillRows, formatTable } from './table';
import { sendTraffic } from './traffic';

const args = process.argv.slice(2);
const short = args.includes('--short');
const keep = args.includes('--keep');
const secondsFlag = args.indexOf('--seconds');
const seconds = secondsFlag >= 0 ? Number(args[secondsFlag + 1]) : short ? 3 : 20;

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the demo with: npm run demo)`);
  return value;
};
const PROMETHEUS_URL = env('DEMO_PROMETHEUS_URL');
const PUSHGATEWAYS = env('DEMO_PUSHGATEWAYS').split(',');
const RUN_DIR = process.env.NUBIUM_RUN_DIR ?? resolve(__dirname, '../../../.run');
const runId = randomBytes(3).toString('hex');

const say = (message: string): void => console.log(`demo: ${message}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Each run starts from empty topics, so consumers reading from the beginning see only its traffic. */
async function recreateTopics(): Promise<void> {
  const names = Object.values(TOPICS);
  const admin = createKafka('demo-admin').admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) =>
      names.includes(t as (typeof names)[number]),
    );
    if (existing.length > 0) {
      await admin.deleteTopics({ topics: existing, timeout: 15_000 });
      const gone = await pollUntil(
        async () => !(await admin.listTopics()).some((t) => existing.includes(t)),
        30_000,
      );
      if (!gone) throw new Error(`topics ${existing.join(', ')} were not deleted within 30 s`);
    }
    const created = await pollUntil(async () => {
      await admin.createTopics({
        topics: names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
        waitForLeaders: true,
      });
      return true;
    }, 30_000);
    if (!created) throw new Error(`could not create topics ${names.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until Prometheus has scraped a push of every app made after `since` (the final push). */
async function finalPushScraped(since: number, timeoutMs: number): Promise<boolean> {
  const jobs = Object.values(APPS).map((app) => `${app}-${runId}`);
  return pollUntil(async () => {
    const pushes = await query(
      PROMETHEUS_URL,
      `push_time_seconds{job=~"${jobs.join('|')}"} >= ${since / 1000}`,
    );
    return new Set(pushes.map((p) => p.labels.job)).size === jobs.length;
  }, timeoutMs);
}

async function readTable(expected: ReturnType<typeof expectedRows>) {
  return fillRows(expected, await query(PROMETHEUS_URL, demoSelector(runId)));
}

/** Removes this run's groups from the cache pods, so a shared stack does not keep them. */
async function deleteGroups(): Promise<void> {
  await Promise.all(
    PUSHGATEWAYS.flatMap((addr) =>
      Object.values(APPS).map((app) =>
        fetch(`http://${addr}/metrics/job/${app}-${runId}`, {
          method: 'DELETE',
          signal: AbortSignal.timeout(5_000),
        }).catch(() => undefined),
      ),
    ),
  );
}

async function main(): Promise<number> {
  const logDir = resolve(RUN_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });

  say(`run ${runId}: recreating topics ${Object.values(TOPICS).join(', ')}`);
  await recreateTopics();

  const httpPort = await freePort();
  const common = {
    KAFKA_BROKERS: env('KAFKA_BROKERS'),
    KAFKA_GROUP_SUFFIX: `-${runId}`,
    METRICS_SERVICE_NAME: env('METRICS_SERVICE_NAME'),
    METRICS_DNS_SERVERS: env('METRICS_DNS_SERVERS'),
    METRICS_POD_PORT: env('METRICS_POD_PORT'),
    METRICS_PUSH_RATE: '1',
    HTTP_PORT: String(httpPort),
    HTTP_HOST: '127.0.0.1',
  };
  const setups = Object.entries(APPS) as Array<[keyof typeof APPS, string]>;
  say(
    `starting the three setups (APP_NAME ${setups.map(([, app]) => app).join(', ')}; pushing every 1 s)`,
  );
  const apps: AppProcess[] = [];
  const interrupted = new AbortController();
  const stopAll = async (): Promise<void> => {
    await stopApps(apps.splice(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping the apps`);
      interrupted.abort();
      void stopAll().finally(() => process.exit(130));
    });
  }
  try {
    apps.push(
      ...(await Promise.all(
        setups.map(([setup, app]) =>
          startApp(
            setup,
            { ...common, APP_NAME: app, HOSTNAME: `${app}-${runId}` },
            resolve(logDir, `demo-${setup}.log`),
          ),
        ),
      )),
    );
    say(`apps ready; logs in ${logDir}/demo-{loop,http,microservice}.log`);

    say(
      `sending traffic for ${seconds} s: 30 orders/s to ${TOPICS.orders}, 10 forms/s to POST /forms`,
    );
    const sent = await sendTraffic({
      seconds,
      ordersPerSecond: 30,
      formsPerSecond: 10,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      signal: interrupted.signal,
      onProgress: (s, t) =>
        say(
          `  ${t} s: ${s.orders} orders (${s.ordersWithoutEmail} without email), ${s.goodForms + s.badForms} forms (${s.badForms} bad)`,
        ),
    });
    if (interrupted.signal.aborted) return 130;
    if (sent.unexpectedResponses > 0)
      say(`${sent.unexpectedResponses} form request(s) got an unexpected answer`);
    const expected = expectedRows(sent);

    say('waiting until Prometheus reads every count back from the metrics cache');
    const converged = await pollUntil(async () => allMatch(await readTable(expected)), 60_000);
    if (!converged) say('the counts did not converge within 60 s; stopping the apps anyway');

    const stoppedAt = Date.now();
    say('stopping the apps (each makes a final push)');
    await stopAll();
    say('waiting until Prometheus has scraped the final pushes');
    if (!(await finalPushScraped(stoppedAt, 30_000)))
      say('the final pushes did not show in Prometheus within 30 s');

    const rows = await readTable(expected);
    const ok = allMatch(rows) && sent.unexpectedResponses === 0;
    console.log(`\nRead back from Prometheus (${PROMETHEUS_URL}), job=~"sample-.*-${runId}":\n`);
    console.log(formatTable(rows));
    console.log('');
    say(
      ok
        ? 'every count matches what was sent'
        : 'MISMATCH between what was sent and what Prometheus read',
    );
    return ok ? 0 : 1;
  } finally {
    await stopAll();
    if (!keep) await deleteGroups();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
