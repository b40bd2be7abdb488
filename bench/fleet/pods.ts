import { SchedulerRegistry } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from '../../lib/metrics.options';
import { MetricsPusher } from '../../lib/pusher/metrics.pusher';
import type { PushReport } from '../../lib/interfaces/push-report.interface';
import { DNS_HOST, DNS_PORT, type PushTarget } from './config';

/** The apps the simulated pods belong to (the `app` label). */
export const APPS: readonly string[] = ['orders', 'payments', 'billing', 'shipping', 'inventory'];
const TOPIC_KINDS = ['events', 'commands', 'audit', 'retries', 'dead-letters'];
const EXCEPTIONS = ['KafkaJSNumberOfRetriesExceeded', 'ValidationError'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The module's pusher, unchanged, also handing every cycle's report to the bench. */
class ReportingPusher extends MetricsPusher {
  constructor(
    options: ResolvedMetricsOptions,
    registry: Registry,
    scheduler: SchedulerRegistry,
    private readonly onReport: (report: PushReport) => void,
  ) {
    super(options, registry, scheduler);
  }

  // The interval's tick calls pushNow(): every push cycle of the pod passes here.
  override pushNow(): Promise<PushReport> {
    const cycle = super.pushNow();
    void cycle.then(this.onReport);
    return cycle;
  }
}

/**
 * One app pod: its own registry, `MetricsManager` and `MetricsPusher`, built as the module
 * builds them, counting on five topics and two exception types and pushing through the
 * module's own serialise-and-push path to every pod the target's headless name resolves to
 * (Pushgateways, or vmagents with `pushProtocol: 'victoriametrics'`).
 */
export class FleetPod {
  readonly manager: MetricsManager;
  private readonly options: Mutable<ResolvedMetricsOptions>;
  private readonly pusher: ReportingPusher;
  private readonly registry = new Registry();
  private readonly topics: string[];
  private startTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private alive = true;
  /** Series the registry held when the first push was made: the pusher's own come after it. */
  seriesAtFirstPush: number | undefined;
  /** Push cycles reported so far. */
  pushesReported = 0;

  constructor(
    readonly app: string,
    readonly job: string,
    pushRateSeconds: number,
    target: PushTarget,
    onReport: (pod: FleetPod, report: PushReport) => void,
  ) {
    // A copy the bench may change: kill() turns pushEnabled off before the shutdown hook.
    this.options = {
      ...resolveMetricsOptions(
        {
          job,
          app,
          serviceName: target.serviceName,
          dnsServers: [`${DNS_HOST}:${DNS_PORT}`],
          podPort: target.podPort,
          pushProtocol: target.pushProtocol,
          pushRateSeconds,
          deleteOnShutdown: false,
        },
        {},
      ),
    };
    const registry = this.registry;
    this.manager = new MetricsManager(this.options, registry);
    // A SchedulerRegistry of its own: each pod's interval has the module's one interval name.
    this.pusher = new ReportingPusher(this.options, registry, new SchedulerRegistry(), (r) => {
      if (!this.alive) return;
      onReport(this, r);
      if (r.kind === 'push') this.pushesReported++;
    });
    this.topics = TOPIC_KINDS.map((kind) => `${app}.${kind}.v1`);
    this.count(); // every series exists from the first push on
  }

  /**
   * Starts pushing after `delayMs` (the jitter of pods started at different times): one push at
   * once, as a pod running for a while would be due at a random moment, then the module's own
   * interval (onApplicationBootstrap), whose first tick comes one interval later.
   */
  start(delayMs: number): void {
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      if (!this.alive) return;
      // Read before the push: no count is made in between, so it is what the first body holds.
      void this.series().then((n) => {
        this.seriesAtFirstPush = n;
        if (!this.alive) return;
        void this.pusher.pushNow();
        this.pusher.onApplicationBootstrap();
      });
    }, delayMs);
  }

  /** One second of traffic: every count grows, so each push carries new values. */
  count(): void {
    const t = ++this.ticks;
    for (let i = 0; i < this.topics.length; i++) {
      this.manager.incMessagesConsumed(this.topics[i], 1 + ((t + i) % 7));
      this.manager.incMessagesProduced(this.topics[i], 1 + ((t + i) % 3));
    }
    this.manager.incMessageErrorsOfType(EXCEPTIONS[0]);
    if (t % 5 === 1) this.manager.incMessageErrorsOfType(EXCEPTIONS[1]);
  }

  /** Series the pod's registry holds now: the samples one push of it carries. */
  async series(): Promise<number> {
    const text = await this.registry.metrics();
    let n = 0;
    for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) n++;
    return n;
  }

  /**
   * Ends the pod as a killed pod ends: no final push, so its group stays on every cache pod.
   * With pushEnabled off, the module's shutdown hook only stops the interval and closes the
   * pod's kept-alive connections, as the kernel would for a killed process. A cycle in flight
   * fails; its report is dropped, as the pod is gone.
   */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.alive = false;
    clearTimeout(this.startTimer);
    this.options.pushEnabled = false;
    await this.pusher.onApplicationShutdown();
  }
}
