// Keys of an options object that the module does not read. In forRoot the compiler catches a
// typo; in what a forRootAsync factory returns nothing does, and the option silently keeps its
// default (or its env var's value). Each unknown key is reported with the known one it most
// likely meant.

/** A key the module does not read, and the known key it most likely meant. */
export interface UnknownOption {
  /** The key as given; `metricsEndpoint.paht` for a key of an object option. */
  readonly key: string;
  /** The known option (or key of the same object option) closest to it, if one is close. */
  readonly closest?: string;
  /** True for an extra of the module (`isGlobal`, ...), which is no option: see {@link KnownOptions.extras}. */
  readonly extra?: boolean;
}

/** What the options are checked against. */
export interface KnownOptions {
  /** The options the module reads. */
  readonly options: readonly string[];
  /** The option each env var sets, by the env var's name: a factory may return `{ METRICS_PUSH_RATE }`. */
  readonly envVars: ReadonlyMap<string, string>;
  /**
   * The module's extras. Nest strips them from `forRoot`'s options and takes them beside
   * `useFactory` in `forRootAsync`: among the options, one was returned by a factory, to no effect.
   */
  readonly extras: readonly string[];
}

/**
 * The keys of `given` the module does not read, top-level and nested. A key of an object option
 * (`metricsEndpoint: { paht }`) is known when the option's resolved value keeps it: each object
 * option resolves to an object of the keys it reads, so new keys need no list of their own here.
 * Label maps (`groupingLabels`) keep every key, and class instances (`registry`) are not looked into.
 */
export function findUnknownOptions(
  given: object,
  resolved: Readonly<Record<string, unknown>>,
  known: KnownOptions,
): UnknownOption[] {
  const unknown: UnknownOption[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (known.extras.includes(key)) {
      unknown.push({ key, extra: true });
      continue;
    }
    if (!known.options.includes(key)) {
      const near = known.envVars.get(key) ?? closest(key, known.options);
      unknown.push({ key, ...(near === undefined ? {} : { closest: near }) });
      continue;
    }
    const kept = resolved[key];
    if (!isPlainObject(value) || !isPlainObject(kept)) continue;
    const keys = Object.keys(kept);
    for (const [nested, nestedValue] of Object.entries(value)) {
      if (nestedValue === undefined || keys.includes(nested)) continue;
      const near = closest(nested, keys);
      unknown.push({
        key: `${key}.${nested}`,
        ...(near === undefined ? {} : { closest: `${key}.${near}` }),
      });
    }
  }
  return unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The candidate nearest to `key`, ignoring case: by edit distance (a swap of two neighbours
 * counts as one edit), or one that starts with the key (`pushTimeout` for `pushTimeoutMs`).
 * None when every candidate needs more edits than about a third of the key's length.
 */
function closest(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const limit = Math.max(1, Math.ceil(key.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance =
      lower.length >= 4 && other.startsWith(lower) ? 1 : editDistance(lower, other, limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance of `a` and `b`; any value above `limit` is as good as another. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, beforePrevious[j - 2] + 1);
      }
      row.push(d);
    }
    beforePrevious = previous;
    previous = row;
  }
  return previous[b.length];
}
