// Usage: node check-pushgateway.mjs --gateway <host:port> --job <job> --app <app>
//          [--consumed <topic>=<count>]... [--push-rate <seconds>]
//          [--kafka <topic>=<messages> --since <epoch ms>]
//        node check-pushgateway.mjs --gateway <host:port> --app <app> --absent
// Reads the gateway's /metrics text back. With --absent, checks that no sample of any job is
// labelled app=<app>. Otherwise checks the job's samples, each labelled app=<app>:
//   --consumed    compat_messages_consumed{topic} is <count>;
//   --push-rate   nubium_metrics_push_interval_seconds is <seconds> (the parsed push rate);
//   --kafka       a Nest Kafka handler consumed all <messages> of its one-partition <topic>:
//                 kafka_consumer_offset_lag{topic, partition="0"} is 0, seconds_behind is above 0
//                 and at most the seconds since <epoch ms> (taken before the messages were
//                 produced), message_processing_seconds_count{topic} and its le="+Inf" bucket are
//                 <messages>, its buckets never decrease and its _sum is above 0.
// Prints each sample it checked, every failure, and exits 1 on any. run.sh deletes the job's group.
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    gateway: { type: 'string' },
    job: { type: 'string' },
    app: { type: 'string' },
    consumed: { type: 'string', multiple: true, default: [] },
    'push-rate': { type: 'string' },
    kafka: { type: 'string', multiple: true, default: [] },
    since: { type: 'string' },
    absent: { type: 'boolean', default: false },
  },
});
const { gateway, job, app } = args;
if (!gateway || !app || !(job || args.absent))
  throw new Error('--gateway, --app and --job (or --absent) are required');
if (args.kafka.length > 0 && !args.since) throw new Error('--kafka needs --since');
const base = `http://${gateway}`;
const body = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
const checkedAt = Date.now();

/** The gateway's samples: name, labels, value and the line as served. */
const everyJob = body
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labels = {};
    const pairs = open === -1 ? '' : line.slice(open + 1, close);
    for (const [, name, value] of pairs.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[name] = value;
    return {
      name: open === -1 ? line.slice(0, line.indexOf(' ')) : line.slice(0, open),
      labels,
      value: Number(line.slice(line.lastIndexOf(' ') + 1)),
      line,
    };
  });

if (args.absent) {
  const pushed = everyJob.filter((sample) => sample.labels.app === app);
  if (pushed.length > 0) {
    console.error(
      `compat: ${gateway} holds ${pushed.length} samples of app ${app}, which must push nothing, e.g. ${pushed[0].line}`,
    );
    process.exit(1);
  }
  console.log(`compat: ${gateway} holds no sample of app ${app}`);
  process.exit(0);
}

/** This job's samples. */
const samples = everyJob.filter((sample) => sample.labels.job === job);

const failures = [];

/** The job's samples of `name` whose labels include `labels` (app included). */
function find(name, labels = {}) {
  const wanted = { app, ...labels };
  return samples.filter(
    (s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v),
  );
}

/** Checks the one sample of `name` with `labels`: `test(value)` must hold, `expected` says what. */
function check(name, labels, expected, test) {
  const [sample, ...more] = find(name, labels);
  const what = `${name}${JSON.stringify(labels)} of job ${job}`;
  if (sample === undefined) failures.push(`${gateway} has no ${what}, expected ${expected}`);
  else if (more.length > 0) failures.push(`${gateway} has ${more.length + 1} samples of ${what}`);
  else if (!test(sample.value))
    failures.push(`${gateway} has ${sample.line} for ${what}, expected ${expected}`);
  else console.log(`compat: ${gateway} holds ${sample.line}`);
  return sample;
}

/** `topic=count` → [topic, count]; the topic may hold '=' too. */
function pair(text) {
  const at = text.lastIndexOf('=');
  return [text.slice(0, at), Number(text.slice(at + 1))];
}

for (const [topic, count] of args.consumed.map(pair))
  check('compat_messages_consumed', { topic }, count, (v) => v === count);

if (args['push-rate'] !== undefined) {
  const rate = Number(args['push-rate']);
  check('nubium_metrics_push_interval_seconds', {}, rate, (v) => v === rate);
}

for (const [topic, messages] of args.kafka.map(pair)) {
  check('kafka_consumer_offset_lag', { topic, partition: '0' }, '0 (all consumed)', (v) => v === 0);
  const bound = (checkedAt - Number(args.since)) / 1000;
  check('seconds_behind', {}, `above 0 and at most ${bound} s`, (v) => v > 0 && v <= bound);
  const metric = 'message_processing_seconds';
  check(`${metric}_count`, { topic }, `${messages} (one per message)`, (v) => v === messages);
  check(`${metric}_bucket`, { topic, le: '+Inf' }, messages, (v) => v === messages);
  check(`${metric}_sum`, { topic }, 'above 0', (v) => v > 0 && Number.isFinite(v));
  const buckets = find(`${metric}_bucket`, { topic });
  const ordered = buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1].value);
  if (buckets.length < 2 || !ordered)
    failures.push(
      `${gateway} has ${buckets.length} ${metric}_bucket samples of ${topic} for job ${job}, expected several, never decreasing: ${buckets.map((b) => b.line).join('; ')}`,
    );
  else
    console.log(`compat: ${gateway} holds ${buckets.length} ${metric}_bucket samples of ${topic}`);
}

for (const failure of failures) console.error(`compat: ${failure}`);
if (failures.length > 0) process.exit(1);
