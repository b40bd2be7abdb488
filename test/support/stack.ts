// Test helpers that drive the local stack (scripts/stack.sh) and read its servers. A
// Pushgateway is paused, resumed and stopped from TypeScript (pushgateway-process.ts).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gatewayNumber } from './pushgateway-process';
import { PROMETHEUS_URL, PUSHGATEWAY_ADDRS, pushgatewayUrl } from './stack-config';
import { parseSampleValue, parseTextFormat, type Sample } from './text-format';

export type { Sample } from './text-format';
export { pausePushgateway, resumePushgateway, stopPushgateway } from './pushgateway-process';
export { waitFor } from './wait-for';

const STACK_SCRIPT = resolve(__dirname, '../../scripts/stack.sh');
// A paused (black-holed) Pushgateway never answers: no request may wait forever.
const HTTP_TIMEOUT_MS = 5_000;

/** Runs `bash scripts/stack.sh ...args` and returns its output; throws with its stderr on failure. */
export async function stackCommand(...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [STACK_SCRIPT, ...args], {
      timeout: 120_000,
    });
    return stdout;
  } catch (e) {
    const { stderr, message } = e as { stderr?: string; message: string };
    throw new Error(`scripts/stack.sh ${args.join(' ')} failed: ${stderr?.trim() || message}`);
  }
}

/** One status line per server (`running`, `paused` or `stopped`), whether or not all of them run. */
export async function stackStatus(): Promise<string> {
  try {
    return (await promisify(execFile)('bash', [STACK_SCRIPT, 'status'], { timeout: 30_000 }))
      .stdout;
  } catch (e) {
    // Exit status 3: some server is stopped; the lines say which.
    const { code, stdout } = e as { code?: number; stdout?: string };
    if (code === 3 && stdout) return stdout;
    throw e;
  }
}

/** Starts Pushgateway i (0-based), empty, and waits until it is ready. */
export async function startPushgateway(i: number): Promise<void> {
  await stackCommand('pg-start', gatewayNumber(i));
}

/** Makes the headless name answer exactly these IPv4/IPv6 addresses; none gives NXDOMAIN. */
export async function setDnsAnswer(addrs: string[]): Promise<void> {
  await stackCommand('dns-set', ...addrs);
}

/** Makes the headless name answer the three Pushgateway addresses again. */
export async function resetDns(): Promise<void> {
  await stackCommand('dns-reset');
}

/** Stops dnsmasq: queries to DNS_SERVER then time out. */
export async function stopDns(): Promise<void> {
  await stackCommand('dns-stop');
}

/** Starts dnsmasq, answering what the last setDnsAnswer/resetDns set. */
export async function startDns(): Promise<void> {
  await stackCommand('dns-start');
}

async function request(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (!response.ok) {
    throw new Error(`${what}: HTTP ${response.status} ${(await response.text()).trim()}`);
  }
}

/** Deletes every group on every Pushgateway, so a test starts from empty gateways. */
export async function wipeAllPushgateways(): Promise<void> {
  await Promise.all(
    PUSHGATEWAY_ADDRS.map(async (addr) => {
      const url = pushgatewayUrl(addr, '/api/v1/admin/wipe');
      await expectOk(await request(url, { method: 'PUT' }), `wipe ${addr}`);
    }),
  );
}

/** Reads and parses everything a Pushgateway serves on /metrics, its own metrics included. */
export async function readPushgateway(addr: string): Promise<Sample[]> {
  const url = pushgatewayUrl(addr, '/metrics');
  const response = await request(url);
  await expectOk(response, `GET ${url}`);
  return parseTextFormat(await response.text());
}

/**
 * Value of the one sample with this name and (at least) these labels, or undefined;
 * throws when several match, since the test then does not say which one it means.
 */
export function findSample(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matches = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1) {
    throw new Error(`${matches.length} samples match ${name} ${JSON.stringify(labels)}`);
  }
  return matches[0]?.value;
}

/**
 * Runs an instant PromQL query, at `time` (Unix seconds) when given, else now; throws when
 * Prometheus answers with an error. `server` is the base URL of another server with Prometheus'
 * query API (the remote-write Prometheus, VictoriaMetrics); default the stack's Prometheus.
 */
export async function queryPrometheus(
  expr: string,
  { time, server = PROMETHEUS_URL }: { time?: number; server?: string } = {},
): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const at = time === undefined ? '' : `&time=${time.toFixed(3)}`;
  const url = `${server}/api/v1/query?query=${encodeURIComponent(expr)}${at}`;
  const response = await request(url);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    errorType?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || !body.data) {
    throw new Error(`query ${expr}: ${body.errorType ?? response.status}: ${body.error ?? ''}`);
  }
  const { resultType, result } = body.data;
  if (resultType === 'scalar') {
    return [{ metric: {}, value: parseSampleValue((result as [number, string])[1]) }];
  }
  if (resultType !== 'vector') {
    throw new Error(`query ${expr}: expected an instant vector, got ${resultType}`);
  }
  return (result as Array<{ metric: Record<string, string>; value: [number, string] }>).map(
    (r) => ({ metric: r.metric, value: parseSampleValue(r.value[1]) }),
  );
}

// Pushgateway group path: /job/<job>/<label>/<value>...; a value with a '/', or an
// empty one, must be base64url-encoded (`<label>@base64/<value>`).
function groupPath(job: string, groupingLabels: Record<string, string>): string {
  const segment = (name: string, value: string) =>
    value === '' || value.includes('/')
      ? `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`
      : `${name}/${encodeURIComponent(value)}`;
  return [['job', job], ...Object.entries(groupingLabels)]
    .map(([name, value]) => segment(name, value))
    .join('/');
}

/** Deletes the group of this job and exactly these grouping labels from one Pushgateway. */
export async function deletePushgatewayGroup(
  addr: string,
  job: string,
  groupingLabels: Record<string, string> = {},
): Promise<void> {
  const url = pushgatewayUrl(addr, `/metrics/${groupPath(job, groupingLabels)}`);
  await expectOk(await request(url, { method: 'DELETE' }), `DELETE ${url}`);
}

/** Deletes the group of `job` (and these grouping labels) from every Pushgateway of the stack, concurrently; fails if one refuses. */
export async function deleteGroupEverywhere(
  job: string,
  groupingLabels: Record<string, string> = {},
): Promise<void> {
  await Promise.all(
    PUSHGATEWAY_ADDRS.map((addr) => deletePushgatewayGroup(addr, job, groupingLabels)),
  );
}

/** Clean-up after a test: deletes `job`'s group wherever it can; a gateway that is down is no failure. */
export async function cleanUpGroupEverywhere(
  job: string,
  groupingLabels: Record<string, string> = {},
): Promise<void> {
  await Promise.all(
    PUSHGATEWAY_ADDRS.map((addr) =>
      deletePushgatewayGroup(addr, job, groupingLabels).catch(() => undefined),
    ),
  );
}

/**
 * PUTs text-format `body` as is to `/metrics/<jobPath>` (e.g. `job/app/instance/pod-1`),
 * replacing that group; returns the HTTP status. The body must end with a newline.
 */
export async function pushRaw(addr: string, jobPath: string, body: string): Promise<number> {
  const url = pushgatewayUrl(addr, `/metrics/${jobPath.replace(/^\/+/, '')}`);
  const response = await request(url, {
    method: 'PUT',
    headers: { 'Content-Type': 'text/plain; version=0.0.4' },
    body,
  });
  await response.arrayBuffer(); // let the connection go back to the pool
  return response.status;
}
