import type { SweepReport } from '../interfaces/sweep-report.interface';

/** User-facing text of the `nubium-metrics` command, in one place. */

export const usage = (): string => `Usage: nubium-metrics sweep [options]

Deletes the groups of dead pods from Pushgateways: every group whose last push is older than
--ttl. By default only groups pushed by nubium-metrics (they carry its nubium_metrics_* metrics).
Not for vmagent (pushProtocol victoriametrics): it keeps no groups, a stopped pod's series end
by themselves, and the sweeper refuses to run against it.

Where:
  --target URL            a Pushgateway, e.g. http://127.0.0.1:9091 (repeatable)
  --service NAME          or every address of a headless Service name
  --port N                port of the Pushgateways found through --service (default 9091)
  --scheme http|https     scheme of the Pushgateways found through --service (default http)
  --dns-server IP[:PORT]  DNS server to resolve --service with (repeatable; default: the system's)
What:
  --ttl DURATION          required: a group pushed longer ago than this is stale (90s, 15m, 1h)
  --all                   every group, not only those pushed by nubium-metrics
  --delete-conflicts      also delete groups whose metric types conflict with the rest
                          (with --push.disable-consistency-check they break every scrape)
  --dry-run               report what would be deleted, delete nothing
How:
  --every DURATION        repeat every DURATION until SIGTERM or SIGINT
  --timeout DURATION      bound of each request (default 5s)
  --json                  one JSON report per pass, on one line
  --username U --password-file F | --bearer-token-file F     for protected Pushgateways
  --ca F --cert F --key F --server-name NAME --insecure      TLS (PEM files)

Exit status: 0 done, 1 a target could not be listed or a delete failed, 2 bad usage.
`;

export const unknownCommand = (command: string): string =>
  `nubium-metrics: unknown command ${JSON.stringify(command)}; try: nubium-metrics sweep --help\n`;

export const usageError = (why: string): string =>
  `nubium-metrics sweep: ${why}\nTry: nubium-metrics sweep --help\n`;

export const missingTtl = (): string => '--ttl is required (e.g. --ttl 15m)';

export const badDuration = (flag: string, text: string, min: number): string =>
  `${flag} must be a duration like 90s, 15m or 1h, of at least ${min >= 1 ? `${min} s` : `${min * 1000} ms`}; got ${JSON.stringify(text)}`;

export const badPort = (text: string): string =>
  `--port must be 1..65535, got ${JSON.stringify(text)}`;

export const portWithoutService = (): string =>
  '--port goes with --service; give a --target URL its port itself';

export const badScheme = (text: string): string =>
  `--scheme must be http or https, got ${JSON.stringify(text)}`;

export const twoAuths = (): string => 'give --username or --bearer-token-file, not both';

export const passwordWithoutUser = (): string => '--password-file needs --username';

export const unreadable = (flag: string, file: string, why: string): string =>
  `${flag} ${file}: ${why}`;

export const stopped = (): string => 'nubium-metrics sweep: stopped\n';

export const passFailed = (error: unknown): string =>
  `nubium-metrics sweep: the pass failed, trying again at the next one: ${error instanceof Error ? error.message : String(error)}\n`;

export const crashed = (error: unknown): string =>
  `nubium-metrics: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;

/** One pass, for people: a summary line, then one line per deletion, failure or conflict. */
export function passSummary(report: SweepReport): string {
  const lines = [
    `${report.startedAt.toISOString()} sweep${report.dryRun ? ' (dry run)' : ''}, ttl ${report.ttlSeconds}s: ` +
      `${report.targets.length} target(s), ${report.deleted} deleted, ${wouldDelete(report)}${report.kept} kept, ` +
      `${report.failed} failed, ${report.conflicting} in conflict, ${report.durationMs.toFixed(0)} ms`,
  ];
  if (report.error) lines.push(`  cannot find the targets: ${report.error}`);
  for (const target of report.targets) {
    if (!target.ok) {
      lines.push(`  ${target.target}: unreachable: ${target.error ?? 'unknown'}`);
      continue;
    }
    for (const [name, types] of Object.entries(target.conflicts)) {
      lines.push(`  ${target.target}: metric ${name} is pushed as ${types.join(' and ')}`);
    }
    for (const group of target.groups) {
      if (group.action === 'kept' || group.action === 'foreign') continue;
      const age =
        group.ageSeconds === undefined ? '' : `, last push ${group.ageSeconds.toFixed(0)}s ago`;
      lines.push(
        `  ${target.target}: ${group.action} ${groupName(group.labels)} (${group.reason}${age})`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function wouldDelete(report: SweepReport): string {
  if (!report.dryRun) return '';
  const n = report.targets.reduce(
    (sum, t) => sum + t.groups.filter((g) => g.action === 'would-delete').length,
    0,
  );
  return `${n} would be deleted, `;
}

function groupName(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}
