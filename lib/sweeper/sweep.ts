import { isIP } from 'node:net';
import { MetricsOptionsError } from '../options/metrics-options.error';
import { resolveAuth, resolveDnsServers, resolveTls } from '../options/push-target-options';
import { groupingPath } from '../pusher/grouping-key';
import { PushClient } from '../pusher/push-client';
import { TargetDiscovery } from '../pusher/target-discovery';
import {
  findTypeConflicts,
  isVictoriaMetricsRefusal,
  parseGroupListing,
  type ListedGroup,
} from './pushgateway-groups';
import * as messages from './sweeper.messages';
import type { SweepOptions } from '../interfaces/sweep-options.interface';
import type {
  SweepReport,
  SweepTargetReport,
  SweptGroup,
} from '../interfaces/sweep-report.interface';

const DEFAULT_PORT = 9091;
const DEFAULT_TIMEOUT_MS = 5000;
// Deletes in flight at once on one Pushgateway: a pass after a large rollout must not flood it.
// Its client opens as many connections, so that none waits for one while its timeout runs.
const DELETES_IN_FLIGHT = 8;

/** Thrown by {@link sweepStaleGroups} for options it cannot work with. */
export class SweepOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepOptionsError';
  }
}

interface Target {
  readonly url: string;
  readonly host: string;
  readonly client: PushClient;
}

/**
 * One pass over one or more Pushgateways: lists each one's groups and deletes, from that
 * Pushgateway, every group whose last push is older than the TTL. By default only groups this
 * module pushed are touched (they carry its `nubium_metrics_*` metrics); `all` widens that.
 * A group pushed within the TTL is never deleted. Groups whose metric types conflict with the
 * rest are reported, and deleted with `deleteConflicts`. Never rejects for an unreachable
 * target: it is reported; throws {@link SweepOptionsError} for bad options, and for a target that
 * answers as vmagent does (it keeps no groups: nothing there needs sweeping).
 */
export async function sweepStaleGroups(options: SweepOptions): Promise<SweepReport> {
  const startedAt = new Date();
  const started = performance.now();
  const settings = checkOptions(options);
  let targets: Target[] = [];
  let error: string | undefined;
  try {
    targets = await findTargets(options, settings);
  } catch (e) {
    if (e instanceof SweepOptionsError) throw e;
    if (e instanceof MetricsOptionsError) throw new SweepOptionsError(e.message);
    error = (e as Error).message;
  }
  let reports: SweepTargetReport[];
  try {
    reports = await Promise.all(targets.map((t) => sweepTarget(t, options, settings)));
  } finally {
    for (const t of targets) t.client.close();
  }
  const groups = reports.flatMap((r) => r.groups);
  const unreachable = reports.filter((r) => !r.ok).map((r) => r.target);
  return {
    startedAt,
    durationMs: performance.now() - started,
    ttlSeconds: options.ttlSeconds,
    dryRun: options.dryRun === true,
    targets: reports,
    kept: groups.filter((g) => g.action === 'kept' || g.action === 'foreign').length,
    deleted: groups.filter((g) => g.action === 'deleted').length,
    failed: groups.filter((g) => g.action === 'delete-failed').length + unreachable.length,
    conflicting: groups.filter((g) => g.reason.startsWith('conflict')).length,
    unreachable,
    ...(error === undefined ? {} : { error }),
  };
}

interface Settings {
  readonly timeoutMs: number;
  readonly auth: SweepOptions['auth'];
  readonly tls: ReturnType<typeof resolveTls>;
}

function checkOptions(options: SweepOptions): Settings {
  const ttl = options.ttlSeconds;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 1) {
    throw new SweepOptionsError(messages.badTtl(ttl));
  }
  const hasTargets = options.targets !== undefined && options.targets.length > 0;
  if (hasTargets === (options.serviceName !== undefined)) {
    throw new SweepOptionsError(messages.targetOrService());
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new SweepOptionsError(messages.badTimeout(timeoutMs));
  }
  try {
    return { timeoutMs, auth: resolveAuth(options.auth), tls: resolveTls(options.tls) };
  } catch (e) {
    throw new SweepOptionsError((e as Error).message);
  }
}

async function findTargets(options: SweepOptions, settings: Settings): Promise<Target[]> {
  if (options.targets) return options.targets.map((url) => targetFromUrl(url, settings));
  const scheme = options.scheme ?? (options.tls ? 'https' : 'http');
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new SweepOptionsError(messages.badPort(port));
  }
  const serviceName = options.serviceName!;
  const discovery = new TargetDiscovery({
    serviceName,
    dnsServers: options.dnsServers ? resolveDnsServers([...options.dnsServers]) : undefined,
    timeoutMs: settings.timeoutMs,
  });
  const addresses = await discovery.resolve();
  return addresses.map((address) =>
    targetFromUrl(
      `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`,
      settings,
      serviceName,
    ),
  );
}

function targetFromUrl(text: string, settings: Settings, serviceName?: string): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SweepOptionsError(messages.badTarget(text, messages.notAUrl()));
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    throw new SweepOptionsError(messages.badTarget(text, messages.badScheme()));
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new SweepOptionsError(messages.badTarget(text, messages.extraUrlParts()));
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  const client = new PushClient({
    scheme,
    podPort: port,
    auth: settings.auth,
    tls: settings.tls,
    serviceName: serviceName ?? host,
    requestsPerPod: DELETES_IN_FLIGHT,
  });
  return { url: `${scheme}://${url.host}`, host, client };
}

async function sweepTarget(
  target: Target,
  options: SweepOptions,
  settings: Settings,
): Promise<SweepTargetReport> {
  const listed = await target.client.get(
    target.host,
    '/api/v1/metrics',
    settings.timeoutMs,
    options.signal,
  );
  if (!listed.ok && isVictoriaMetricsRefusal(listed.status, listed.error)) {
    throw new SweepOptionsError(messages.victoriaMetricsTarget(target.url));
  }
  const now = Date.now() / 1000;
  let groups: ListedGroup[];
  try {
    if (!listed.ok || !listed.body) throw new Error(listed.error ?? messages.noAnswer());
    groups = parseGroupListing(listed.body);
  } catch (e) {
    return {
      target: target.url,
      ok: false,
      error: (e as Error).message,
      groups: [],
      conflicts: {},
    };
  }
  const conflicts = findTypeConflicts(groups);
  const plans = groups.map((group, index) =>
    plan(group, now, options, conflicts.byGroup.get(index)),
  );
  const swept = await runLimited(plans, DELETES_IN_FLIGHT, async (p): Promise<SweptGroup> => {
    if (!p.remove || options.dryRun) return p.group;
    const { job, ...rest } = p.group.labels;
    const path = groupingPath(job, rest);
    const result = await target.client.send(
      'DELETE',
      target.host,
      path,
      undefined,
      settings.timeoutMs,
    );
    return result.ok
      ? { ...p.group, action: 'deleted' }
      : {
          ...p.group,
          action: 'delete-failed',
          reason: messages.deleteFailed(p.group.reason, result.error),
        };
  });
  return { target: target.url, ok: true, groups: swept, conflicts: conflicts.byName };
}

function plan(
  group: ListedGroup,
  now: number,
  options: SweepOptions,
  conflicting: readonly string[] | undefined,
): { group: SweptGroup; remove: boolean } {
  const ageSeconds = group.lastPushSeconds === undefined ? undefined : now - group.lastPushSeconds;
  const base = {
    labels: group.labels,
    lastPushSeconds: group.lastPushSeconds,
    ageSeconds,
    ownGroup: group.own,
  };
  const dryAction = options.dryRun ? 'would-delete' : 'deleted';
  if (conflicting) {
    const reason = messages.conflictingGroup(conflicting);
    return options.deleteConflicts
      ? { group: { ...base, action: dryAction, reason }, remove: true }
      : { group: { ...base, action: 'conflict', reason }, remove: false };
  }
  if (!group.own && !options.all) {
    return {
      group: { ...base, action: 'foreign', reason: messages.foreignGroup() },
      remove: false,
    };
  }
  // Never delete what cannot be aged: a group with no successful push time is kept.
  if (ageSeconds === undefined || ageSeconds <= options.ttlSeconds) {
    const reason = ageSeconds === undefined ? messages.noPushTime() : messages.freshGroup();
    return { group: { ...base, action: 'kept', reason }, remove: false };
  }
  return { group: { ...base, action: dryAction, reason: messages.staleGroup() }, remove: true };
}

async function runLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
