// Reads a Pushgateway's groups through its API, as the sweeper does, but on its own: tests
// check what the sweeper left with this, not with the sweeper's own parsing.
import { PUSHGATEWAY_PORT } from './stack-config';

/** One group's grouping labels and its last push time, in seconds. */
export interface GroupOnGateway {
  labels: Record<string, string>;
  pushTime: number;
}

/** Every group a Pushgateway holds; `base` is `http://addr:port`, the stack's port by default. */
export async function groupsOn(addrOrBase: string): Promise<GroupOnGateway[]> {
  const base = addrOrBase.startsWith('http')
    ? addrOrBase
    : `http://${addrOrBase}:${PUSHGATEWAY_PORT}`;
  const response = await fetch(`${base}/api/v1/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${base}/api/v1/metrics: HTTP ${response.status}`);
  const body = (await response.json()) as {
    data: Array<{
      labels: Record<string, string>;
      push_time_seconds: { metrics: Array<{ value: string }> };
    }>;
  };
  return body.data.map((g) => ({
    labels: g.labels,
    pushTime: Number(g.push_time_seconds.metrics[0].value),
  }));
}

/** The `job` labels of the groups a Pushgateway holds. */
export async function jobsOn(addrOrBase: string): Promise<string[]> {
  return (await groupsOn(addrOrBase)).map((g) => g.labels.job).sort();
}
