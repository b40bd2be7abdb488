import type { ScenarioResult } from './results';
import { cpuMsPerPush, fmt, markdownRows, rssKbPerAppPod } from './row-figures';

/** A vmagent row beside the Pushgateway row (consistency check off) of the same fleet size. */
export interface Comparison {
  readonly pods: number;
  readonly vmagentCpuMsPerPush: number | null;
  readonly pushgatewayCpuMsPerPush: number | null;
  /** vmagent / Pushgateway; null without a Pushgateway row of that size. */
  readonly cpuRatio: number | null;
  /** Resident memory of the two vmagents, and of the three Pushgateways, KB per app pod. */
  readonly vmagentKbPerAppPod: number | null;
  readonly pushgatewayKbPerAppPod: number | null;
  readonly memoryRatio: number | null;
}

const known = (n: number): number | null => (Number.isFinite(n) ? n : null);
const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : a / b;

/** One comparison per vmagent row that ran. */
export function compareVmagent(scenarios: readonly ScenarioResult[]): Comparison[] {
  const ran = scenarios.filter((s) => !s.error && s.cache.length > 0);
  return ran
    .filter((s) => s.kind === 'vmagent')
    .map((v) => {
      const pg = ran.find((s) => s.kind === 'steady' && !s.consistencyCheck && s.pods === v.pods);
      const vCpu = known(cpuMsPerPush(v));
      const pCpu = pg ? known(cpuMsPerPush(pg)) : null;
      const vMem = known(rssKbPerAppPod(v));
      const pMem = pg ? known(rssKbPerAppPod(pg)) : null;
      return {
        pods: v.pods,
        vmagentCpuMsPerPush: vCpu,
        pushgatewayCpuMsPerPush: pCpu,
        cpuRatio: ratio(vCpu, pCpu),
        vmagentKbPerAppPod: vMem,
        pushgatewayKbPerAppPod: pMem,
        memoryRatio: ratio(vMem, pMem),
      };
    });
}

const HEAD = [
  'N',
  'samples into the store: expected / seen',
  'series in the store: expected / seen',
  'VictoriaMetrics CPU cores',
  'VictoriaMetrics RSS MB',
  'CPU ms/push: vmagent / PG (check off)',
  'RSS KB per app pod: vmagent / PG (check off)',
];

/** The vmagent rows' store figures and their ratios to the Pushgateway, as a markdown table. */
export function vmagentTable(
  scenarios: readonly ScenarioResult[],
  comparisons: readonly Comparison[],
): string {
  const rows = scenarios
    .filter((s) => s.kind === 'vmagent' && !s.error && s.store)
    .map((s) => {
      const st = s.store;
      const c = comparisons.find((x) => x.pods === s.pods);
      const pair = (a: number | null, b: number | null, r: number | null): string =>
        `${fmt(a ?? NaN)} / ${b === null ? 'no row' : fmt(b)}${r === null ? '' : ` = ${fmt(r)}`}`;
      return [
        String(s.pods),
        `${st?.samplesExpected ?? '?'} / ${st?.samplesSeen ?? '?'}`,
        `${st?.seriesExpected ?? '?'} / ${st?.seriesSeen ?? '?'}`,
        fmt(st?.cpuCores ?? NaN),
        fmt(st?.rssMb ?? NaN),
        pair(
          c?.vmagentCpuMsPerPush ?? null,
          c?.pushgatewayCpuMsPerPush ?? null,
          c?.cpuRatio ?? null,
        ),
        pair(
          c?.vmagentKbPerAppPod ?? null,
          c?.pushgatewayKbPerAppPod ?? null,
          c?.memoryRatio ?? null,
        ),
      ];
    });
  if (rows.length === 0) return '';
  const notes = [
    '- samples: of every push a vmagent accepted in the scenario (each push goes to both vmagents, so each sample reaches the store twice and its dedup keeps one), × the series the pushing pod held (at its first push for the first, the pusher\'s own metrics coming after it; at the end of the window for the others); seen: vm_rows_inserted_total{type="promremotewrite"} of the store once the vmagents had forwarded everything. series: the app pods\' series summed / /api/v1/series/count of the store.',
    "- CPU ms/push: the cache pods' CPU over the window / the pushes they accepted (two vmagents, or three Pushgateways); RSS per app pod: the cache pods' resident memory summed / N. The store's CPU and memory come on top of the vmagents'.",
  ];
  return [markdownRows(HEAD, rows), '', ...notes].join('\n');
}
