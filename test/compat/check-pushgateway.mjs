// Usage: node check-pushgateway.mjs <gateway host:port> <job> <topic> <expected count> [<topic> <expected count>]...
// Reads the gateway's /metrics text back and checks compat_messages_consumed of the job and each
// topic; then deletes the job's group so repeated runs leave nothing behind.
const [gateway, job, ...pairs] = process.argv.slice(2);
const base = `http://${gateway}`;
const body = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
await fetch(`${base}/metrics/job/${encodeURIComponent(job)}`, {
  method: 'DELETE',
  signal: AbortSignal.timeout(5000),
});
for (let i = 0; i < pairs.length; i += 2) {
  const [topic, expected] = [pairs[i], pairs[i + 1]];
  const line = body
    .split('\n')
    .find(
      (l) =>
        l.startsWith('compat_messages_consumed{') &&
        l.includes(`job="${job}"`) &&
        l.includes(`topic="${topic}"`),
    );
  const value = line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  if (value !== Number(expected)) {
    console.error(
      `compat: ${gateway} has ${line ?? 'no compat_messages_consumed sample'} for job ${job} and topic ${topic}, expected ${expected}`,
    );
    process.exit(1);
  }
  console.log(`compat: ${gateway} holds ${line}`);
}
