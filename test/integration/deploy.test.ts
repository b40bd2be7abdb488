// The Kubernetes manifests in deploy/, parsed and checked for the wiring between them:
// a typo in a label, a port or a DNS name would only show once deployed, as metrics
// that never arrive.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { resolveMetricsOptions } from '../../lib/metrics.options';

const DEPLOY = resolve(__dirname, '../../deploy');
const PUSHGATEWAY_PORT = 9091;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, unknown>;
    template?: PodTemplate;
    serviceName?: string;
    replicas?: number;
    clusterIP?: string;
    type?: string;
    publishNotReadyAddresses?: boolean;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string }>;
  };
}

function loadAll(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(resolve(DEPLOY, file), 'utf8')).map((doc) => {
    expect(doc.errors, `${file}: YAML errors`).toEqual([]);
    return doc.toJS() as K8sObject;
  });
}

const kustomization = parse(readFileSync(resolve(DEPLOY, 'kustomization.yaml'), 'utf8')) as {
  resources: string[];
  configMapGenerator?: Array<{ files: string[] }>;
};
const objects = kustomization.resources.flatMap(loadAll);
const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const services = objects.filter((o) => o.kind === 'Service');
const namespace = objects.find((o) => o.kind === 'Namespace')!.metadata.name;

const cache = workloads.find((o) => o.kind === 'StatefulSet')!;
const headless = services.find((s) => s.metadata.name === cache.spec!.serviceName)!;
const clusterIp = services.find(
  (s) => s !== headless && matches(s.spec!.selector as Record<string, string>, podLabels(cache)),
)!;
const apps = workloads.filter((o) => o.kind === 'Deployment');

function podLabels(workload: K8sObject): Record<string, string> {
  return workload.spec!.template!.metadata.labels;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function containerPort(workload: K8sObject, port: number | string | undefined): number | undefined {
  const ports = workload.spec!.template!.spec.containers.flatMap((c) => c.ports ?? []);
  const found = ports.find((p) =>
    typeof port === 'number' ? p.containerPort === port : p.name === port,
  );
  return found?.containerPort;
}

function env(container: Container): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
}

describe('deploy/ manifests', () => {
  it('puts every object in the namespace the DNS names use', () => {
    for (const o of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
    }
  });

  it('gives every workload a selector that matches its own pod labels', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(2);
    for (const w of workloads) {
      const selector = w.spec!.selector!.matchLabels!;
      expect(Object.keys(selector).length, `${w.metadata.name} selector`).toBeGreaterThan(0);
      expect(matches(selector, podLabels(w)), `${w.metadata.name}: selector vs pod labels`).toBe(
        true,
      );
    }
  });

  it('selects the pods of exactly one workload with every Service', () => {
    for (const s of services) {
      const selector = s.spec!.selector as Record<string, string>;
      const selected = workloads.filter((w) => matches(selector, podLabels(w)));
      expect(
        selected.map((w) => w.metadata.name),
        `Service ${s.metadata.name}`,
      ).toHaveLength(1);
      for (const p of s.spec!.ports!) {
        expect(
          containerPort(selected[0]!, p.targetPort ?? p.port),
          `Service ${s.metadata.name} port ${p.port}`,
        ).toBeDefined();
      }
    }
  });

  it('runs three Pushgateways on port 9091 behind a headless and a ClusterIP Service', () => {
    expect(cache.spec!.replicas).toBe(3);
    const pushgateway = cache.spec!.template!.spec.containers[0]!;
    expect(pushgateway.image).toMatch(/^prom\/pushgateway:v\d+\.\d+\.\d+$/);
    expect(pushgateway.args).toContain(`--web.listen-address=:${PUSHGATEWAY_PORT}`);
    expect(containerPort(cache, PUSHGATEWAY_PORT)).toBe(PUSHGATEWAY_PORT);

    expect(headless.spec!.clusterIP).toBe('None');
    expect(headless.spec!.publishNotReadyAddresses).toBe(false);
    expect(clusterIp).toBeDefined();
    expect(clusterIp.spec!.clusterIP).toBeUndefined();
    for (const s of [headless, clusterIp]) {
      expect(containerPort(cache, s.spec!.ports![0]!.targetPort), s.metadata.name).toBe(
        PUSHGATEWAY_PORT,
      );
    }
  });

  it('wires every sample-app pod to the cache through the env vars the module reads', () => {
    expect(apps.length).toBeGreaterThan(0);
    const headlessDns = `${headless.metadata.name}.${namespace}.svc.cluster.local`;
    const appNames = new Set<string>();
    for (const app of apps) {
      const container = app.spec!.template!.spec.containers[0]!;
      const vars = env(container);
      const hostname = container.env!.find((e) => e.name === 'HOSTNAME')!;
      expect(hostname.valueFrom?.fieldRef?.fieldPath, `${app.metadata.name} HOSTNAME`).toBe(
        'metadata.name',
      );
      expect(vars.METRICS_SERVICE_NAME, app.metadata.name).toBe(headlessDns);
      expect(Number(vars.METRICS_POD_PORT), app.metadata.name).toBe(
        containerPort(cache, PUSHGATEWAY_PORT),
      );
      expect(Number(vars.METRICS_SERVICE_PORT), app.metadata.name).toBe(
        clusterIp.spec!.ports![0]!.port,
      );
      expect(vars.APP_NAME, app.metadata.name).toBeTruthy();
      appNames.add(vars.APP_NAME!);

      // The module accepts the values as they will arrive (HOSTNAME filled in by the kubelet).
      const options = resolveMetricsOptions(
        {},
        { ...vars, HOSTNAME: `${app.metadata.name}-7d9f8b6c5-x2x4q` },
      );
      expect(options.serviceName).toBe(headlessDns);
      expect(options.podPort).toBe(PUSHGATEWAY_PORT);
      expect(options.pushRateSeconds).toBeGreaterThan(0);
    }
    expect(appNames.size, 'one APP_NAME per Deployment').toBe(apps.length);
  });

  it('scrapes the ClusterIP Service with honor_labels, as generated into a ConfigMap', () => {
    const files = kustomization.configMapGenerator!.flatMap((g) => g.files);
    expect(files).toContain('prometheus/scrape-config.yaml');
    for (const file of files) expect(existsSync(resolve(DEPLOY, file)), file).toBe(true);

    const config = parse(
      readFileSync(resolve(DEPLOY, 'prometheus/scrape-config.yaml'), 'utf8'),
    ) as {
      scrape_configs: Array<{
        job_name: string;
        honor_labels?: boolean;
        static_configs: Array<{ targets: string[] }>;
      }>;
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'metrics-cache')!;
    expect(job.honor_labels).toBe(true);
    const target = `${clusterIp.metadata.name}.${namespace}.svc.cluster.local:${clusterIp.spec!.ports![0]!.port}`;
    expect(job.static_configs.flatMap((c) => c.targets)).toEqual([target]);
  });
});
