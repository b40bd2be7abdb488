import { SELF_METRIC_PREFIX } from '../metrics.constants';
import * as messages from './sweeper.messages';

/** One group as a Pushgateway lists it in `GET /api/v1/metrics`. */
export interface ListedGroup {
  /** The grouping key: `job` and any further grouping labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Unix time of the last successful push, in seconds; `undefined` when the listing has none. */
  readonly lastPushSeconds: number | undefined;
  /** Metric name → Prometheus type (lower case) of every family the group holds. */
  readonly types: ReadonlyMap<string, string>;
  /** Whether this module pushed it: its own `nubium_metrics_*` metrics are in it. */
  readonly own: boolean;
}

interface ApiFamily {
  type?: unknown;
  metrics?: Array<{ value?: unknown }>;
}

// The Pushgateway's own per-group metrics, in every group whoever pushed it.
const PUSHGATEWAY_FAMILIES = new Set(['push_time_seconds', 'push_failure_time_seconds']);

/**
 * The groups of a Pushgateway's API listing. Throws on an answer that is not such a listing,
 * so that a wrong target (another server on the port) deletes nothing.
 */
export function parseGroupListing(body: Buffer | string): ListedGroup[] {
  const listing = JSON.parse(body.toString()) as { status?: unknown; data?: unknown };
  if (listing.status !== 'success' || !Array.isArray(listing.data)) {
    throw new Error(messages.notAListing());
  }
  return (listing.data as Array<Record<string, unknown>>).map((group) => {
    const labels = group.labels;
    if (
      typeof labels !== 'object' ||
      labels === null ||
      typeof (labels as { job?: unknown }).job !== 'string'
    ) {
      throw new Error(messages.groupWithoutJob());
    }
    const types = new Map<string, string>();
    let own = false;
    for (const [name, family] of Object.entries(group)) {
      if (name === 'labels' || typeof family !== 'object' || family === null) continue;
      const type = (family as ApiFamily).type;
      if (typeof type !== 'string') continue;
      if (!PUSHGATEWAY_FAMILIES.has(name)) types.set(name, type.toLowerCase());
      if (name.startsWith(SELF_METRIC_PREFIX)) own = true;
    }
    const pushed = Number((group.push_time_seconds as ApiFamily | undefined)?.metrics?.[0]?.value);
    return {
      labels: labels as Record<string, string>,
      lastPushSeconds: Number.isFinite(pushed) && pushed > 0 ? pushed : undefined,
      types,
      own,
    };
  });
}

/**
 * Groups whose type for some metric differs from the type most groups give it: with the
 * consistency check off, the Pushgateway accepts such a push, and then every scrape of it fails.
 * Returns, per group index, the conflicting metric names; and per metric name, the types seen.
 * A name with no majority type (a tie) is reported, but none of its groups is singled out.
 */
export function findTypeConflicts(groups: readonly ListedGroup[]): {
  byGroup: Map<number, string[]>;
  byName: Record<string, string[]>;
} {
  const seen = new Map<string, Map<string, number[]>>();
  groups.forEach((group, index) => {
    for (const [name, type] of group.types) {
      let types = seen.get(name);
      if (!types) seen.set(name, (types = new Map<string, number[]>()));
      let members = types.get(type);
      if (!members) types.set(type, (members = []));
      members.push(index);
    }
  });
  const byGroup = new Map<number, string[]>();
  const byName: Record<string, string[]> = {};
  for (const [name, types] of seen) {
    if (types.size < 2) continue;
    const ranked = [...types].sort((a, b) => b[1].length - a[1].length);
    byName[name] = ranked.map(([type]) => type);
    if (ranked[0][1].length === ranked[1][1].length) continue;
    for (const [, members] of ranked.slice(1)) {
      for (const index of members) {
        const names = byGroup.get(index) ?? [];
        names.push(name);
        byGroup.set(index, names);
      }
    }
  }
  return { byGroup, byName };
}

// How vmagent and the other VictoriaMetrics servers refuse a path they do not serve, such as the
// Pushgateway API's listing (400 in 1.79, 404 in some later versions).
const VICTORIA_METRICS_REFUSAL = /unsupported path requested/;

/**
 * Whether an answer to the listing request is a VictoriaMetrics server's (vmagent's) refusal of a
 * path it does not serve: a sign that the target is vmagent, which needs no sweeper.
 */
export function isVictoriaMetricsRefusal(
  status: number | undefined,
  text: string | undefined,
): boolean {
  return (status === 400 || status === 404) && VICTORIA_METRICS_REFUSAL.test(text ?? '');
}
