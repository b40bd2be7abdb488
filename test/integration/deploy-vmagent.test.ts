// deploy/vmagent as `kubectl apply -k` would apply it, checked for the wiring the apps' pushes
// depend on: the Services select the vmagent pods at their port, every sample app pushes to the
// headless Service with the victoriametrics protocol, and vmagent itself takes its flags (the
// real binary parses them, as its container would). deploy-schema.test.ts validates the objects.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { DEPLOY, kustomize, requireKubectl } from '../support/kustomize';

const VMAGENT_BIN = '/usr/bin/vmagent';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path?: string; port?: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: Record<string, unknown> & { matchLabels?: Record<string, string> };
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
    template?: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; volumes?: Array<{ name: string }> };
    };
  };
}

let objects: K8sObject[];
let vmagent: K8sObject;
let container: Container;

const podLabels = (o: K8sObject): Record<string, string> => o.spec!.template!.metadata.labels;
const selects = (service: K8sObject, workload: K8sObject): boolean =>
  Object.entries(service.spec!.selector as Record<string, string>).every(
    ([k, v]) => podLabels(workload)[k] === v,
  );
const flag = (name: string): string | undefined =>
  container.args!.find((a) => a.startsWith(`-${name}=`))?.slice(name.length + 2);

/** The containerPort a Service port's targetPort (a name or a number) lands on. */
function targetPort(port: number | string | undefined): number | undefined {
  const ports = container.ports ?? [];
  return ports.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port))
    ?.containerPort;
}

beforeAll(async () => {
  await requireKubectl();
  objects = await kustomize<K8sObject>(resolve(DEPLOY, 'vmagent'));
  vmagent = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'vmagent')!;
  expect(vmagent, 'the vmagent Deployment').toBeDefined();
  container = vmagent.spec!.template!.spec.containers.find((c) => c.name === 'vmagent')!;
  expect(container, 'its vmagent container').toBeDefined();
});

describe('deploy/vmagent, as kustomize builds it', () => {
  it('puts everything in the namespace of the DNS names, with no metrics cache', () => {
    for (const o of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('nubium');
    }
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
  });

  it('runs 2 or more vmagents on 8429, with resources and a readiness probe on /health', () => {
    expect(vmagent.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(container.image).toMatch(/^victoriametrics\/vmagent:v\d+\.\d+\.\d+$/);
    const port = Number(flag('httpListenAddr')?.replace(/^.*:/, ''));
    expect(port).toBe(8429);
    expect(targetPort(container.readinessProbe?.httpGet?.port)).toBe(port);
    expect(container.readinessProbe?.httpGet?.path).toBe('/health');
    expect(container.resources?.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources?.limits).toMatchObject({ memory: expect.any(String) });
    // Its queue lives on a volume of the pod, not in the container's own layer.
    const mount = container.volumeMounts?.find(
      (m) => m.mountPath === flag('remoteWrite.tmpDataPath'),
    );
    expect(mount, '-remoteWrite.tmpDataPath on a volume').toBeDefined();
    expect(vmagent.spec!.template!.spec.volumes?.map((v) => v.name)).toContain(mount!.name);
    expect(new URL(flag('remoteWrite.url')!).protocol).toMatch(/^https?:$/);
  });

  it('selects only the vmagent pods, at their port, with a headless and a ClusterIP Service', () => {
    const workloads = objects.filter((o) => o.spec?.template);
    const services = objects.filter((o) => o.kind === 'Service' && selects(o, vmagent));
    const headless = services.find((s) => s.spec!.clusterIP === 'None');
    const clusterIp = services.find((s) => s.spec!.clusterIP === undefined);
    expect(headless?.metadata.name).toBe('vmagent-headless');
    expect(headless!.spec!.publishNotReadyAddresses).toBe(false);
    expect(clusterIp?.metadata.name).toBe('vmagent');
    for (const s of [headless!, clusterIp!]) {
      expect(workloads.filter((w) => selects(s, w)).map((w) => w.metadata.name)).toEqual([
        'vmagent',
      ]);
      expect(targetPort(s.spec!.ports![0].targetPort), s.metadata.name).toBe(8429);
    }
  });

  it('points every sample app at the headless Service with the victoriametrics protocol', () => {
    const apps = objects.filter(
      (o) =>
        o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'sample-app',
    );
    expect(apps.length).toBe(3);
    for (const app of apps) {
      const env = app.spec!.template!.spec.containers[0].env ?? [];
      const names = env.map((e) => e.name);
      expect(names.length, `${app.metadata.name}: each env var once`).toBe(new Set(names).size);
      const vars = Object.fromEntries(env.map((e) => [e.name, e.value]));
      // The module reads them as the kubelet hands them over (HOSTNAME is the pod's name).
      const options = resolveMetricsOptions(
        {},
        { ...vars, HOSTNAME: `${app.metadata.name}-7d9f8b6c5-x2x4q` },
      );
      expect(options, app.metadata.name).toMatchObject({
        serviceName: 'vmagent-headless.nubium.svc.cluster.local',
        pushProtocol: 'victoriametrics',
        pushPath: '/api/v1/import/prometheus',
        podPort: targetPort('http'),
        pushEnabled: true,
      });
    }
  });

  describe("vmagent's own flag parser", () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-vmagent-'));
    const scrapeConfig = join(dir, 'scrape.yml');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** vmagent with `args` and -dryRun: parses every flag and exits, creating nothing. */
    async function dryRun(args: string[]): Promise<{ code: number; output: string }> {
      writeFileSync(scrapeConfig, 'scrape_configs: []\n');
      const run = promisify(execFile)(
        VMAGENT_BIN,
        [...args, '-dryRun', `-promscrape.config=${scrapeConfig}`],
        { timeout: 20_000 },
      );
      return run.then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (e: { code?: number | string; stdout?: string; stderr?: string }) => {
          if (e.code === 'ENOENT') {
            throw new Error(`${VMAGENT_BIN} is missing: run scripts/stack.sh install (as root)`);
          }
          return { code: Number(e.code), output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
        },
      );
    }

    it('takes every flag of the Deployment, names and values', async () => {
      const { code, output } = await dryRun(container.args!);
      expect(code, output).toBe(0);
    });

    it('refuses a misspelled flag and a bad value, so the check above can fail', async () => {
      expect((await dryRun(['-remoteWrite.urls=http://x:8428/api/v1/write'])).code).toBe(2);
      expect((await dryRun(['-remoteWrite.maxDiskUsagePerURL=1XB'])).code).toBe(2);
    });
  });
});
