/** User-facing messages of the pusher: pushing off, DNS discovery, pushes, shutdown. */

export const pushingOff =
  'no metrics cache configured: pushing is off, counts stay in this process and pushNow() sends nothing. Set METRICS_SERVICE_NAME (option serviceName) to push, or METRICS_PUSH_ENABLED=false (option pushEnabled: false) to keep pushing off without this warning';

/**
 * The resolver a DNS failure names, and the option that sets it: the servers of `dnsServers`
 * (or its env var), or the system resolver's name servers when neither is set.
 */
export const dnsResolver = (
  servers: readonly string[],
  system: boolean,
  fromEnv: boolean,
): string =>
  system
    ? `the system resolver (${servers.join(', ') || 'no name server found'}); option dnsServers or env METRICS_DNS_SERVERS sets the servers to ask instead`
    : `${servers.join(', ')}, set by ${fromEnv ? 'env METRICS_DNS_SERVERS' : 'option dnsServers'}`;

const keptPods = (kept: number): string =>
  kept ? `pushing to the ${kept} last known pod(s)` : 'no known pods, nothing pushed this cycle';

/** How long a failure has lasted, for the reminders logged while it lasts. */
const lasting = (cycles: number, since: Date): string =>
  `${cycles} more push cycle(s) failed since the last warning, failing since ${since.toISOString()}`;

export const dnsFailed = (name: string, reason: string, kept: number, resolver: string): string =>
  `cannot resolve metrics cache "${name}": ${reason}; ${keptPods(kept)}. Asked ${resolver}`;

export const dnsStillFailing = (
  name: string,
  reason: string,
  kept: number,
  resolver: string,
  cycles: number,
  since: Date,
): string =>
  `still cannot resolve metrics cache "${name}": ${reason}; ${lasting(cycles, since)}; ${keptPods(kept)}. Asked ${resolver}`;

export const dnsRecovered = (name: string, cycles: number, targets: readonly string[]): string =>
  `metrics cache "${name}" resolves again after ${cycles} failed push cycle(s): ${targets.length} pod(s): ${targets.join(', ') || '(none)'}`;

export const targetsChanged = (name: string, targets: readonly string[]): string =>
  `metrics cache "${name}" resolves to ${targets.length} pod(s): ${targets.join(', ') || '(none)'}`;

export const pushFailed = (target: string, reason: string): string =>
  `push to metrics cache pod ${target} failed: ${reason}`;

export const pushStillFailing = (
  target: string,
  reason: string,
  cycles: number,
  since: Date,
): string =>
  `push to metrics cache pod ${target} still fails: ${reason}; ${lasting(cycles, since)}`;

export const pushRecovered = (target: string, cycles: number): string =>
  `push to metrics cache pod ${target} works again after ${cycles} failed push cycle(s)`;

export const cycleSkipped = (rateSeconds: number): string =>
  `previous push cycle still running after ${rateSeconds}s; this cycle is skipped`;

export const shutdownPush = (ok: number, total: number, deleted: boolean): string =>
  `final ${deleted ? 'delete' : 'push'} on shutdown reached ${ok} of ${total} metrics cache pod(s)`;

export const nothingToDelete = (protocol: string): string =>
  `deleteOnShutdown has no meaning with pushProtocol "${protocol}": the server keeps no group to delete, and a stopped pod's series end by themselves; a final push is made on shutdown instead`;

export const groupClash = (path: string, serviceName: string): string =>
  `pushes the group ${path} to "${serviceName}", which another NubiumMetricsModule of this process already pushes: each push would overwrite the other's counts. Give each module its own job or groupingLabels`;

export const noDnsAnswer = (name: string, ms: number): string =>
  `${name}: no DNS answer within ${ms} ms`;

export const noAddressRecords = (name: string): string => `${name} has no A or AAAA records`;

export const dnsError = (name: string, code: string): string => `${name}: ${code}`;

export const serialiseFailed = (reason: string): string =>
  `cannot serialise the registry: ${reason}`;

// A pod request's failure, as push reports and the warnings show it.
export const answerTooLarge = (bytes: number): string => `answer larger than ${bytes} bytes`;
export const httpError = (status: number, body: string): string => `HTTP ${status}: ${body}`;
export const timedOut = (): string => 'timeout';
export const aborted = (): string => 'aborted';
export const requestFailed = (code: string, reason: string): string =>
  code ? `${code}: ${reason}` : reason;
