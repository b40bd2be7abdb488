import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Registry } from 'prom-client';
import {
  METRICS_REGISTRY,
  PUSH_INTERVAL_NAME,
  RESOLVED_METRICS_OPTIONS,
  LOGGER_CONTEXT,
} from '../metrics.constants';
import * as messages from './pusher.messages';
import { MetricsOptionsError } from '../options/metrics-options.error';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { promiseTimeout } from '../utils/promise-timeout';
import { FailureLog } from './failure-log';
import { claimGroup, releaseGroup } from './group-claims';
import { PushClient } from './push-client';
import { PushMetrics } from './push-metrics';
import type {
  DiscoveryResult,
  PushReport,
  TargetResult,
} from '../interfaces/push-report.interface';
import { pushRequests, type PushRequests } from './push-requests';
import { serialiseRegistry } from '../serialiser/serialise-registry';
import { TargetDiscovery } from './target-discovery';

/**
 * Pushes the registry to every metrics cache pod: each cycle resolves the headless Service,
 * serialises the registry once (in slices that yield to the event loop, so a large registry does
 * not stall the app) and sends it to all pods concurrently, each request with its own timeout,
 * so one slow or dead pod never delays the others. With `pushProtocol: 'victoriametrics'` the
 * same series go by `POST` to every vmagent's import API instead (push-requests.ts). Cycles never
 * overlap, and the app's shutdown ends with one final, bounded push (or a delete of the app's
 * group).
 * Never throws into the app: failures are logged and counted in the pusher's own metrics.
 */
@Injectable()
export class MetricsPusher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly discovery: TargetDiscovery;
  private readonly client: PushClient;
  private readonly selfMetrics: PushMetrics;
  private readonly requests: PushRequests;
  private readonly claim: string | undefined;
  private readonly failures = new FailureLog();
  private inFlight: Promise<PushReport> | undefined;
  private report: PushReport | undefined;
  private lastTargets = '';
  private stopped = false;

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly schedulerRegistry: SchedulerRegistry,
  ) {
    this.discovery = new TargetDiscovery({
      serviceName: options.serviceName,
      dnsServers: options.dnsServers,
      timeoutMs: options.dnsTimeoutMs,
    });
    this.client = new PushClient(options);
    this.selfMetrics = new PushMetrics(registry, options.app, options.pushRateSeconds);
    this.requests = pushRequests(options);
    if (options.pushEnabled) {
      const path = this.requests.path;
      const claim = `${options.scheme}://${options.serviceName}:${options.podPort}${path}`;
      if (!claimGroup(claim)) {
        throw new MetricsOptionsError(
          'job',
          'HOSTNAME',
          messages.groupClash(path, options.serviceName),
        );
      }
      this.claim = claim;
    }
  }

  /** The report of the last finished cycle, if any. */
  get lastReport(): PushReport | undefined {
    return this.report;
  }

  /** Metrics cache pods found by the last successful resolution. */
  get targets(): readonly string[] {
    return this.discovery.targets;
  }

  /** Starts the push interval once the app is up; warns once when pushing is off by default. */
  onApplicationBootstrap(): void {
    if (!this.options.pushEnabled) {
      // Off for want of a service name, not by choice: say so once, naming the settings.
      if (this.options.sources.pushEnabled === 'default') this.logger.warn(messages.pushingOff);
      return;
    }
    if (this.options.deleteOnShutdown && !this.requests.deletes) {
      this.logger.warn(messages.nothingToDelete(this.options.pushProtocol));
    }
    const timer = setInterval(() => this.tick(), this.options.pushRateSeconds * 1000);
    this.schedulerRegistry.addInterval(PUSH_INTERVAL_NAME, timer);
  }

  /**
   * Pushes now, after any cycle under way, and resolves with the report. Never rejects.
   * Works also with `pushEnabled: false` (e.g. for a manual push in a script) when a service name
   * is set; without one nothing is sent, and the report says `skipped: 'no-service-name'` with
   * `ok: true`: an intended skip, not a failure.
   */
  pushNow(): Promise<PushReport> {
    if (this.options.serviceName === '') return Promise.resolve(skippedReport());
    return this.exclusive(() => this.cycle('push', this.options.pushTimeoutMs));
  }

  /** Stops the interval, then makes one final push (or group delete) bounded by `shutdownTimeoutMs`. */
  async onApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.schedulerRegistry.doesExist('interval', PUSH_INTERVAL_NAME)) {
      this.schedulerRegistry.deleteInterval(PUSH_INTERVAL_NAME);
    }
    if (this.options.pushEnabled) {
      const kind = this.options.deleteOnShutdown && this.requests.deletes ? 'delete' : 'push';
      const timeoutMs = Math.min(this.options.pushTimeoutMs, this.options.shutdownTimeoutMs);
      const final = this.exclusive(() => this.cycle(kind, timeoutMs));
      // A cycle never rejects: only the deadline ends this wait early, with no report.
      const report = await promiseTimeout(this.options.shutdownTimeoutMs, final).catch(
        () => undefined,
      );
      if (report)
        this.logger.log(
          messages.shutdownPush(report.succeeded, report.targets.length, kind === 'delete'),
        );
      else
        this.logger.warn(
          messages.shutdownPush(0, this.discovery.targets.length, kind === 'delete'),
        );
    }
    this.client.close();
    if (this.claim !== undefined) releaseGroup(this.claim);
  }

  private tick(): void {
    if (this.inFlight) {
      this.selfMetrics.recordSkipped();
      this.logger.warn(messages.cycleSkipped(this.options.pushRateSeconds));
      return;
    }
    void this.pushNow();
  }

  private exclusive(work: () => Promise<PushReport>): Promise<PushReport> {
    const previous = this.inFlight ?? Promise.resolve(undefined);
    const next = previous.then(work);
    this.inFlight = next;
    void next.finally(() => {
      if (this.inFlight === next) this.inFlight = undefined;
    });
    return next;
  }

  private async cycle(kind: PushReport['kind'], timeoutMs: number): Promise<PushReport> {
    const startedAt = new Date();
    const started = performance.now();
    const discovery = await this.discovery.discover();
    this.logDiscovery(discovery);
    let body: Buffer | undefined;
    let error: string | undefined;
    if (kind === 'push') {
      try {
        const serialised = await serialiseRegistry(this.registry, this.requests.serialising);
        body = Buffer.from(serialised, 'utf8');
      } catch (e) {
        error = messages.serialiseFailed((e as Error).message);
        this.logger.error(error);
      }
    }
    const method = kind === 'push' ? this.requests.method : 'DELETE';
    const targets: TargetResult[] =
      error === undefined
        ? await Promise.all(
            discovery.targets.map((a) =>
              this.client.send(method, a, this.requests.path, body, timeoutMs),
            ),
          )
        : [];
    const succeeded = targets.filter((t) => t.ok).length;
    const report: PushReport = {
      kind,
      startedAt,
      durationMs: performance.now() - started,
      bytes: body?.length ?? 0,
      discovery,
      targets,
      succeeded,
      ok: succeeded > 0,
      ...(error === undefined ? {} : { error }),
    };
    this.logTargets(targets);
    this.selfMetrics.recordCycle(report, discovery.errorReason);
    this.report = report;
    return report;
  }

  /** Logs a DNS failure when it starts, once a minute while it lasts, and when it ends. */
  private logDiscovery(discovery: DiscoveryResult): void {
    const name = this.options.serviceName;
    const note = this.failures.record(DNS, discovery.source === 'dns');
    if (discovery.source !== 'dns') {
      if (note === undefined) return;
      const reason = discovery.error ?? 'unknown';
      const kept = discovery.targets.length;
      this.logger.warn(
        note.kind === 'lasting'
          ? messages.dnsStillFailing(name, reason, kept, this.resolver(), note.cycles, note.since)
          : messages.dnsFailed(name, reason, kept, this.resolver()),
      );
      return;
    }
    const key = discovery.targets.join(',');
    if (note?.kind === 'ended')
      this.logger.log(messages.dnsRecovered(name, note.cycles, discovery.targets));
    else if (key !== this.lastTargets)
      this.logger.log(messages.targetsChanged(name, discovery.targets));
    this.lastTargets = key;
  }

  /** The resolver a DNS failure names: the servers asked, and the option that chose them. */
  private resolver(): string {
    return messages.dnsResolver(
      this.discovery.servers,
      this.options.dnsServers === undefined,
      this.options.sources.dnsServers === 'env',
    );
  }

  /** Logs a pod's failure when it starts, once a minute while it lasts, and when it ends. */
  private logTargets(targets: readonly TargetResult[]): void {
    for (const t of targets) {
      const note = this.failures.record(t.address, t.ok);
      if (note?.kind === 'started')
        this.logger.warn(messages.pushFailed(t.address, t.error ?? 'unknown'));
      else if (note?.kind === 'lasting')
        this.logger.warn(
          messages.pushStillFailing(t.address, t.error ?? 'unknown', note.cycles, note.since),
        );
      else if (note?.kind === 'ended')
        this.logger.log(messages.pushRecovered(t.address, note.cycles));
    }
  }
}

/** Key of the DNS failures in the failure log, beside the pods' addresses: no address looks like it. */
const DNS = 'dns';

/**
 * The report of a push with no metrics cache configured: nothing resolved, nothing sent, and
 * `ok`, as nothing failed: pushing is off on purpose (a developer's machine).
 */
function skippedReport(): PushReport {
  return {
    kind: 'push',
    startedAt: new Date(),
    durationMs: 0,
    bytes: 0,
    discovery: { targets: [], source: 'none' },
    targets: [],
    succeeded: 0,
    ok: true,
    skipped: 'no-service-name',
  };
}
