/** User-facing messages of the sweeper and its CLI, in one place. */

export const badTtl = (ttl: unknown): string =>
  `ttl must be a duration of at least 1 second (e.g. 90s, 15m), got ${JSON.stringify(ttl)}`;

export const targetOrService = (): string =>
  'give the Pushgateways to sweep: one or more targets (--target URL), or a service name (--service NAME), not both';

export const badTimeout = (ms: unknown): string =>
  `timeout must be a whole number of ms of at least 1, got ${JSON.stringify(ms)}`;

export const badPort = (port: unknown): string =>
  `port must be 1..65535, got ${JSON.stringify(port)}`;

export const badTarget = (target: string, why: string): string =>
  `target ${JSON.stringify(target)} is not a Pushgateway base URL like http://10.0.0.7:9091: ${why}`;

// Why a target is not a Pushgateway base URL; each completes badTarget.
export const notAUrl = (): string => 'not a URL';
export const badScheme = (): string => 'the scheme must be http or https';
export const extraUrlParts = (): string => 'give only scheme, host and port';

export const noAnswer = (): string => 'no answer';

// Why a pass did what it did with a group (SweptGroup.reason).
export const staleGroup = (): string => 'stale';
export const freshGroup = (): string => 'fresh';
export const noPushTime = (): string => 'no push time';
export const foreignGroup = (): string => 'not pushed by this module';
export const conflictingGroup = (metrics: readonly string[]): string =>
  `conflict: ${metrics.join(', ')}`;
export const deleteFailed = (reason: string, error: string | undefined): string =>
  `${reason}; ${error ?? 'failed'}`;

export const notAListing = (): string =>
  'not a Pushgateway API listing (no "status": "success" with "data")';

export const groupWithoutJob = (): string => 'a group of the listing has no "job" label';

export const victoriaMetricsTarget = (target: string): string =>
  `${target} is not a Pushgateway: it answers the group listing as vmagent (VictoriaMetrics) does, "unsupported path requested". vmagent keeps no groups, so it needs no sweeper: a stopped pod's series end by themselves (docs/vmagent.md). Point --target or --service at the metrics cache's Pushgateways`;
