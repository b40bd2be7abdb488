/** User-facing messages of the manager's external-request and custom metrics, in one place. */

/** A caller's value shown in a message: strings quoted and escaped (no log injection), and cut short. */
const shown = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
    : `a value of type ${value === null ? 'null' : typeof value}`;

export const invalidCustomMetric = (name: unknown, reason: string): string =>
  `NubiumMetricsModule: registerCustomMetric(${shown(name)}): ${reason}`;

export const unregisteredCustomMetric = (name: unknown): string =>
  `incCustomMetric(${shown(name)}): no custom metric of that name is registered, so nothing is counted; register it first with registerCustomMetric(name, description)`;

export const unregisteredCustomMetricsCapped = (cap: number): string =>
  `incCustomMetric: ${cap} unregistered names reported; further unregistered names are ignored silently`;

export const rejectedLabelValue = (metric: string, label: string, value: unknown): string =>
  `${metric}: ignored an increment whose "${label}" is ${shown(value)} (label values must be strings or numbers; further bad label values are ignored silently)`;

export const metricUnavailable = (metric: string, reason: string): string =>
  `${metric}: cannot be added to the registry (${reason}); its increments are not counted`;
