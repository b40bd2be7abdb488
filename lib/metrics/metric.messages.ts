/** User-facing messages of the app-metric providers, in one place. */

export const metricProviderFailed = (factory: string, name: string, reason: string): string =>
  `NubiumMetricsModule: ${factory}({ name: ${JSON.stringify(name)} }): ${reason}`;

export const metricNameTaken = (existing: string, labelNames: readonly string[]): string =>
  `the registry already has a metric of that name (a ${existing} labelled [${labelNames.join(', ')}]); give this one another name, or the same type and labels to share it`;

export const metricNameReserved = (prefix: string): string =>
  `names starting with "${prefix}" are reserved for the module's own metrics`;
