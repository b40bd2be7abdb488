// deploy/pull, as `kubectl apply -k deploy/pull` would apply it, checked for the wiring between
// the apps' metrics port and the two ways Prometheus finds it: each app's env var and named
// containerPort agree and are what the module resolves, the PodMonitor selects those pods and
// that port, and the kubernetes_sd job keeps exactly those targets (its relabelling applied
// here as Prometheus applies it) and is a configuration promtool accepts (see below for the
// discovery block).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { DEPLOY, kustomize, requireKubectl } from '../support/kustomize';

const run = promisify(execFile);

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ name?: string; containerPort: number }>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: {
    template?: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
    selector?: { matchLabels?: Record<string, string> };
    podMetricsEndpoints?: Array<{
      port?: string;
      path?: string;
      honorLabels?: boolean;
      relabelings?: Relabel[];
    }>;
  };
}
/** One relabelling rule, in Prometheus's (snake_case) or the operator's (camelCase) spelling. */
interface Relabel {
  action?: string;
  source_labels?: string[];
  sourceLabels?: string[];
  regex?: string;
  target_label?: string;
  targetLabel?: string;
  replacement?: string;
  separator?: string;
}
interface ScrapeJob {
  job_name: string;
  honor_labels?: boolean;
  metrics_path?: string;
  kubernetes_sd_configs: Array<{
    role: string;
    namespaces?: { names: string[] };
    selectors?: Array<{ role: string; label?: string }>;
  }>;
  relabel_configs: Relabel[];
}

/**
 * A target's labels after `rules`, as Prometheus relabels (the actions these files use: keep,
 * drop, replace, labeldrop); undefined when the target is dropped.
 */
function relabel(
  labels: Record<string, string>,
  rules: Relabel[],
): Record<string, string> | undefined {
  let current = { ...labels };
  for (const rule of rules) {
    const regex = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`);
    const sources = rule.source_labels ?? rule.sourceLabels ?? [];
    const value = sources.map((name) => current[name] ?? '').join(rule.separator ?? ';');
    const action = rule.action ?? 'replace';
    if (action === 'keep' && !regex.test(value)) return undefined;
    if (action === 'drop' && regex.test(value)) return undefined;
    if (action === 'labeldrop') {
      current = Object.fromEntries(Object.entries(current).filter(([name]) => !regex.test(name)));
    }
    const target = rule.target_label ?? rule.targetLabel;
    const match = regex.exec(value);
    if (action === 'replace' && target && match) {
      current[target] = (rule.replacement ?? '$1').replace(
        /\$\{?(\d+)\}?/g,
        (_, i: string) => match[Number(i)] ?? '',
      );
    }
  }
  return current;
}

/** What kubernetes_sd_configs (role pod) gives for one container port of a pod of `workload`. */
function podTargets(workload: K8sObject, podName: string): Record<string, string>[] {
  const template = workload.spec!.template!;
  const labels = Object.fromEntries(
    Object.entries(template.metadata.labels).flatMap(([name, value]) => {
      const key = name.replace(/[^a-zA-Z0-9_]/g, '_');
      return [
        [`__meta_kubernetes_pod_label_${key}`, value],
        [`__meta_kubernetes_pod_labelpresent_${key}`, 'true'],
      ];
    }),
  );
  return template.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      ...labels,
      __address__: `10.0.0.7:${p.containerPort}`,
      __meta_kubernetes_namespace: workload.metadata.namespace!,
      __meta_kubernetes_pod_name: podName,
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_container_name: c.name,
      __meta_kubernetes_pod_container_port_name: p.name ?? '',
      __meta_kubernetes_pod_container_port_number: String(p.containerPort),
    })),
  );
}

const appContainer = (app: K8sObject): Container =>
  app.spec!.template!.spec.containers.find((c) => c.name === 'app')!;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
const podName = (app: K8sObject) => `${app.metadata.name}-7d9f8b6c5-x2x4q`;
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

let objects: K8sObject[];
let base: K8sObject[];
let apps: K8sObject[];
let podMonitor: K8sObject;
let scrapeJob: ScrapeJob;
let scrapeConfigText: string;

beforeAll(async () => {
  await requireKubectl();
  objects = await kustomize<K8sObject>(resolve(DEPLOY, 'pull'));
  base = await kustomize<K8sObject>(DEPLOY);
  apps = objects.filter((o) => o.kind === 'Deployment');
  podMonitor = objects.find((o) => o.kind === 'PodMonitor')!;
  scrapeConfigText = objects.find((o) => o.data?.['scrape-config.yaml'])!.data![
    'scrape-config.yaml'
  ];
  const config = parse(scrapeConfigText) as { scrape_configs: ScrapeJob[] };
  expect(config.scrape_configs).toHaveLength(1);
  scrapeJob = config.scrape_configs[0];
});

describe('deploy/pull, as kustomize builds it', () => {
  it('gives every sample app a metrics port whose env var and named containerPort agree, as the module resolves them, and no metrics cache', () => {
    expect(apps.map((a) => a.metadata.name).sort()).toEqual([
      'sample-http',
      'sample-loop',
      'sample-microservice',
    ]);
    expect(objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    for (const app of apps) {
      const container = appContainer(app);
      const vars = envOf(container);
      const named = container.ports?.find((p) => p.name === 'metrics');
      expect(named, app.metadata.name).toBeDefined();
      expect(vars.METRICS_ENDPOINT_PORT, app.metadata.name).toBe(String(named!.containerPort));
      expect(vars.METRICS_SERVICE_NAME, app.metadata.name).toBeUndefined();

      const options = resolveMetricsOptions({}, { ...vars, HOSTNAME: podName(app) });
      expect(options.metricsEndpoint).toEqual({
        path: '/metrics',
        port: named!.containerPort,
        host: undefined,
        portSource: 'env',
      });
      // Off by the deployment's choice, so the module does not warn about a missing cache.
      expect([options.pushEnabled, options.sources.pushEnabled]).toEqual([false, 'env']);
    }
  });

  it("has the PodMonitor select every app's pods and no cache pod, on the containers' named port and the module's path, honouring the served labels", () => {
    const selector = podMonitor.spec!.selector!.matchLabels!;
    expect(podMonitor.metadata.namespace).toBe(apps[0].metadata.namespace);
    for (const app of apps) {
      expect(labelsMatch(selector, app.spec!.template!.metadata.labels), app.metadata.name).toBe(
        true,
      );
    }
    for (const workload of base.filter((o) => o.spec?.template && o.kind !== 'Deployment')) {
      expect(labelsMatch(selector, workload.spec!.template!.metadata.labels)).toBe(false);
    }
    const [endpoint, ...others] = podMonitor.spec!.podMetricsEndpoints!;
    expect(others).toEqual([]);
    for (const app of apps) {
      const options = resolveMetricsOptions({}, { ...envOf(appContainer(app)), HOSTNAME: 'p' });
      const port = appContainer(app).ports!.find((p) => p.name === endpoint.port);
      expect(port?.containerPort, `${app.metadata.name}: port ${endpoint.port}`).toBe(
        options.metricsEndpoint?.port,
      );
      expect(endpoint.path).toBe(options.metricsEndpoint?.path);
    }
    expect(endpoint.honorLabels).toBe(true);
  });

  it("keeps one target per app pod in the kubernetes_sd job, its metrics port, named after the pod the series' job names, and no cache pod", () => {
    expect(scrapeJob.honor_labels).toBe(true);
    const [sd] = scrapeJob.kubernetes_sd_configs;
    expect(sd.role).toBe('pod');
    expect(sd.namespaces?.names).toEqual([apps[0].metadata.namespace]);
    const [key, value] = sd.selectors![0].label!.split('=');
    for (const app of apps) {
      expect(app.spec!.template!.metadata.labels[key], app.metadata.name).toBe(value);
      const vars = envOf(appContainer(app));
      const kept = podTargets(app, podName(app))
        .map((t) => relabel(t, scrapeJob.relabel_configs))
        .filter((t) => t !== undefined);

      expect(
        kept.map((t) => t.__address__),
        app.metadata.name,
      ).toEqual([`10.0.0.7:${vars.METRICS_ENDPOINT_PORT}`]);
      const options = resolveMetricsOptions({}, { ...vars, HOSTNAME: podName(app) });
      // The series carry job = the pod's HOSTNAME; the target's instance names the same pod.
      expect(kept[0].instance).toBe(options.job);
      expect(scrapeJob.metrics_path).toBe(options.metricsEndpoint?.path);
    }
    const cache = base.find((o) => o.kind === 'StatefulSet')!;
    const cacheTargets = podTargets(cache, 'metrics-cache-0');
    expect(cacheTargets.length).toBeGreaterThan(0);
    expect(cacheTargets.map((t) => relabel(t, scrapeJob.relabel_configs))).toEqual(
      cacheTargets.map(() => undefined),
    );
  });

  it("gives the PodMonitor's targets the kubernetes_sd job's job and instance, and no other label", () => {
    // The operator's own target labels (namespace, container, pod, job, endpoint), then the
    // PodMonitor's relabelings, as the operator orders them.
    const app = apps[0];
    const [target] = podTargets(app, podName(app)).filter(
      (t) => t.__meta_kubernetes_pod_container_port_name === 'metrics',
    );
    const operator: Relabel[] = [
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { target_label: 'job', replacement: 'nubium/nubium-metrics-pods' },
      { target_label: 'endpoint', replacement: 'metrics' },
    ];
    const visible = (labels: Record<string, string> | undefined) =>
      Object.fromEntries(Object.entries(labels!).filter(([k]) => !k.startsWith('__')));
    const viaPodMonitor = relabel(target, [
      ...operator,
      ...podMonitor.spec!.podMetricsEndpoints![0].relabelings!,
    ]);
    const viaScrapeJob = relabel(target, [
      { target_label: 'job', replacement: scrapeJob.job_name },
      ...scrapeJob.relabel_configs,
    ]);

    expect(visible(viaPodMonitor)).toEqual(visible(viaScrapeJob));
    expect(visible(viaScrapeJob)).toEqual({ job: 'nubium-metrics-pods', instance: podName(app) });
  });

  describe('as a Prometheus configuration', () => {
    let dir: string | undefined;
    afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

    // Debian's Prometheus (and its promtool) is built without Kubernetes discovery and refuses
    // kubernetes_sd_configs as an unknown field: promtool checks the rest of the job (the
    // relabelling's regexes, actions and labels, the intervals, the path) with the discovery
    // swapped for a static target, and the discovery block is checked here against the
    // fields of Prometheus's kubernetes SDConfig (discovery/kubernetes/kubernetes.go).
    it('passes promtool check config, the pod discovery swapped for a static target', async () => {
      dir = mkdtempSync(join(tmpdir(), 'deploy-pull-'));
      const file = join(dir, 'prometheus.yml');
      const { kubernetes_sd_configs: _, ...rest } = scrapeJob;
      const job = { ...rest, static_configs: [{ targets: ['10.0.0.7:9464'] }] };
      writeFileSync(file, stringify({ scrape_configs: [job] }));
      const checked = await run('promtool', ['check', 'config', file], { timeout: 30_000 }).catch(
        (error: NodeJS.ErrnoException & { stdout?: string; stderr?: string }) => {
          if (error.code === 'ENOENT') {
            throw new Error('promtool is not on PATH: apt-get install prometheus (it ships it)');
          }
          return { stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''} (${error.message})` };
        },
      );
      expect(`${checked.stdout}${checked.stderr}`).toContain(
        `SUCCESS: ${file} is valid prometheus config file syntax`,
      );
    });

    it("uses only the fields of Prometheus's kubernetes_sd_configs, with a valid label selector", () => {
      const fields = {
        sd: ['api_server', 'role', 'kubeconfig_file', 'namespaces', 'selectors', 'attach_metadata'],
        namespaces: ['own_namespace', 'names'],
        selector: ['role', 'label', 'field'],
      };
      for (const sd of scrapeJob.kubernetes_sd_configs) {
        expect(Object.keys(sd).filter((k) => !fields.sd.includes(k))).toEqual([]);
        expect(['pod', 'node', 'service', 'endpoints', 'endpointslice', 'ingress']).toContain(
          sd.role,
        );
        expect(
          Object.keys(sd.namespaces ?? {}).filter((k) => !fields.namespaces.includes(k)),
        ).toEqual([]);
        for (const selector of sd.selectors ?? []) {
          expect(Object.keys(selector).filter((k) => !fields.selector.includes(k))).toEqual([]);
          expect(selector.role).toBe(sd.role);
          // A Kubernetes equality selector: a (prefixed) label name, `=`, a label value.
          expect(selector.label).toMatch(
            /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?=[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
          );
        }
      }
    });
  });
});
