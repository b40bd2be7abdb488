/** User-facing messages of the module, in one place. */
import type { OptionSource } from './interfaces/metrics-options.interface';

/**
 * Where an option's value came from, as messages show it: returned by the `forRootAsync` factory,
 * given in code (`forRoot`), read from the env var, or neither (then the env var to set).
 * Options without an env var given to `forRoot` need no origin: they can only come from there.
 */
export const optionOrigin = (
  envVar: string | undefined,
  source: OptionSource,
  fromFactory = false,
): string =>
  source === 'code' && fromFactory
    ? ' (returned by the forRootAsync factory)'
    : envVar === undefined
      ? ''
      : source === 'code'
        ? ' (given in code)'
        : source === 'env'
          ? ` (from env ${envVar})`
          : ` (env ${envVar})`;

export const invalidOption = (
  option: string,
  envVar: string | undefined,
  reason: string,
  source: OptionSource,
  fromFactory = false,
): string =>
  `NubiumMetricsModule: option "${option}"${optionOrigin(envVar, source, fromFactory)} ${reason}`;

/** A value as an option error shows it: strings quoted, so `"70000"` (text) differs from `70000`. */
export const shown = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

// Reasons an option is refused; each completes `option "<name>" (<origin>) ...`.
export const optionRequired = 'is required and was not set';
export const requiredWhenPushing = (pushEnabledOrigin: string): string =>
  `${optionRequired}: pushing is enabled by option "pushEnabled"${pushEnabledOrigin}`;
export const notAString = (value: unknown): string => `must be a string, got ${typeof value}`;
export const notANumber = (value: unknown): string => `must be a number, got ${shown(value)}`;
export const notWhole = (value: unknown): string => `must be a whole number, got ${shown(value)}`;
export const belowMin = (min: number, value: unknown): string =>
  `must be at least ${min}, got ${shown(value)}`;
export const aboveMax = (max: number, value: unknown): string =>
  `must be at most ${max}, got ${shown(value)}`;
export const exceedsPushInterval = (maxMs: number, value: unknown): string =>
  `must not exceed the push interval (${maxMs} ms), got ${shown(value)}`;
export const notABoolean = (value: unknown): string => `must be true or false, got ${shown(value)}`;
export const notOneOf = (allowed: readonly string[], value: unknown): string =>
  `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, got ${shown(value)}`;
export const notAHost = (value: string): string =>
  `must be a DNS name or an IP address, got ${shown(value)}`;
export const dnsServersEmpty =
  'must list at least one "ip" or "ip:port": an array, or comma-separated in one string';
export const notADnsServer = (server: unknown): string =>
  `has ${shown(server)}, which is not "ip" or "ip:port"`;
export const notAMetricName = (name: unknown): string =>
  `must be a valid Prometheus metric name, got ${shown(name)}`;
export const sameMetricNames = 'must give the three metrics three different names';
export const notALabelMap = (value: unknown): string =>
  `must be an object of label names to values, got ${shown(value)}`;
export const notALabelName = 'is not a valid Prometheus label name';
export const instanceLabel =
  'must not be "instance": dashboards de-duplicate the cache pods\' copies over it; use e.g. "worker" or "process"';
export const reservedLabel = 'is a label the module already sets';
export const notALabelValue = (value: unknown): string =>
  `must be a non-empty string, got ${shown(value)}`;
export const notAnEndpoint = (value: unknown): string =>
  `must be true, false, { path } or { port, host?, path? }, got ${shown(value)}`;
export const notAPath = (value: unknown): string =>
  `must be a plain path starting with "/", got ${shown(value)}`;
export const pushPathWithPushgateway =
  'is for pushProtocol "victoriametrics" (env METRICS_PUSH_PROTOCOL) only: a Pushgateway\'s path is the app\'s group';
export const notAPushPath = (value: unknown): string =>
  `must be a path starting with "/", without "?" or "#", got ${shown(value)}`;
export const notDefaultMetrics = (value: unknown): string =>
  `must be true, false or { prefix }, got ${shown(value)}`;
export const notAPrefix = (value: unknown): string =>
  `must be empty or start a valid Prometheus metric name, got ${shown(value)}`;
export const emptyToken = 'must be a non-empty string';
export const badUsername = 'must be a non-empty string without ":"';
export const badPassword = 'must be a string';
export const notPem = (reason: string): string =>
  `is neither PEM text nor a readable file: ${reason}`;
export const badMinTargets = (value: unknown): string =>
  `of MetricsHealthModule must be a whole number >= 1, got ${shown(value)}`;
export const terminusMissing = (reason: string): string =>
  `MetricsHealthModule needs @nestjs/terminus (>= 11) installed: ${reason}`;

export const pushingOff =
  'no metrics cache configured: pushing is off, counts stay in this process and pushNow() sends nothing. Set METRICS_SERVICE_NAME (option serviceName) to push, or METRICS_PUSH_ENABLED=false (option pushEnabled: false) to keep pushing off without this warning';

export const labelOverflow = (metric: string, label: string, cap: number): string =>
  `${metric}: more than ${cap} distinct "${label}" values; further values are counted under "__overflow__"`;

export const rejectedCount = (metric: string, n: unknown): string =>
  `${metric}: ignored an increment of ${typeof n === 'string' ? JSON.stringify(n) : String(n)} (must be a finite number >= 0; further bad increments are ignored silently)`;

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

export const defaultMetricsFailed = (reason: string): string =>
  `default metrics not added: ${reason}`;

/**
 * Why a key of the options is refused or ignored: the module does not read it. An extra
 * (`isGlobal`, ...) among the options is one returned by a `forRootAsync` factory, where it has
 * no effect: Nest takes extras beside `useFactory`, and strips them from `forRoot`'s options.
 */
export const unknownOption = (closest: string | undefined, isExtra: boolean): string =>
  isExtra
    ? 'is an extra of forRoot / forRootAsync, not an option: in forRootAsync, give it beside useFactory, not in what the factory returns'
    : `is unknown${closest === undefined ? '' : `; did you mean "${closest}"?`}`;

export const unknownOptionIgnored = (option: string, origin: string, reason: string): string =>
  `option "${option}"${origin} ${reason}; it is ignored (strictOptions: true makes unknown options fail start-up)`;

export const unknownOptionRefused = (reason: string, others: readonly string[]): string =>
  `${reason} (strictOptions is on)${others.length ? `; also unknown: ${others.map((o) => `"${o}"`).join(', ')}` : ''}`;

// The processingTime option's reasons (see `options/processing-time.option.ts`).
export const notAProcessingTimeOption = (value: unknown): string =>
  `must be true, false or { buckets: number[] }, got ${shown(value)}`;

export const notABucketList = (value: unknown, max: number): string =>
  `must be 1 to ${max} finite, positive, increasing upper bounds in seconds, got ${shown(value)}`;
