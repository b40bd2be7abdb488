import { logTail } from './children';
import { CACHE_TARGET, VMAGENT_ADDRESSES, VMAGENT_TARGET, type Plan } from './config';
import { Fleet } from './fleet';
import type { PodLog } from './pod-log';
import type { ScenarioResult } from './results';
import {
  startPushgateways,
  startVictoriaMetrics,
  startVmagents,
  stopAll,
  stopPushgateways,
} from './servers';
import { SweeperSidecar } from './sidecar';
import { sleep } from '../support/stats';
import { rowsWhenDrained, seriesStored } from './store';
import { measureWindow, windowFigures, type WindowReadings } from './window';

/** What every scenario needs. */
export interface RunContext {
  readonly plan: Plan;
  readonly podLog: PodLog;
}

/** What every scenario's result holds: who it is, its window and times, and the figures of it. */
function resultOf(
  id: Pick<ScenarioResult, 'name' | 'kind' | 'pods' | 'consistencyCheck'>,
  R: number,
  readings: WindowReadings,
  startedMs: number,
  figures: Pick<ScenarioResult, 'cache' | 'app'>,
): ScenarioResult {
  return {
    ...id,
    pushRateSeconds: R,
    windowSeconds: readings.seconds,
    startedAt: new Date(startedMs).toISOString(),
    durationSeconds: (Date.now() - startedMs) / 1000,
    ...figures,
  };
}

/**
 * A fleet of `pods` app pods pushing to freshly started cache pods, with the consistency check
 * on or off: one interval so every group exists everywhere, then the measurement window.
 */
export async function runSteady(
  ctx: RunContext,
  pods: number,
  consistencyCheck: boolean,
): Promise<ScenarioResult> {
  const { plan } = ctx;
  const R = plan.pushRateSeconds;
  const name = `N=${pods}, check ${consistencyCheck ? 'on' : 'off'}`;
  const started = Date.now();
  ctx.podLog.note(name);
  const cachePods = await startPushgateways(consistencyCheck);
  const fleet = new Fleet(R, CACHE_TARGET);
  try {
    fleet.spawn(pods, 0);
    await sleep(plan.warmupSeconds * 1000);
    const readings = await measureWindow({ cachePods, seconds: R * plan.windowIntervals });
    await fleet.stop();
    const figures = await windowFigures(readings, fleet, pods, R);
    return resultOf(
      { name, kind: 'steady', pods, consistencyCheck },
      R,
      readings,
      started,
      figures,
    );
  } finally {
    await fleet.stop();
    await stopPushgateways(cachePods);
  }
}

/**
 * Rollouts: `plan.churn.pods` live pods, a share of them replaced by new ones (new job names)
 * every interval, the old ones killed without a final push, so their groups stay behind,
 * with the consistency check on (Debian's default). With `sweeper`, a sidecar sweeps each cache
 * pod every interval, deleting groups not pushed for three intervals.
 */
export async function runChurn(ctx: RunContext, sweeper: boolean): Promise<ScenarioResult> {
  const { plan } = ctx;
  const R = plan.pushRateSeconds;
  const { pods, intervals, share } = plan.churn;
  const name = `churn ${pods} pods, ${sweeper ? 'sweeper' : 'no sweeper'}`;
  const started = Date.now();
  ctx.podLog.note(name);
  const cachePods = await startPushgateways(true);
  const fleet = new Fleet(R, CACHE_TARGET);
  let sidecar: SweeperSidecar | undefined;
  try {
    const windowSeconds = intervals * R;
    if (sweeper) {
      const limitMs = (plan.warmupSeconds + windowSeconds + 60) * 1000;
      sidecar = SweeperSidecar.start(3 * R, R * 1000, limitMs);
    }
    fleet.spawn(pods, 0);
    await sleep(plan.warmupSeconds * 1000);
    const perRollout = Math.round(pods * share);
    let rollout = 0;
    const readings = await measureWindow({
      cachePods,
      extra: sidecar?.child,
      seconds: windowSeconds,
      onSecond: async (second) => {
        if (second % Math.round(R) !== 0) return;
        rollout++;
        await fleet.killRandom(perRollout);
        fleet.spawn(perRollout, rollout);
      },
    });
    await fleet.stop();
    // Stopped before the groups are counted, so that no pass deletes any while they are.
    await sidecar?.stop();
    const figures = await windowFigures(readings, fleet, pods, R);
    const sweeps = sidecar?.figures(readings.startMs, readings.endMs, readings.extraCpuSeconds);
    let error: string | undefined;
    if (sidecar && sweeps?.passes === 0)
      error = `the sweeper sidecar made no pass: ${sidecar.firstError ?? logTail(sidecar.child, 8)}`;
    return {
      ...resultOf(
        { name, kind: 'churn', pods, consistencyCheck: true },
        R,
        readings,
        started,
        figures,
      ),
      sweeper,
      podsStarted: fleet.started,
      ...(sweeps ? { sweeps } : {}),
      ...(error ? { error } : {}),
    };
  } finally {
    await fleet.stop();
    await sidecar?.stop();
    await stopPushgateways(cachePods);
  }
}

/**
 * A fleet of `pods` app pods pushing with `pushProtocol: 'victoriametrics'` to two freshly
 * started vmagents, which remote-write to a fresh VictoriaMetrics: the same warm-up and window
 * as {@link runSteady}, then what reached the store, read once the vmagents have forwarded all.
 */
export async function runVmagent(ctx: RunContext, pods: number): Promise<ScenarioResult> {
  const { plan } = ctx;
  const R = plan.pushRateSeconds;
  const name = `N=${pods}, vmagent`;
  const started = Date.now();
  ctx.podLog.note(name);
  const store = await startVictoriaMetrics();
  const vmagents = await startVmagents().catch(async (error: unknown) => {
    await stopAll([store]);
    throw error;
  });
  const fleet = new Fleet(R, VMAGENT_TARGET);
  try {
    fleet.spawn(pods, 0);
    await sleep(plan.warmupSeconds * 1000);
    const readings = await measureWindow({
      cachePods: vmagents,
      extra: store,
      seconds: R * plan.windowIntervals,
    });
    const seriesByJob = await fleet.seriesByJob();
    await fleet.stop();
    const figures = await windowFigures(readings, fleet, pods, R, VMAGENT_ADDRESSES);
    // Every push of the scenario, warm-up included: the store has had them all.
    let samplesExpected = 0;
    for (const r of fleet.reports) {
      const series = seriesByJob.get(r.job);
      if (r.report.kind === 'push' && series)
        samplesExpected += r.report.succeeded * (r.first ? series.first : series.now);
    }
    const samplesSeen = await rowsWhenDrained().catch(() => null);
    const seriesSeen = await seriesStored().catch(() => null);
    return {
      ...resultOf(
        { name, kind: 'vmagent', pods, consistencyCheck: false },
        R,
        readings,
        started,
        figures,
      ),
      store: {
        seriesExpected: [...seriesByJob.values()].reduce((a, b) => a + b.now, 0),
        seriesSeen,
        samplesExpected,
        samplesSeen,
        cpuCores: (readings.extraCpuSeconds ?? NaN) / readings.seconds,
        rssMb: readings.extraRssMb,
      },
    };
  } finally {
    await fleet.stop();
    await stopAll([...vmagents, store], 2000);
  }
}
