import cluster from 'node:cluster';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type {
  MetricsModuleOptions,
  MetricType,
  OptionSource,
  PushProtocol,
} from './interfaces/metrics-options.interface';
import { MetricsOptionsError } from './options/metrics-options.error';
import type { ProcessingTimeOption } from './interfaces/kafka-counting-options.interface';
import { resolveProcessingTime } from './options/processing-time.option';
import * as messages from './options/options.messages';
import { fail, type At, type Env, type Scope } from './options/option-scope';
import {
  checkPushPath,
  defaultPodPort,
  defaultPushPath,
  PUSH_PROTOCOLS,
} from './options/push-protocol';
import { parseDnsServers, resolveAuth, resolveTls } from './options/push-target-options';
import {
  resolveDefaultMetrics,
  resolveGroupingLabels,
  resolveMetricNames,
  resolveMetricsEndpoint,
} from './options/structured-options';
import { findUnknownOptions, type UnknownOption } from './options/unknown-options';
import { METRICS_MODULE_EXTRAS } from './metrics.constants';

/**
 * An option with env semantics: the value given in code, else its env var, else its default.
 * A blank string counts as not given, in code as in the env (ConfigService hands out `''` for
 * an env var set empty); code and env values go through the same `parse`.
 */
interface ScalarSpec<T> {
  readonly env?: string;
  readonly parse: (raw: unknown, at: At, scope: Scope) => T;
  readonly fallback: (at: At, scope: Scope) => T;
}

/**
 * An object-valued option, given in code: `resolve` gets it as given, `undefined` included, and
 * the env for a field with an env var of its own (`env`, e.g. `metricsEndpoint.port`).
 */
interface StructuredSpec<T> {
  readonly env?: string;
  readonly resolve: (given: never, scope: Scope, env: Env) => T;
}

type OptionSpec<T> = ScalarSpec<T> | StructuredSpec<T>;
type Computed<T> = T | ((scope: Scope) => T);

function compute<T>(value: Computed<T>, scope: Scope): T {
  return typeof value === 'function' ? (value as (scope: Scope) => T)(scope) : value;
}

function text(rules: {
  env: string;
  required?: Computed<boolean>;
  default?: (scope: Scope) => string;
  check?: (value: string, at: At, scope: Scope) => void;
}): ScalarSpec<string> {
  return {
    env: rules.env,
    parse: (raw, at, scope) => {
      if (typeof raw !== 'string') fail(at, messages.notAString(raw));
      const value = raw.trim();
      rules.check?.(value, at, scope);
      return value;
    },
    fallback: (at, scope) => {
      if (compute(rules.required ?? false, scope)) fail(at, messages.optionRequired);
      return rules.default?.(scope) ?? '';
    },
  };
}

interface NumberRules<D> {
  readonly env?: string;
  readonly default: Computed<D>;
  readonly min: number;
  readonly max: Computed<number>;
  readonly integer?: boolean;
  /** Reason for a value above `max`, where "must be at most" would not say why. */
  readonly tooBig?: (max: number, value: unknown) => string;
}

// Decimal notation only, as the original parsed its env vars: no "1e3", "0x10" or "Infinity".
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/;

function number<D extends number | undefined>(rules: NumberRules<D>): ScalarSpec<number | D> {
  return {
    env: rules.env,
    parse: (raw, at, scope) => {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw) ? +raw : NaN;
      if (!Number.isFinite(n)) fail(at, messages.notANumber(raw));
      if (rules.integer && !Number.isInteger(n)) fail(at, messages.notWhole(raw));
      if (n < rules.min) fail(at, messages.belowMin(rules.min, raw));
      const max = compute(rules.max, scope);
      if (n > max) fail(at, (rules.tooBig ?? messages.aboveMax)(max, raw));
      return n;
    },
    fallback: (_at, scope) => compute(rules.default, scope),
  };
}

function integer<D extends number | undefined>(rules: Omit<NumberRules<D>, 'integer'>) {
  return number({ ...rules, integer: true });
}

function port<D extends number | undefined>(env: string, fallback: Computed<D>) {
  return integer({ env, default: fallback, min: 1, max: 65_535 });
}

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

function flag(rules: {
  env?: string;
  default: Computed<boolean>;
  check?: (value: boolean, at: At, scope: Scope) => void;
}): ScalarSpec<boolean> {
  return {
    env: rules.env,
    parse: (raw, at, scope) => {
      const word = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      let value: boolean;
      if (typeof raw === 'boolean') value = raw;
      else if (word !== undefined && TRUE_WORDS.includes(word)) value = true;
      else if (word !== undefined && FALSE_WORDS.includes(word)) value = false;
      else return fail(at, messages.notABoolean(raw));
      rules.check?.(value, at, scope);
      return value;
    },
    fallback: (_at, scope) => compute(rules.default, scope),
  };
}

function choice<T extends string>(
  allowed: readonly T[],
  fallback: Computed<T>,
  env?: string,
): ScalarSpec<T> {
  return {
    env,
    parse: (raw, at) =>
      allowed.includes(raw as T) ? (raw as T) : fail(at, messages.notOneOf(allowed, raw)),
    fallback: (_at, scope) => compute(fallback, scope),
  };
}

function dnsServerList(env: string): ScalarSpec<readonly string[] | undefined> {
  return { env, parse: parseDnsServers, fallback: () => undefined };
}

function structured<I, T>(
  resolve: (given: I, scope: Scope, env: Env) => T,
  env?: string,
): StructuredSpec<T> {
  return { resolve, env };
}

const DNS_NAME =
  /^(?=.{1,253}\.?$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;

function checkHost(name: string, at: At): void {
  if (isIP(name) === 0 && !DNS_NAME.test(name)) fail(at, messages.notAHost(name));
}

/** Pushing asked for in code or env needs somewhere to push to. */
function checkPushTarget(pushEnabled: boolean, at: At, scope: Scope): void {
  if (pushEnabled && scope.serviceName === '') {
    throw new MetricsOptionsError(
      'serviceName',
      SPECS.serviceName.env,
      messages.requiredWhenPushing(messages.optionOrigin(at.envVar, at.source, at.fromFactory)),
    );
  }
}

// The metrics port: a field of metricsEndpoint, with an env var and the port rules of its own.
const ENDPOINT_PORT = port('METRICS_ENDPOINT_PORT', undefined);

/**
 * One spec per option: its env var, how a value is parsed, its default and bounds. In dependency
 * order: a default, bound or check reads only options above it (see {@link Scope}).
 */
const SPECS = {
  serviceName: text({ env: 'METRICS_SERVICE_NAME', check: checkHost }),
  // Without a cache to push to (a developer's machine), pushing is off rather than an error.
  pushEnabled: flag({
    env: 'METRICS_PUSH_ENABLED',
    default: (s) => s.serviceName !== '',
    check: checkPushTarget,
  }),
  // The grouping key must name the pod when pushing; otherwise it only labels local counts.
  job: text({ env: 'HOSTNAME', required: (s) => s.pushEnabled, default: () => hostname() }),
  groupingLabels: structured(resolveGroupingLabels),
  app: text({ env: 'APP_NAME', required: true }),
  pushRateSeconds: number({ env: 'METRICS_PUSH_RATE', default: 10, min: 0.05, max: 86_400 }),
  pushTimeoutMs: integer({
    default: (s) => Math.min(5000, s.pushRateSeconds * 1000),
    min: 1,
    max: (s) => s.pushRateSeconds * 1000,
    tooBig: messages.exceedsPushInterval,
  }),
  // Unused (pushes go to every pod's podPort), but validated: deployments of the original set it.
  pushProtocol: choice<PushProtocol>(PUSH_PROTOCOLS, 'pushgateway', 'METRICS_PUSH_PROTOCOL'),
  pushPath: text({ env: 'METRICS_PUSH_PATH', default: defaultPushPath, check: checkPushPath }),
  servicePort: port('METRICS_SERVICE_PORT', undefined),
  podPort: port('METRICS_POD_PORT', defaultPodPort),
  dnsServers: dnsServerList('METRICS_DNS_SERVERS'),
  dnsTimeoutMs: integer({ default: 2000, min: 1, max: 60_000 }),
  metricType: choice<MetricType>(['gauge', 'counter'], 'gauge'),
  metricNames: structured(resolveMetricNames),
  deleteOnShutdown: flag({ default: false }),
  shutdownTimeoutMs: integer({ default: 5000, min: 1, max: 600_000 }),
  maxTopics: integer({ default: 1000, min: 1, max: 1_000_000 }),
  maxExceptionTypes: integer({ default: 100, min: 1, max: 1_000_000 }),
  tls: structured(resolveTls),
  scheme: choice(['http', 'https'] as const, (s) => (s.tls ? 'https' : 'http')),
  auth: structured(resolveAuth),
  registry: structured((registry: Registry | undefined) => registry),
  metricsEndpoint: structured(
    (given: MetricsModuleOptions['metricsEndpoint'], scope, env) =>
      resolveMetricsEndpoint(given, (portGiven) =>
        resolveScalar(ENDPOINT_PORT, 'metricsEndpoint.port', portGiven, env, scope),
      ),
    ENDPOINT_PORT.env,
  ),
  defaultMetrics: structured(resolveDefaultMetrics),
  processingTime: structured((given: ProcessingTimeOption | undefined) =>
    resolveProcessingTime(given),
  ),
  // A warning keeps apps booting across versions that add or drop an option; strict is for CI.
  strictOptions: flag({ env: 'METRICS_STRICT_OPTIONS', default: false }),
} satisfies { readonly [K in keyof MetricsModuleOptions]-?: OptionSpec<unknown> };

type Specs = typeof SPECS;
type SpecValue<S> =
  S extends ScalarSpec<infer T> ? T : S extends StructuredSpec<infer T> ? T : never;

/** Options after env defaults and validation: what the module's parts receive. */
export type ResolvedMetricsOptions = { readonly [K in keyof Specs]: SpecValue<Specs[K]> } & {
  /** Where each value came from: given in code, its env var, or its default. */
  readonly sources: { readonly [K in keyof Specs]: OptionSource };
};

/**
 * Applies env defaults to `options` and validates every value once, at start-up.
 * Throws {@link MetricsOptionsError} naming the option, its env var and where the value came from;
 * with `strictOptions`, also for a key the module does not read.
 *
 * @param fromFactory - the options were returned by a `forRootAsync` factory: messages say so.
 */
export function resolveMetricsOptions(
  options: MetricsModuleOptions = {},
  env: Env = process.env,
  clusterWorkerId: number | undefined = cluster.worker?.id,
  fromFactory = false,
): ResolvedMetricsOptions {
  const values: Record<string, unknown> = { clusterWorkerId };
  const scope = values as unknown as Scope;
  const sources: Record<string, OptionSource> = {};
  for (const [option, spec] of Object.entries(SPECS) as [string, OptionSpec<unknown>][]) {
    const given: unknown = options[option as keyof MetricsModuleOptions];
    if ('resolve' in spec) {
      const fromEnv = spec.env === undefined ? undefined : env[spec.env];
      sources[option] = given !== undefined ? 'code' : isSet(fromEnv) ? 'env' : 'default';
      try {
        values[option] = spec.resolve(given as never, scope, env);
      } catch (error) {
        throw fromFactory && given !== undefined ? returnedByFactory(error) : error;
      }
      continue;
    }
    const { value, source } = resolveScalar(spec, option, given, env, scope, fromFactory);
    values[option] = value;
    sources[option] = source;
  }
  delete values.clusterWorkerId;
  const resolved = { ...values, sources } as unknown as ResolvedMetricsOptions;
  const [unknown, ...others] = unknownOptions(options, resolved);
  if (resolved.strictOptions && unknown !== undefined) {
    throw new MetricsOptionsError(
      unknown.key,
      undefined,
      messages.unknownOptionRefused(
        messages.unknownOption(unknown.closest, unknown.extra === true),
        others.map((o) => o.key),
      ),
      'code',
      fromFactory,
    );
  }
  return resolved;
}

/**
 * The keys of `options` that the module does not read (nested keys of object options included),
 * each with the option it most likely meant; the module warns of each at start-up.
 */
export function unknownOptions(
  options: MetricsModuleOptions,
  resolved: ResolvedMetricsOptions,
): UnknownOption[] {
  return findUnknownOptions(options, resolved, KNOWN);
}

const KNOWN = {
  options: Object.keys(SPECS),
  envVars: new Map(
    Object.entries(SPECS).flatMap(([option, spec]: [string, OptionSpec<unknown>]) =>
      'env' in spec && spec.env !== undefined ? [[spec.env, option] as const] : [],
    ),
  ),
  extras: Object.keys(METRICS_MODULE_EXTRAS),
};

/** An error of an object option returned by the factory, worded as such. */
function returnedByFactory(error: unknown): unknown {
  if (!(error instanceof MetricsOptionsError) || error.fromFactory) return error;
  return new MetricsOptionsError(error.option, error.envVar, error.reason, 'code', true);
}

/** One scalar option (or field): the value given in code, else its env var's, else its default. */
function resolveScalar<T>(
  spec: ScalarSpec<T>,
  option: string,
  given: unknown,
  env: Env,
  scope: Scope,
  fromFactory = false,
): { value: T; source: OptionSource } {
  const fromEnv = spec.env === undefined ? undefined : env[spec.env];
  const source = isSet(given) ? 'code' : isSet(fromEnv) ? 'env' : 'default';
  const at: At = { option, envVar: spec.env, source, fromFactory };
  const value =
    source === 'default'
      ? spec.fallback(at, scope)
      : spec.parse(source === 'code' ? given : fromEnv, at, scope);
  return { value, source };
}

function isSet(value: unknown): boolean {
  return (
    value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '')
  );
}
