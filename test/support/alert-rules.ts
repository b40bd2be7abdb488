// deploy/prometheus/alerts.yaml as the tests read it: its groups and rules, parsed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DEPLOY } from './kustomize';

/** One rule of a Prometheus rule file: an alert or a recording rule. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Prometheus rule file (or a PrometheusRule's spec). */
export interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}

/** The rule file the package ships. */
export const ALERTS_FILE = resolve(DEPLOY, 'prometheus/alerts.yaml');

/** Its contents, parsed. */
export const ALERT_RULES = parse(readFileSync(ALERTS_FILE, 'utf8')) as RuleFile;

/** The alert `name` of alerts.yaml; throws when there is none. */
export function alertRule(name: string): Rule {
  const found = ALERT_RULES.groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  if (!found) throw new Error(`no alert ${name} in deploy/prometheus/alerts.yaml`);
  return found;
}

/** `expr` with its threshold `from` (e.g. `> 120`) replaced by `to`; throws when it has none. */
export function withThreshold(expr: string, from: string, to: string): string {
  if (!expr.includes(from)) throw new Error(`no "${from}" in ${expr}`);
  return expr.replace(from, to);
}
