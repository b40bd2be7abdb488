/** Options of the push health indicator. */
export interface MetricsHealthOptions {
  /** Cache pods that must have accepted the last push for the app to count as healthy. Default 1. */
  minTargets?: number;
}

/** One cache pod in the health details. */
export interface MetricsHealthTarget {
  /** The pod's address. */
  readonly address: string;
  /** Whether it accepted the last push. */
  readonly ok: boolean;
  /** Why it did not, when it did not. */
  readonly error?: string;
}

/** Details reported under the indicator's key, beside `status`. */
export interface MetricsHealthDetails {
  /** Whether pushing is enabled at all. */
  readonly pushEnabled: boolean;
  /** Pods that must accept a push. */
  readonly minTargets: number;
  /** Pods that accepted the last push (0 before the first one). */
  readonly succeeded: number;
  /** When the last push cycle started (ISO 8601), absent before the first one. */
  readonly lastPushAt?: string;
  /** Where the last cycle's targets came from (`dns` or `last-known`). */
  readonly discovery?: string;
  /** Outcome per pod of the last push. */
  readonly targets: readonly MetricsHealthTarget[];
}

/**
 * What the indicator returns: `{ [key]: { status, ...details } }`, the shape @nestjs/terminus'
 * `HealthIndicatorResult` has, declared here so that apps without terminus still type-check.
 */
export type MetricsHealthResult = Record<string, MetricsHealthDetails & { status: 'up' | 'down' }>;

/** The part of @nestjs/terminus' `HealthIndicatorService` the indicator uses (internal: not exported from the package). */
export interface HealthIndicatorServiceLike {
  check(key: string): {
    up(data: MetricsHealthDetails): Record<string, unknown>;
    down(data: MetricsHealthDetails): Record<string, unknown>;
  };
}
