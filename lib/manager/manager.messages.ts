/** User-facing messages of the manager: its metrics, increments it ignores, the default metrics. */

/** A caller's value shown in a message: strings quoted and escaped (no log injection), and cut short. */
const shown = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
    : `a value of type ${value === null ? 'null' : typeof value}`;

export const invalidCustomMetric = (name: unknown, reason: string): string =>
  `NubiumMetricsModule: registerCustomMetric(${shown(name)}): ${reason}`;

// Reasons a custom metric is refused; each completes `registerCustomMetric(<name>): ...`.
export const customNameInvalid = (): string =>
  'the name must match [a-zA-Z_:][a-zA-Z0-9_:]* (Prometheus names)';
export const customNameReserved = (prefix: string): string =>
  `names starting with "__" (Prometheus) or "${prefix}" (this module) are reserved`;
export const customDescriptionEmpty = (): string => 'the description must be a non-empty string';
export const customNameOwn = (): string => "is the module's own, counted by incExternalRequests";
export const customNameTaken = (): string => 'the registry already has another metric of that name';

export const unregisteredCustomMetric = (name: unknown): string =>
  `incCustomMetric(${shown(name)}): no custom metric of that name is registered, so nothing is counted; register it first with registerCustomMetric(name, description)`;

export const unregisteredCustomMetricsCapped = (cap: number): string =>
  `incCustomMetric: ${cap} unregistered names reported; further unregistered names are ignored silently`;

export const rejectedLabelValue = (metric: string, label: string, value: unknown): string =>
  `${metric}: ignored an increment whose "${label}" is ${shown(value)} (label values must be strings or numbers; further bad label values are ignored silently)`;

export const metricUnavailable = (metric: string, reason: string): string =>
  `${metric}: cannot be added to the registry (${reason}); its increments are not counted`;

export const labelOverflow = (metric: string, label: string, cap: number): string =>
  `${metric}: more than ${cap} distinct "${label}" values; further values are counted under "__overflow__"`;

export const rejectedCount = (metric: string, n: unknown): string =>
  `${metric}: ignored an increment of ${typeof n === 'string' ? JSON.stringify(n) : String(n)} (must be a finite number >= 0; further bad increments are ignored silently)`;

export const defaultMetricsFailed = (reason: string): string =>
  `default metrics not added: ${reason}`;

export const defaultMetricsPresent = (prefix: string): string =>
  `default metrics (prefix "${prefix}") are already in the registry; not added again`;
