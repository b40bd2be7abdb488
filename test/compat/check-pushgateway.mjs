// Usage: node check-pushgateway.mjs <gateway host:port> <job> <topic> <expected count>
// Reads the gateway's /metrics text back and checks compat_messages_consumed of the job and topic;
// then deletes the job's group so repeated runs leave nothing behind.
const [gateway, job, topic, expected] = process.argv.slice(2);
const base = `http://${gateway}`;
const body = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
const line = body
  .split('\n')
  .find(
    (l) =>
      l.startsWith('compat_messages_consumed{') &&
      l.includes(`job="${job}"`) &&
      l.includes(`topic="${topic}"`),
  );
const value = line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
await fetch(`${base}/metrics/job/${encodeURIComponent(job)}`, {
  method: 'DELETE',
  signal: AbortSignal.timeout(5000),
});
if (value !== Number(expected)) {
  console.error(
    `compat: ${gateway} has ${line ?? 'no compat_messages_consumed sample'} for job ${job}, expected ${expected}`,
  );
  process.exit(1);
}
console.log(`compat: ${gateway} holds ${line}`);
