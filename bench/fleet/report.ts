import type { CachePodFigures, ScenarioResult } from './results';
import { cpuMsPerPush, fmt, markdownRows, rssKbPerAppPod, sum } from './row-figures';
import { leastSquares, mean, type LinearFit } from '../support/stats';

/** Share of failed pushes past which a scenario counts as saturated (left out of the fit). */
const SATURATED_FAILED_SHARE = 0.01;

/** The fit of Pushgateway CPU per push against groups held, and what it was made from. */
export interface CpuFit {
  /** `cpu_ms_per_push ≈ a + b × groups`, per accepted push, over the check-on sizes that kept up. */
  readonly checkOn: LinearFit | null;
  /** The same per push the Pushgateway handled (its own count), over every check-on size. */
  readonly checkOnHandled: LinearFit | null;
  /** Scenarios left out of `checkOn` because more than 1% of their pushes failed. */
  readonly saturated: readonly string[];
  /** Mean series per group, to read b per series. */
  readonly seriesPerGroup: number | null;
  /** Mean CPU ms per accepted push with the check off. */
  readonly checkOffMeanMs: number | null;
}

/** Pushes that failed, as a share of all pushes the app pods made in the window. */
function failedShare(s: ScenarioResult): number {
  const failed = sum(s.cache.map((c) => c.failed));
  const all = failed + sum(s.cache.map((c) => c.accepted));
  return all === 0 ? 1 : failed / all;
}

function points(
  scenarios: readonly ScenarioResult[],
  y: 'cpuMsPerPush' | 'cpuMsPerHandledPush',
): { x: number; y: number }[] {
  return scenarios.flatMap((s) =>
    s.cache.flatMap((c) => {
      const value = c[y];
      return c.groups === null || value === null ? [] : [{ x: c.groups, y: value }];
    }),
  );
}

/**
 * Fits CPU per push against groups held, one point per cache pod of each check-on size. Per
 * accepted push only where the cache kept up: past that, it also spends CPU on pushes the apps
 * gave up on, which the count of handled pushes includes.
 */
export function fitCpu(scenarios: readonly ScenarioResult[]): CpuFit {
  const steady = scenarios.filter((s) => s.kind === 'steady' && !s.error);
  const on = steady.filter((s) => s.consistencyCheck);
  const saturated = on.filter((s) => failedShare(s) > SATURATED_FAILED_SHARE);
  const off = steady
    .filter((s) => !s.consistencyCheck)
    .flatMap((s) => s.cache)
    .flatMap((c) => (c.cpuMsPerPush === null ? [] : [c.cpuMsPerPush]));
  const held = steady.flatMap((s) => s.cache).filter((c) => c.groups && c.series !== null);
  return {
    checkOn: leastSquares(
      points(
        on.filter((s) => !saturated.includes(s)),
        'cpuMsPerPush',
      ),
    ),
    checkOnHandled: leastSquares(points(on, 'cpuMsPerHandledPush')),
    saturated: saturated.map((s) => s.name),
    seriesPerGroup:
      held.length > 0 ? mean(held.map((c) => (c.series ?? 0) / (c.groups ?? 1))) : null,
    checkOffMeanMs: off.length > 0 ? mean(off) : null,
  };
}

function fitLine(fit: LinearFit): string {
  return (
    `a = ${(fit.a * 1000).toFixed(0)} µs, b = ${(fit.b * 1000).toFixed(2)} µs/group ` +
    `(r² ${fit.r2.toFixed(3)}, ${fit.points} points: one per cache pod and size)`
  );
}

/** The fit in a few readable lines. */
export function fitText(fit: CpuFit): string {
  const perGroup =
    fit.seriesPerGroup === null ? '' : ` (a group holds ${fit.seriesPerGroup.toFixed(1)} series)`;
  const lines = [`Pushgateway CPU per push, check on: cpu_ms_per_push ≈ a + b × groups${perGroup}`];
  lines.push(
    fit.checkOn
      ? `- per accepted push, sizes the cache kept up with: ${fitLine(fit.checkOn)}`
      : '- per accepted push, sizes the cache kept up with: too few sizes for a fit',
  );
  if (fit.saturated.length > 0)
    lines.push(
      `  left out, more than ${SATURATED_FAILED_SHARE * 100}% of pushes failed: ${fit.saturated.join('; ')}`,
    );
  if (fit.checkOnHandled)
    lines.push(
      `- per push the Pushgateway handled (its own count, through Prometheus; every size): ${fitLine(fit.checkOnHandled)}`,
    );
  lines.push(
    fit.checkOffMeanMs === null
      ? 'Check off: no figure.'
      : `Check off: ${fit.checkOffMeanMs.toFixed(3)} ms CPU per accepted push (mean over every cache pod and size).`,
  );
  return lines.join('\n');
}

const HEAD = [
  'N',
  'cache',
  'check',
  'churn',
  'pushes/s into each pod',
  'cache CPU cores (mean per pod)',
  'cache CPU ms/push',
  'cache RSS MB (mean per pod)',
  'cache RSS KB per app pod',
  'groups',
  'series',
  'app-seen p50 ms',
  'app-seen p99 ms',
  'failed pushes',
  'scrape s (max)',
  'app CPU cores',
  'app CPU ms/cycle',
];

/** One row per scenario, the three cache pods summed up: means, or the worst pod where marked. */
export function markdownTable(scenarios: readonly ScenarioResult[]): string {
  const rows = scenarios.map((s) => {
    const c = s.cache;
    const churn = s.kind === 'churn' ? (s.sweeper ? 'sweeper' : 'no sweeper') : '';
    const cache = s.kind === 'vmagent' ? '2 vmagents' : '3 Pushgateways';
    if (s.error || c.length === 0)
      return [String(s.pods), cache, onOff(s), churn, `did not run: ${oneLine(s.error ?? '?')}`];
    return [
      String(s.pods),
      cache,
      onOff(s),
      churn,
      fmt(mean(c.map((p) => p.acceptedPerSecond))),
      fmt(mean(c.map((p) => p.cpuCores))),
      fmt(cpuMsPerPush(s)),
      fmt(mean(c.map((p) => p.rssMb))),
      fmt(rssKbPerAppPod(s)),
      s.kind === 'vmagent' ? '' : spread(c.map((p) => p.groups)),
      s.kind === 'vmagent' ? '' : spread(c.map((p) => p.series)),
      fmt(worst(c, 'p50Ms')),
      fmt(worst(c, 'p99Ms')),
      failedText(c),
      fmt(worst(c, 'scrapeMaxSeconds')),
      fmt(s.app?.cpuCores ?? NaN),
      fmt(s.app?.cpuMsPerCycle ?? NaN),
    ];
  });
  return markdownRows(HEAD, rows);
}

/** Notes under the table: what the columns mean, churn and sweeper figures. */
export function tableNotes(scenarios: readonly ScenarioResult[]): string {
  const lines = [
    "- cache: three Pushgateways, or two vmagents (the vmagent rows; no consistency check there); pushes/s: pushes each cache pod accepted, as the app pods saw them; cache CPU ms/push: the cache pods' CPU over the window / the pushes they accepted; RSS per app pod: the cache pods' resident memory summed / N; p50/p99: app-seen time of one push request (failed ones included), the worse of the three pods; groups/series: min–max over the three pods after the window; scrape s: longest Prometheus scrape of any pod; app CPU: this process (every app pod) in cores, and per push cycle (one body, a request to each cache pod); near 1 core, app-seen times include its own event-loop delay. Pushgateway CPU includes its share of Prometheus's scrapes.",
  ];
  const bodies = scenarios.flatMap((s) => (s.app?.bytesPerPush ? [s.app.bytesPerPush] : []));
  if (bodies.length > 0)
    lines.push(
      `- push body of one app pod: ${fmt(Math.min(...bodies))}–${fmt(Math.max(...bodies))} bytes (five topics consumed and produced, two exception types, the pusher's own metrics).`,
    );
  for (const s of scenarios.filter((x) => x.kind === 'churn' && !x.error)) {
    const sweeps = s.sweeps
      ? `; sweeper: ${s.sweeps.passes} passes, ${s.sweeps.deleted} groups deleted, ${s.sweeps.failed} failed, ${fmt(s.sweeps.meanPassMs ?? NaN)} ms a pass, ${fmt(s.sweeps.cpuCores)} cores`
      : '';
    lines.push(
      `- ${s.name}: ${s.podsStarted ?? '?'} pods started in all, ${s.pods} live at the end${sweeps}.`,
    );
  }
  for (const s of scenarios.filter((x) => !x.error && x.app)) {
    const app = s.app;
    if (app && app.cycles < app.cyclesExpected * 0.9)
      lines.push(
        `- ${s.name}: ${app.cycles} push cycles ended in the window, ${app.cyclesExpected} were due (cycles still waiting for a slow cache pod, or skipped).`,
      );
  }
  return lines.join('\n');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function onOff(s: ScenarioResult): string {
  return s.kind === 'vmagent' ? '' : s.consistencyCheck ? 'on' : 'off';
}

function failedText(c: readonly CachePodFigures[]): string {
  const total = sum(c.map((p) => p.failed));
  if (total === 0) return '0';
  const reasons: Record<string, number> = {};
  for (const p of c)
    for (const [r, n] of Object.entries(p.failedByReason)) reasons[r] = (reasons[r] ?? 0) + n;
  return `${total} (${Object.entries(reasons)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ')})`;
}

function worst(c: readonly CachePodFigures[], key: 'p50Ms' | 'p99Ms' | 'scrapeMaxSeconds'): number {
  const values = c.flatMap((p) => (p[key] === null ? [] : [p[key] ?? 0]));
  return values.length > 0 ? Math.max(...values) : NaN;
}

function spread(values: readonly (number | null)[]): string {
  const known = values.flatMap((v) => (v === null ? [] : [v]));
  if (known.length === 0) return '?';
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}
