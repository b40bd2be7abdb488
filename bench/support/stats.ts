// The bench's one statistics module: `npm run bench`'s cases and the fleet bench both use it.

/** Mean of a list; NaN when empty. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds of CPU this process used (user + system) since `since`. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** Runs a full collection (the runner starts node with --expose-gc). */
export function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

/** One turn of the event loop. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An empty list of figures for each of `names`. */
export function listsFor<K extends string>(names: readonly K[]): Record<K, number[]> {
  return Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
}

/** Rounds of work: `rounds` times each variant, in an order that alternates, so drift hits all alike. */
export async function alternate<K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<number> | number>,
  deadlineMs: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[];
  const out = listsFor(names);
  const end = Date.now() + deadlineMs;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) out[name].push(await variants[name]());
    if (Date.now() > end && r >= 2) break;
  }
  return out;
}

/**
 * Rounds of work in which the variants take turns in short blocks, their order reversed block by
 * block: a change in the machine's speed within a round (a neighbour's process on the other core)
 * then reaches every variant alike, where {@link alternate}'s turns of a whole round each leave it
 * on one of them. For differences of a few per cent or less. Each round starts with
 * {@link settle} and then one block of every variant that is not recorded: the forced full
 * collection deoptimises the optimised code that holds objects it freed ("weak objects"), and
 * the first calls after it, several times slower until the code is optimised again, would land
 * on the variants that come first. A block returns its figure; a variant's figure for a round is
 * the mean of its recorded blocks'.
 */
export async function interleave<K extends string>(
  rounds: number,
  blocks: number,
  variants: Record<K, () => Promise<number>>,
  deadlineMs: number,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[];
  const out = listsFor(names);
  const end = Date.now() + deadlineMs;
  for (let r = 0; r < rounds; r++) {
    await settle();
    for (const name of names) await variants[name]();
    const sums = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
    for (let b = 0; b < blocks; b++)
      for (const name of b % 2 === 0 ? names : [...names].reverse())
        sums[name] += await variants[name]();
    for (const name of names) out[name].push(sums[name] / blocks);
    if (Date.now() > end && r >= 2) break;
  }
  return out;
}

/**
 * One full collection between measured rounds, so no round pays for the garbage of another; then
 * an idle wait until the collector's background threads have finished sweeping (at most 300 ms),
 * so that their CPU time, which on one core would land in the round, does not.
 */
export async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  const end = performance.now() + 300;
  while (performance.now() < end) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const used = process.cpuUsage(before);
    if (used.user + used.system < 300) return;
  }
}

/**
 * The `q`-quantile (0..1) of a list, linear between the two nearest ranks (Hyndman and Fan's
 * type 7, numpy's and R's default): the one quantile of the bench, for the middle half of the
 * rounds and for the fleet's p50 and p99 alike. NaN when the list is empty.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/** `a[i] / b[i]` for every round both were measured in. */
export function perRoundRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.slice(0, Math.min(a.length, b.length)).map((x, i) => x / b[i]);
}

/** `a[i] - b[i]` for every round both were measured in: what a variant adds over its baseline. */
export function perRoundDifferences(a: readonly number[], b: readonly number[]): number[] {
  return a.slice(0, Math.min(a.length, b.length)).map((x, i) => x - b[i]);
}

/** How the per-round figures spread: the middle half and the whole range, for a row's note. */
export function spread(values: readonly number[], digits = 3): string {
  const f = (n: number) => n.toFixed(digits);
  return `middle half ${f(quantile(values, 0.25))}-${f(quantile(values, 0.75))}, range ${f(Math.min(...values))}-${f(Math.max(...values))}`;
}

/** Least-squares line `y ≈ a + b × x`. */
export interface LinearFit {
  readonly a: number;
  readonly b: number;
  /** Coefficient of determination. */
  readonly r2: number;
  readonly points: number;
}

/** Fits `y ≈ a + b × x`; null with fewer than two distinct x. */
export function leastSquares(points: readonly { x: number; y: number }[]): LinearFit | null {
  const n = points.length;
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (n < 2 || sxx === 0) return null;
  const b = sxy / sxx;
  return { a: my - b * mx, b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), points: n };
}

/** A small seeded generator, so two runs jitter and churn their pods alike. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
