import type { PushAuth, PushTlsOptions } from './push-auth.interface';

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
