// The Kubernetes manifests in deploy/, built with kustomize as `kubectl apply -k` would
// apply them (the base and every shard in deploy/shards/), and checked for the wiring
// between them: a typo in a label, a port, a DNS name or a sweeper flag would only show
// once deployed, as metrics that never arrive or groups that never expire. One file past the
// usual length: every check reads the same two builds.
import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../lib/cli/run-cli';
import { resolveMetricsOptions } from '../../lib/metrics.options';
import { parseDurationSeconds } from '../../lib/cli/duration';
import { DEPLOY, kustomize, requireKubectl, ROOT } from '../support/kustomize';

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
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { containers: Container[] };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
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
interface ScrapeConfig {
  scrape_configs: Array<{
    job_name: string;
    honor_labels?: boolean;
    static_configs: Array<{ targets: string[] }>;
  }>;
}
/** One metrics cache as a build yields it: the first (deploy/) or a shard. */
interface Cache {
  build: string;
  statefulSet: K8sObject;
  headless: K8sObject;
  clusterIp: K8sObject;
  scrapeConfig: ScrapeConfig;
}

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

function container(workload: K8sObject, name: string): Container {
  const found = workload.spec!.template!.spec.containers.find((c) => c.name === name);
  expect(found, `${workload.metadata.name}: container ${name}`).toBeDefined();
  return found!;
}

function cacheOf(build: string, objects: K8sObject[]): Cache {
  const statefulSets = objects.filter((o) => o.kind === 'StatefulSet');
  expect(statefulSets, `${build}: one StatefulSet`).toHaveLength(1);
  const statefulSet = statefulSets[0];
  const services = objects.filter((o) => o.kind === 'Service');
  const headless = services.find((s) => s.metadata.name === statefulSet.spec!.serviceName);
  expect(headless, `${build}: the Service named by serviceName`).toBeDefined();
  const clusterIp = services.find(
    (s) =>
      s !== headless && matches(s.spec!.selector as Record<string, string>, podLabels(statefulSet)),
  );
  expect(clusterIp, `${build}: a ClusterIP Service in front of the cache`).toBeDefined();
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['scrape-config.yaml']);
  expect(configMap, `${build}: the scrape config ConfigMap`).toBeDefined();
  const scrapeConfig = parse(configMap!.data!['scrape-config.yaml']) as ScrapeConfig;
  return { build, statefulSet, headless: headless!, clusterIp: clusterIp!, scrapeConfig };
}

function dnsName(service: K8sObject): string {
  return `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
}

const shardDirs = readdirSync(resolve(DEPLOY, 'shards')).map((d) => resolve(DEPLOY, 'shards', d));
let base: K8sObject[];
let all: K8sObject[];
let caches: Cache[];
let namespace: string;

beforeAll(async () => {
  await requireKubectl();
  base = await kustomize<K8sObject>(DEPLOY);
  const shards = await Promise.all(shardDirs.map((dir) => kustomize<K8sObject>(dir)));
  all = [...base, ...shards.flat()];
  caches = [
    cacheOf('deploy', base),
    ...shards.map((objects, i) => cacheOf(relative(ROOT, shardDirs[i]), objects)),
  ];
  namespace = base.find((o) => o.kind === 'Namespace')!.metadata.name;
});

describe('deploy/ manifests, as kustomize builds them', () => {
  it('puts every object of the base and the shards in the namespace the DNS names use', () => {
    for (const o of all.filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
    }
  });

  it('gives every workload a selector that matches its own pod labels', () => {
    const workloads = all.filter((o) => o.spec?.template);
    expect(workloads.length).toBeGreaterThanOrEqual(5);
    for (const w of workloads) {
      const selector = w.spec!.selector!.matchLabels!;
      expect(Object.keys(selector).length, `${w.metadata.name} selector`).toBeGreaterThan(0);
      expect(matches(selector, podLabels(w)), `${w.metadata.name}: selector vs pod labels`).toBe(
        true,
      );
    }
  });

  it('selects the pods of exactly one workload with every Service, across the base and the shards', () => {
    const workloads = all.filter((o) => o.spec?.template);
    for (const s of all.filter((o) => o.kind === 'Service')) {
      const selector = s.spec!.selector as Record<string, string>;
      const selected = workloads.filter((w) => matches(selector, podLabels(w)));
      expect(
        selected.map((w) => w.metadata.name),
        `Service ${s.metadata.name}`,
      ).toHaveLength(1);
      for (const p of s.spec!.ports!) {
        expect(
          containerPort(selected[0], p.targetPort ?? p.port),
          `Service ${s.metadata.name} port ${p.port}`,
        ).toBeDefined();
      }
    }
  });

  it('runs three Pushgateways on port 9091 behind a headless and a ClusterIP Service, in each cache', () => {
    expect(caches.map((c) => c.statefulSet.metadata.name)).toEqual([
      'metrics-cache',
      'metrics-cache-team-b',
    ]);
    for (const { build, statefulSet, headless, clusterIp } of caches) {
      expect(statefulSet.spec!.replicas, build).toBe(3);
      const pushgateway = container(statefulSet, 'pushgateway');
      expect(pushgateway.image).toMatch(/^prom\/pushgateway:v\d+\.\d+\.\d+$/);
      expect(pushgateway.args).toContain(`--web.listen-address=:${PUSHGATEWAY_PORT}`);
      expect(pushgateway.args).toContain('--push.disable-consistency-check');
      expect(pushgateway.resources?.requests, build).toMatchObject({ cpu: expect.any(String) });
      expect(pushgateway.resources?.limits, build).toMatchObject({ memory: expect.any(String) });
      expect(containerPort(statefulSet, PUSHGATEWAY_PORT)).toBe(PUSHGATEWAY_PORT);

      expect(statefulSet.spec!.serviceName, build).toBe(headless.metadata.name);
      expect(headless.spec!.clusterIP).toBe('None');
      expect(headless.spec!.publishNotReadyAddresses).toBe(false);
      expect(clusterIp.spec!.clusterIP).toBeUndefined();
      for (const s of [headless, clusterIp]) {
        expect(containerPort(statefulSet, s.spec!.ports![0].targetPort), s.metadata.name).toBe(
          PUSHGATEWAY_PORT,
        );
      }
    }
  });

  it('resolves the team-b shard to its own pods only, under the name its overlay tells apps to use', () => {
    const [first, shard] = caches as [Cache, Cache];
    expect(shard.headless.metadata.name).toBe('metrics-cache-headless-team-b');
    expect(shard.statefulSet.spec!.serviceName).toBe(shard.headless.metadata.name);
    for (const s of [shard.headless, shard.clusterIp]) {
      const selector = s.spec!.selector as Record<string, string>;
      expect(matches(selector, podLabels(shard.statefulSet)), s.metadata.name).toBe(true);
      expect(matches(selector, podLabels(first.statefulSet)), s.metadata.name).toBe(false);
    }
    const overlay = readFileSync(resolve(DEPLOY, 'shards/team-b/kustomization.yaml'), 'utf8');
    const shown = /name: METRICS_SERVICE_NAME\s*\n#\s*value: (\S+)/.exec(overlay)?.[1];
    expect(shown, 'the env an app of the shard sets').toBe(dnsName(shard.headless));
    const options = resolveMetricsOptions(
      {},
      {
        HOSTNAME: 'team-b-app-7d9f8b6c5-x2x4q',
        APP_NAME: 'team-b-app',
        METRICS_SERVICE_NAME: shown,
      },
    );
    expect(options.serviceName).toBe(dnsName(shard.headless));
  });

  it('runs a sweeper beside each Pushgateway, on localhost at its port, keeping groups 3 push intervals or more', async () => {
    const apps = base.filter((o) => o.kind === 'Deployment');
    const pushRates = apps.map((a) =>
      Number(env(a.spec!.template!.spec.containers[0]).METRICS_PUSH_RATE),
    );
    expect(pushRates.length).toBeGreaterThan(0);
    const dockerfile = readFileSync(resolve(DEPLOY, 'sweeper/Dockerfile'), 'utf8');
    for (const { build, statefulSet } of caches) {
      const sweeper = container(statefulSet, 'sweeper');
      // Built by deploy/sweeper/Dockerfile (deploy-sweeper-image.test.ts checks its entrypoint).
      expect(dockerfile, build).toContain(`-t ${sweeper.image} .`);

      // The CLI's own parser takes every flag (one it did not would crash-loop the sidecar,
      // and so turn the cache pod unready); --help stops it before any request.
      const [command, ...args] = sweeper.args!;
      expect(command).toBe('sweep');
      let written = '';
      const io = { out: { write: () => true }, err: { write: (t: string) => (written += t) } };
      expect(await runCli([command, ...args, '--help'], io), written).toBe(0);
      expect(args).toContain('--delete-conflicts');
      const value = (flag: string): string | undefined => args[args.indexOf(flag) + 1];

      const target = new URL(value('--target')!);
      expect(target.hostname).toBe('127.0.0.1');
      expect(Number(target.port)).toBe(containerPort(statefulSet, PUSHGATEWAY_PORT));
      const listen = container(statefulSet, 'pushgateway').args!.find((a) =>
        a.startsWith('--web.listen-address='),
      );
      expect(listen).toBe(`--web.listen-address=:${target.port}`);

      const ttl = parseDurationSeconds(value('--ttl')!);
      const every = parseDurationSeconds(value('--every')!);
      expect(ttl, `${build}: --ttl`).toBeGreaterThanOrEqual(3 * Math.max(...pushRates));
      expect(every, `${build}: --every`).toBeGreaterThan(0);
      expect(every!, `${build}: --every within --ttl`).toBeLessThan(ttl!);
      expect(sweeper.resources?.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(sweeper.resources?.limits).toMatchObject({ memory: expect.any(String) });
    }
  });

  it('wires every sample-app pod to the first cache through the env vars the module reads', () => {
    const [first] = caches as [Cache];
    const apps = base.filter((o) => o.kind === 'Deployment');
    expect(apps.length).toBeGreaterThan(0);
    const headlessDns = dnsName(first.headless);
    const appNames = new Set<string>();
    for (const app of apps) {
      const appContainer = app.spec!.template!.spec.containers[0];
      const vars = env(appContainer);
      const hostname = appContainer.env!.find((e) => e.name === 'HOSTNAME')!;
      expect(hostname.valueFrom?.fieldRef?.fieldPath, `${app.metadata.name} HOSTNAME`).toBe(
        'metadata.name',
      );
      expect(vars.METRICS_SERVICE_NAME, app.metadata.name).toBe(headlessDns);
      expect(Number(vars.METRICS_POD_PORT), app.metadata.name).toBe(
        containerPort(first.statefulSet, PUSHGATEWAY_PORT),
      );
      expect(Number(vars.METRICS_SERVICE_PORT), app.metadata.name).toBe(
        first.clusterIp.spec!.ports![0].port,
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

  it("scrapes each cache's ClusterIP Service with honor_labels, from the ConfigMap its build generates", () => {
    const jobNames = new Set<string>();
    for (const { build, clusterIp, scrapeConfig } of caches) {
      expect(scrapeConfig.scrape_configs, build).toHaveLength(1);
      const job = scrapeConfig.scrape_configs[0];
      expect(job.honor_labels, build).toBe(true);
      const target = `${dnsName(clusterIp)}:${clusterIp.spec!.ports![0].port}`;
      expect(
        job.static_configs.flatMap((c) => c.targets),
        build,
      ).toEqual([target]);
      jobNames.add(job.job_name);
    }
    expect(jobNames.size, 'one scrape job name per cache').toBe(caches.length);
  });
});
