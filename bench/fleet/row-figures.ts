import type { ScenarioResult } from './results';

/** Sum of a list. */
export function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

/** CPU ms of every cache pod (Pushgateway or vmagent) over the pushes they accepted; NaN when none. */
export function cpuMsPerPush(s: ScenarioResult): number {
  const accepted = sum(s.cache.map((p) => p.accepted));
  return accepted > 0 ? (sum(s.cache.map((p) => p.cpuSeconds)) * 1000) / accepted : NaN;
}

/** Resident memory of every cache pod together, KB per app pod of the fleet. */
export function rssKbPerAppPod(s: ScenarioResult): number {
  return s.pods > 0 ? (sum(s.cache.map((p) => p.rssMb)) * 1024) / s.pods : NaN;
}

/** A number with three significant digits or so; empty when unknown. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  return abs >= 100
    ? n.toFixed(0)
    : abs >= 10
      ? n.toFixed(1)
      : abs >= 1
        ? n.toFixed(2)
        : n.toFixed(3);
}

/** A markdown table of `head` and `rows`, with `|` in cells escaped. */
export function markdownRows(head: readonly string[], rows: readonly string[][]): string {
  return [head, head.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`)
    .join('\n');
}
