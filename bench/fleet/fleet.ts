import type { PushReport } from '../../lib/interfaces/push-report.interface';
import type { PushTarget } from './config';
import { APPS, FleetPod } from './pods';
import { seededRandom } from '../support/stats';

/** A push cycle's report, with when it ended (ms since the epoch). */
export interface RecordedReport {
  readonly job: string;
  readonly endMs: number;
  readonly report: PushReport;
  /** The pod's first push cycle. */
  readonly first: boolean;
}

/**
 * The simulated app pods of one scenario: creates them with jittered starts, drives their
 * counting with one timer, kills them, and keeps every push report they make.
 */
export class Fleet {
  readonly reports: RecordedReport[] = [];
  private readonly live = new Map<string, FleetPod>();
  private readonly random = seededRandom(20_261_126);
  private readonly counter: NodeJS.Timeout;
  private serial = 0;
  /** Pods ever started, live or killed. */
  started = 0;

  constructor(
    private readonly pushRateSeconds: number,
    private readonly target: PushTarget,
  ) {
    // One timer for every pod: thousands of timers would cost the app process more than counting.
    this.counter = setInterval(() => {
      for (const pod of this.live.values()) pod.count();
    }, 1000);
  }

  /** Live pods. */
  get size(): number {
    return this.live.size;
  }

  /**
   * Starts `count` new pods, named like the pods of one rollout (`orders-7d9f-00042`), each
   * after a random delay in [0, R).
   */
  spawn(count: number, rollout: number): void {
    const hash = (0x7d9f + rollout * 0x1b3).toString(16).slice(-4);
    for (let i = 0; i < count; i++) {
      const n = this.serial++;
      const app = APPS[n % APPS.length];
      const job = `${app}-${hash}-${String(n).padStart(5, '0')}`;
      const pod = new FleetPod(app, job, this.pushRateSeconds, this.target, (p, report) =>
        this.reports.push({
          job: p.job,
          endMs: report.startedAt.getTime() + report.durationMs,
          report,
          first: report.kind === 'push' && p.pushesReported === 0,
        }),
      );
      this.live.set(job, pod);
      this.started++;
      pod.start(this.random() * this.pushRateSeconds * 1000);
    }
  }

  /** Kills `count` live pods picked at random (a rollout replacing them). */
  async killRandom(count: number): Promise<void> {
    const jobs = [...this.live.keys()];
    const victims: FleetPod[] = [];
    for (let i = 0; i < count && jobs.length > 0; i++) {
      const [job] = jobs.splice(Math.floor(this.random() * jobs.length), 1);
      const pod = this.live.get(job);
      if (pod) victims.push(pod);
      this.live.delete(job);
    }
    await Promise.all(victims.map((pod) => pod.kill()));
  }

  /**
   * Series each live pod holds now (read one pod at a time), and held at its first push, by job.
   */
  async seriesByJob(): Promise<Map<string, { now: number; first: number }>> {
    const out = new Map<string, { now: number; first: number }>();
    for (const [job, pod] of this.live) {
      const now = await pod.series();
      out.set(job, { now, first: pod.seriesAtFirstPush ?? now });
    }
    return out;
  }

  /** Reports of the cycles that ended in [fromMs, toMs). */
  reportsBetween(fromMs: number, toMs: number): RecordedReport[] {
    return this.reports.filter((r) => r.endMs >= fromMs && r.endMs < toMs);
  }

  /** Kills every pod and stops counting. */
  async stop(): Promise<void> {
    clearInterval(this.counter);
    const pods = [...this.live.values()];
    this.live.clear();
    await Promise.all(pods.map((pod) => pod.kill()));
  }
}
