import type { ProcSample } from './measure';

/** One cache pod (a Pushgateway, or a vmagent on the vmagent rows) over one measurement window. */
export interface CachePodFigures {
  readonly address: string;
  /** Pushes the app pods saw accepted (2xx) in the window, and per second. */
  readonly accepted: number;
  readonly acceptedPerSecond: number;
  /** Pushes the app pods saw fail, and why (`timeout`, `refused`, `http_<status>`, ...). */
  readonly failed: number;
  readonly failedByReason: Readonly<Record<string, number>>;
  /** App-seen time of one push to this pod (accepted and failed), ms. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** CPU the Pushgateway used in the window: seconds, cores (seconds / window). */
  readonly cpuSeconds: number;
  readonly cpuCores: number;
  /** CPU per accepted push, ms; null when none was accepted. */
  readonly cpuMsPerPush: number | null;
  /** Pushes the Pushgateway counted as handled, per second (from Prometheus); includes timed-out ones. */
  readonly handledPerSecond: number | null;
  /** CPU per push it handled, ms: the cost of a push even when the apps had given up on it. */
  readonly cpuMsPerHandledPush: number | null;
  /** Resident memory at the end of the window, and the most seen in it, MB. */
  readonly rssMb: number;
  readonly rssMaxMb: number;
  /** Groups and series held after the window; null when they could not be read (or a vmagent). */
  readonly groups: number | null;
  readonly series: number | null;
  /** Longest scrape by Prometheus in the window, s, and failed scrapes. */
  readonly scrapeMaxSeconds: number | null;
  readonly scrapesFailed: number | null;
  /** One reading a second, for the JSON. */
  readonly samples: readonly ProcSample[];
}

/** The app process (every simulated pod) over the window. */
export interface AppFigures {
  /** Push cycles that ended in the window, and how many the pods' intervals called for. */
  readonly cycles: number;
  readonly cyclesExpected: number;
  /** CPU of this node process (process.cpuUsage): cores, and ms per push cycle (3 PUTs). */
  readonly cpuCores: number;
  readonly cpuMsPerCycle: number | null;
  /** Mean push body, bytes. */
  readonly bytesPerPush: number | null;
}

/** The sweeper sidecar over the window (churn with a sweeper). */
export interface SweeperFigures {
  readonly passes: number;
  readonly deleted: number;
  readonly failed: number;
  /** Mean time of one pass over one cache pod, ms. */
  readonly meanPassMs: number | null;
  readonly cpuCores: number;
}

/** What reached VictoriaMetrics through the two vmagents, and what it cost (vmagent rows). */
export interface StoreFigures {
  /** Series the app pods held at the end of the window, summed, and series the store holds. */
  readonly seriesExpected: number;
  readonly seriesSeen: number | null;
  /**
   * Samples of every push the vmagents accepted in the scenario (each push reaches both, so
   * every sample arrives twice; the store's dedup keeps one), and the samples the store took in
   * by remote write once the vmagents had forwarded everything.
   */
  readonly samplesExpected: number;
  readonly samplesSeen: number | null;
  /** VictoriaMetrics' CPU over the window in cores, and its resident memory at the end, MB. */
  readonly cpuCores: number;
  readonly rssMb: number | null;
}

/**
 * One scenario: a fleet size with the check on or off, churn with or without a sweeper, or a
 * fleet size pushing to the two vmagents (`vmagent`; `consistencyCheck` is false there).
 */
export interface ScenarioResult {
  readonly name: string;
  readonly kind: 'steady' | 'churn' | 'vmagent';
  /** Live app pods. */
  readonly pods: number;
  readonly consistencyCheck: boolean;
  /** Churn only: whether the sweeper ran. */
  readonly sweeper?: boolean;
  readonly pushRateSeconds: number;
  readonly windowSeconds: number;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly cache: readonly CachePodFigures[];
  readonly app?: AppFigures;
  readonly sweeps?: SweeperFigures;
  readonly store?: StoreFigures;
  /** Churn only: pods started in all, and live at the end (the groups a perfect sweeper leaves). */
  readonly podsStarted?: number;
  /** Set when the scenario could not run. */
  readonly error?: string;
}
