// Every Kubernetes object in deploy/, as each file holds it and as kustomize builds it,
// validated offline against the Kubernetes API: the schemas of kubernetes-models (generated
// from the API's OpenAPI spec) for types, formats and allowed values, and its type
// declarations for field names, which the schemas leave open. A wrong type or a misspelled
// field would otherwise only show when `kubectl apply` rejects it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY, kustomize, parseYamlObjects, requireKubectl, ROOT } from '../support/kustomize';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [field: string]: unknown;
}
interface Kustomization {
  resources?: string[];
  configMapGenerator?: Array<{ files?: string[] }>;
  patches?: Array<{ path?: string }>;
}

/**
 * The kinds deploy/ may hold, by `apiVersion/kind`, which is also the kubernetes-models module
 * of the class and of its declared interface (`I` + kind); the prometheus-operator's kinds
 * come from its CRDs' schemas, in @kubernetes-models/prometheus-operator.
 */
const MODELS: Record<string, new (data: never) => unknown> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** The module that declares the kind `key` (`apiVersion/kind`). */
function modelModule(key: string): string {
  return key.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${key}`
    : `kubernetes-models/${key}`;
}

/** The type checker over kubernetes-models' declarations, and the declared type of each kind. */
function loadDeclaredTypes(): { checker: ts.TypeChecker; kinds: ts.Type } {
  const entry = resolve(__dirname, '__deploy-kinds__.ts');
  const text = `export type Kinds = {\n${Object.keys(MODELS)
    .map((key) => `  '${key}': import('${modelModule(key)}').I${key.split('/').pop()};`)
    .join('\n')}\n};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.fileExists = (file) => file === entry || fileExists(file);
  host.getSourceFile = (file, language, ...rest) =>
    file === entry
      ? ts.createSourceFile(file, text, language)
      : getSourceFile.call(host, file, language, ...rest);
  const program = ts.createProgram([entry], options, host);
  const source = program.getSourceFile(entry)!;
  const diagnostics = ts.getPreEmitDiagnostics(program, source);
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  const checker = program.getTypeChecker();
  const alias = source.statements.find(ts.isTypeAliasDeclaration)!;
  return { checker, kinds: checker.getTypeAtLocation(alias) };
}

/** Paths of fields the declared type has no room for (what `kubectl apply` rejects as unknown). */
function unknownFields(
  checker: ts.TypeChecker,
  value: unknown,
  declared: ts.Type,
  path: string,
): string[] {
  const type = checker.getNonNullableType(declared);
  if (Array.isArray(value)) {
    if (!checker.isArrayType(type)) return [];
    const [item] = checker.getTypeArguments(type as ts.TypeReference);
    return value.flatMap((v, i) => unknownFields(checker, v, item, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  // A mismatch of object against a primitive is the schema's to report.
  const shape = type.isUnion() ? type.types.find((t) => t.flags & ts.TypeFlags.Object) : type;
  if (!shape || !(shape.flags & ts.TypeFlags.Object)) return [];
  const index = checker.getIndexInfosOfType(shape)[0]?.type;
  return Object.entries(value).flatMap(([key, v]) => {
    const property = checker.getPropertyOfType(shape, key);
    const field = property ? checker.getTypeOfSymbol(property) : index;
    return field ? unknownFields(checker, v, field, `${path}.${key}`) : [`${path}.${key}`];
  });
}

let declared: { checker: ts.TypeChecker; kinds: ts.Type };

/** Everything wrong with one object, by the Kubernetes API's schema; empty when it is valid. */
function validationErrors(object: K8sObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  const kindType = declared.kinds.getProperty(key);
  if (!Model || !kindType) return [`no schema for ${key}: add its kubernetes-models class`];
  const errors: string[] = [];
  try {
    // validate() is the base Model's, whose types the repo's node10 resolution does not reach.
    (new Model(object as never) as { validate(): void }).validate();
  } catch (error) {
    errors.push((error as Error).message);
  }
  const type = declared.checker.getTypeOfSymbol(kindType);
  for (const field of unknownFields(declared.checker, object, type, key)) {
    errors.push(`unknown field ${field}`);
  }
  return errors;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? yamlFiles(resolve(dir, e.name))
      : e.name.endsWith('.yaml')
        ? [resolve(dir, e.name)]
        : [],
  );
}

const kustomizations = yamlFiles(DEPLOY).filter((f) => f.endsWith('/kustomization.yaml'));
const kustomizationDirs = kustomizations.map(dirname);
// Every other YAML file is either a resource of a kustomization (a manifest), a file of one of
// its generators (the scrape configs, which are not Kubernetes objects), or one of its patches
// (part of an object, validated in the object the build makes of it).
const manifests = new Set<string>();
const generated = new Set<string>();
const patches = new Set<string>();
for (const file of kustomizations) {
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  for (const r of k.resources ?? []) {
    if (r.endsWith('.yaml')) manifests.add(resolve(dirname(file), r));
  }
  for (const f of (k.configMapGenerator ?? []).flatMap((g) => g.files ?? [])) {
    generated.add(resolve(dirname(file), f));
  }
  for (const { path } of k.patches ?? []) if (path) patches.add(resolve(dirname(file), path));
}

beforeAll(async () => {
  await requireKubectl();
  declared = loadDeclaredTypes();
});

/** Each invalid object's errors, by where it comes from; empty when every object is valid. */
function invalidObjects(objects: K8sObject[], source: string): Record<string, string[]> {
  return Object.fromEntries(
    objects
      .map((o) => [`${source}: ${o.kind}/${o.metadata.name}`, validationErrors(o)] as const)
      .filter(([, errors]) => errors.length > 0),
  );
}

describe('deploy/ against the Kubernetes API schemas (offline)', () => {
  it('finds the base, the reusable metrics cache and sample app, the team-b shard and the pull overlay as kustomizations', () => {
    expect(kustomizationDirs.map((d) => relative(DEPLOY, d) || '.')).toEqual(
      expect.arrayContaining(['.', 'metrics-cache', 'sample-app', 'shards/team-b', 'pull']),
    );
  });

  it('builds every kustomization with kubectl kustomize into objects that all validate', async () => {
    for (const dir of kustomizationDirs) {
      const objects = await kustomize<K8sObject>(dir);
      expect(objects.length, relative(ROOT, dir)).toBeGreaterThan(0);
      expect(invalidObjects(objects, `kubectl kustomize ${relative(ROOT, dir)}`)).toEqual({});
    }
  });

  it('validates every manifest file as written, and leaves no YAML file outside a kustomization', () => {
    const unused = yamlFiles(DEPLOY).filter(
      (f) =>
        !f.endsWith('/kustomization.yaml') &&
        !manifests.has(f) &&
        !generated.has(f) &&
        !patches.has(f),
    );
    expect(unused.map((f) => relative(ROOT, f))).toEqual([]);
    expect(manifests.size).toBeGreaterThanOrEqual(3);
    for (const file of manifests) {
      const name = relative(ROOT, file);
      expect(
        invalidObjects(parseYamlObjects<K8sObject>(readFileSync(file, 'utf8'), name), name),
      ).toEqual({});
    }
  });

  describe('catches a broken object', () => {
    type Container = Record<string, unknown>;
    /** A fresh copy of the metrics cache's StatefulSet, and its Pushgateway container. */
    function cache(): { statefulSet: K8sObject; pushgateway: Container } {
      const file = resolve(DEPLOY, 'metrics-cache/metrics-cache.yaml');
      const statefulSet = parseYamlObjects<K8sObject>(readFileSync(file, 'utf8'), file).find(
        (o) => o.kind === 'StatefulSet',
      )!;
      const pod = statefulSet.spec as { template: { spec: { containers: Container[] } } };
      return { statefulSet, pushgateway: pod.template.spec.containers[0] };
    }

    it('rejects a containerPort given as a port name', () => {
      const { statefulSet, pushgateway } = cache();
      expect(validationErrors(statefulSet)).toEqual([]);
      pushgateway.ports = [{ name: 'http', containerPort: 'http' }];
      expect(validationErrors(statefulSet).join('\n')).toMatch(
        /containers\/0\/ports\/0\/containerPort must be integer/,
      );
    });

    it('rejects a misspelled field, as kubectl apply does', () => {
      const { statefulSet, pushgateway } = cache();
      pushgateway.readinesProbe = pushgateway.readinessProbe;
      delete pushgateway.readinessProbe;
      expect(validationErrors(statefulSet)).toEqual([
        'unknown field apps/v1/StatefulSet.spec.template.spec.containers[0].readinesProbe',
      ]);
    });

    it("rejects a PodMonitor against the prometheus-operator CRD's schema and field names", () => {
      const file = resolve(DEPLOY, 'pull/pod-monitor.yaml');
      const fresh = () => parseYamlObjects<K8sObject>(readFileSync(file, 'utf8'), file)[0];
      const endpoint = (o: K8sObject) =>
        (o.spec as { podMetricsEndpoints: Container[] }).podMetricsEndpoints[0];
      expect(validationErrors(fresh())).toEqual([]);

      const numbered = fresh();
      endpoint(numbered).port = 9464;
      expect(validationErrors(numbered).join('\n')).toMatch(
        /podMetricsEndpoints\/0\/port must be string/,
      );

      const misspelled = fresh();
      endpoint(misspelled).honourLabels = true;
      expect(validationErrors(misspelled)).toEqual([
        'unknown field monitoring.coreos.com/v1/PodMonitor.spec.podMetricsEndpoints[0].honourLabels',
      ]);
    });

    it("rejects an alerting rule with a bad duration or a misspelled field, by the operator's CRD", () => {
      const file = resolve(DEPLOY, 'prometheus/alerts.prometheusrule.yaml');
      const [rule] = parseYamlObjects<K8sObject>(readFileSync(file, 'utf8'), file);
      expect(validationErrors(rule)).toEqual([]);
      const first = (rule.spec as { groups: Array<{ rules: Container[] }> }).groups[0].rules[0];
      first.for = '2 minutes';
      first.expression = first.expr;
      const errors = validationErrors(rule);
      expect(errors.join('\n')).toMatch(/groups\/0\/rules\/0\/for must match pattern/);
      expect(errors).toContain(
        'unknown field monitoring.coreos.com/v1/PrometheusRule.spec.groups[0].rules[0].expression',
      );
    });

    it('rejects a kind it has no schema for, rather than skipping it', () => {
      const errors = validationErrors({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'sweeper' },
      });
      expect(errors).toEqual(['no schema for batch/v1/CronJob: add its kubernetes-models class']);
    });
  });
});
