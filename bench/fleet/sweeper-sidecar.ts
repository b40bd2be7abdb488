// The sweeper as a sidecar of the cache runs it: a process of its own next to the Pushgateways
// (started by bench/fleet/sidecar.ts, pinned with the servers), sweeping each cache pod
// separately every interval. One line per pass and cache pod on stdout, for the bench to read.
import { sweepStaleGroups } from '../../lib/sweeper/sweep';
import type { SweepReport } from '../../lib/interfaces/sweep-report.interface';
import { SWEEP_LINE_PREFIX, type SidecarArgs, type SweepLine } from './sidecar-protocol';

async function passOver(target: string, ttlSeconds: number, signal: AbortSignal): Promise<void> {
  let line: SweepLine;
  try {
    const report = await sweepStaleGroups({ targets: [target], ttlSeconds, signal });
    line = {
      target,
      endMs: Date.now(),
      durationMs: report.durationMs,
      kept: report.kept,
      deleted: report.deleted,
      failed: report.failed,
      ...errorOf(report),
    };
  } catch (e) {
    const error = (e as Error).message;
    line = { target, endMs: Date.now(), durationMs: 0, kept: 0, deleted: 0, failed: 1, error };
  }
  process.stdout.write(`${SWEEP_LINE_PREFIX}${JSON.stringify(line)}\n`);
}

function errorOf(report: SweepReport): { error?: string } {
  const error = report.error ?? report.targets.find((t) => !t.ok)?.error;
  return error === undefined ? {} : { error };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SidecarArgs;
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  const endMs = Date.now() + args.limitMs;
  const passes = Math.ceil(args.limitMs / args.intervalMs) + 1;
  for (let i = 0; i < passes && !stop.signal.aborted && Date.now() < endMs; i++) {
    const started = Date.now();
    await Promise.all(args.targets.map((t) => passOver(t, args.ttlSeconds, stop.signal)));
    const wait = started + args.intervalMs - Date.now();
    if (wait > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
