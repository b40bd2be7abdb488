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
