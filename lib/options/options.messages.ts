/** User-facing messages of the options: refused values, where a value came from, unknown keys. */
import type { OptionSource } from '../interfaces/metrics-options.interface';

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
