import { PROMETHEUS_HOST, PROMETHEUS_PORT, SCRAPE_JOB } from './config';
import { getJson } from './http';

/** What Prometheus saw of one cache pod over a window. */
export interface ScrapeFigures {
  /** Longest scrape of the cache pod, in seconds. */
  readonly scrapeMaxSeconds: number | null;
  /** Scrapes that failed (up = 0). */
  readonly scrapesFailed: number | null;
  /** Pushes the Pushgateway itself counted as handled, per second (it handles timed-out ones too). */
  readonly handledPerSecond: number | null;
}

interface VectorAnswer {
  status?: string;
  data?: { result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

/** Evaluates `query` at `atSeconds`; the value of each series by its `instance`. */
async function instantByInstance(query: string, atSeconds: number): Promise<Map<string, number>> {
  const url = new URL(`http://${PROMETHEUS_HOST}:${PROMETHEUS_PORT}/api/v1/query`);
  url.searchParams.set('query', query);
  url.searchParams.set('time', atSeconds.toFixed(3));
  const answer = (await getJson(url.toString(), 10_000)) as VectorAnswer;
  const out = new Map<string, number>();
  for (const r of answer.data?.result ?? []) {
    const instance = r.metric?.instance;
    const value = Number(r.value?.[1]);
    if (instance !== undefined && Number.isFinite(value)) out.set(instance, value);
  }
  return out;
}

/**
 * Scrape durations, failed scrapes and pushes handled per cache pod over the `windowSeconds`
 * that end at `endMs`. A query that fails leaves its figure null rather than failing the scenario.
 */
export async function scrapeFigures(
  instances: readonly string[],
  windowSeconds: number,
  endMs: number,
): Promise<Map<string, ScrapeFigures>> {
  const w = `${Math.round(windowSeconds)}s`;
  const sel = `job="${SCRAPE_JOB}"`;
  const at = endMs / 1000;
  const ask = (q: string): Promise<Map<string, number>> =>
    instantByInstance(q, at).catch(() => new Map<string, number>());
  const [duration, failed, handled] = await Promise.all([
    ask(`max_over_time(scrape_duration_seconds{${sel}}[${w}])`),
    ask(`count_over_time(up{${sel}}[${w}]) - sum_over_time(up{${sel}}[${w}])`),
    ask(`rate(pushgateway_http_push_duration_seconds_count{${sel},method="put"}[${w}])`),
  ]);
  const out = new Map<string, ScrapeFigures>();
  for (const instance of instances)
    out.set(instance, {
      scrapeMaxSeconds: duration.get(instance) ?? null,
      scrapesFailed: failed.get(instance) ?? null,
      handledPerSecond: handled.get(instance) ?? null,
    });
  return out;
}
