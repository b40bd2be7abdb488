import type { PushAuth, PushTlsOptions } from '../metrics.options';

/** Options of {@link sweepStaleGroups}: which Pushgateways to sweep, and what counts as stale. */
export interface SweepOptions {
  /** Pushgateways to sweep, as base URLs (`http://10.0.0.7:9091`). Either this or `serviceName`. */
  readonly targets?: readonly string[];
  /** Headless Service name: every address it resolves to is swept (with `port` and `scheme`). */
  readonly serviceName?: string;
  /** Port of the Pushgateways found through `serviceName`. Default 9091. */
  readonly port?: number;
  /** URL scheme of the Pushgateways found through `serviceName`. Default `'http'`. */
  readonly scheme?: 'http' | 'https';
  /** DNS servers to resolve `serviceName` with (`'127.0.0.1:5353'`). Default: the system resolver. */
  readonly dnsServers?: readonly string[];
  /** A group whose last push is older than this many seconds is stale. At least 1. */
  readonly ttlSeconds: number;
  /** Sweep every group, not only those this module pushed (recognised by its own metrics). */
  readonly all?: boolean;
  /** Report what would be deleted, delete nothing. */
  readonly dryRun?: boolean;
  /**
   * Also delete groups whose metric types conflict with the rest of the Pushgateway (which,
   * with the consistency check off, fail every scrape of it). Default: report them only.
   */
  readonly deleteConflicts?: boolean;
  /** Basic auth or bearer token for protected Pushgateways. */
  readonly auth?: PushAuth;
  /** TLS for Pushgateways served over HTTPS. */
  readonly tls?: PushTlsOptions;
  /** Bound of each request (list, delete, DNS), in ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Ends a pass early (e.g. on SIGTERM): requests under way are aborted. */
  readonly signal?: AbortSignal;
}

/** What a pass did with one group. */
export type SweepAction =
  'kept' | 'deleted' | 'would-delete' | 'delete-failed' | 'foreign' | 'conflict';

/** One group of one Pushgateway, as a pass found and left it. */
export interface SweptGroup {
  /** The group's grouping key (`job` and any further grouping labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Unix time, in seconds, of the group's last successful push; `undefined` if unknown. */
  readonly lastPushSeconds: number | undefined;
  /** Seconds since that push when the pass listed the group. */
  readonly ageSeconds: number | undefined;
  /** Whether this module pushed it (its own `nubium_metrics_*` metrics are in it). */
  readonly ownGroup: boolean;
  readonly action: SweepAction;
  /** Why: `stale`, `fresh`, `not pushed by this module`, the conflicting metrics, an error. */
  readonly reason: string;
}

/** One Pushgateway's part of a pass. */
export interface SweepTargetReport {
  /** Base URL of the Pushgateway. */
  readonly target: string;
  /** False when its groups could not be listed (unreachable, timeout, HTTP error). */
  readonly ok: boolean;
  readonly error?: string;
  readonly groups: readonly SweptGroup[];
  /** Metric names whose types conflict between groups: `{ name: ['gauge', 'counter'] }`. */
  readonly conflicts: Readonly<Record<string, readonly string[]>>;
}

/** The outcome of one pass over one or more Pushgateways. */
export interface SweepReport {
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly ttlSeconds: number;
  readonly dryRun: boolean;
  readonly targets: readonly SweepTargetReport[];
  /** Totals over every target. */
  readonly kept: number;
  readonly deleted: number;
  /** Deletes that failed, plus targets that could not be listed. */
  readonly failed: number;
  /** Groups found in conflict (deleted or not). */
  readonly conflicting: number;
  /** Targets whose groups could not be listed. */
  readonly unreachable: readonly string[];
  /** Set when the targets themselves could not be found (DNS failure). */
  readonly error?: string;
}
