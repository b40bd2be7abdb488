/** Outcome of one push (or delete) to one metrics cache pod. */
export interface TargetResult {
  /** The pod's address, as resolved from the service name. */
  readonly address: string;
  /** Whether the pod accepted the request (2xx). */
  readonly ok: boolean;
  /** HTTP status, when the pod answered. */
  readonly status?: number;
  /** Why it failed: `timeout`, a system error code (`ECONNREFUSED`, …) or `HTTP <status>: <body>`. */
  readonly error?: string;
  /** Short reason for the failure metric: `timeout`, `refused`, `http_<status>`, `tls`, `error`. */
  readonly reason?: string;
  /** Time from sending to the answer or failure, in ms. */
  readonly durationMs: number;
}

/** Where the cycle's targets came from. */
export interface DiscoveryResult {
  /** Addresses pushed to. */
  readonly targets: readonly string[];
  /**
   * `dns`: resolved now; `last-known`: DNS failed and the previous answer was used; `none`:
   * nothing was resolved, as there is no service name (see {@link PushReport.skipped}).
   */
  readonly source: 'dns' | 'last-known' | 'none';
  /** Why DNS failed, when it did. */
  readonly error?: string;
  /** Short reason for the failure metric: `nxdomain`, `no_addresses`, `timeout`, `unreachable`, `error`. */
  readonly errorReason?: string;
}

/** Outcome of one push cycle to every metrics cache pod. */
export interface PushReport {
  /** `push`, or `delete` for the group deletion on shutdown. */
  readonly kind: 'push' | 'delete';
  /** When the cycle started. */
  readonly startedAt: Date;
  /** Wall time of the whole cycle (DNS, serialisation, every request), in ms. */
  readonly durationMs: number;
  /** Size of the pushed body in bytes (0 for a delete). */
  readonly bytes: number;
  /** How the targets were found. */
  readonly discovery: DiscoveryResult;
  /** One result per target, in address order. */
  readonly targets: readonly TargetResult[];
  /** Number of targets that accepted. */
  readonly succeeded: number;
  /**
   * True when at least one target accepted, or when nothing was to be sent: the push was skipped
   * on purpose (see {@link PushReport.skipped}), which is no failure.
   */
  readonly ok: boolean;
  /** Why nothing was sent, when the registry could not be serialised. */
  readonly error?: string;
  /**
   * Set when nothing was attempted: `no-service-name` when no metrics cache is configured (a
   * developer's machine), so pushing is off and there is nowhere to push. `targets` is empty,
   * `succeeded` 0 and `ok` true.
   */
  readonly skipped?: 'no-service-name';
}
