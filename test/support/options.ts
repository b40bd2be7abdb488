// Shared by the option tests: a deployment's env vars, and the error a bad option must raise.
import { expect } from 'vitest';
import { MetricsOptionsError } from '../../lib/metrics.options';

/** The env vars of a pod in a cluster, as its Deployment sets them. */
export const POD_ENV = {
  HOSTNAME: 'orders-7d9f-abcde',
  APP_NAME: 'orders',
  METRICS_SERVICE_NAME: 'metrics-cache-headless.monitoring.svc.cluster.local',
};

/** The MetricsOptionsError that `fn` throws; fails the test when it throws nothing or another error. */
export function optionsFailure(fn: () => unknown): MetricsOptionsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsOptionsError);
    return error as MetricsOptionsError;
  }
  throw new Error('expected a MetricsOptionsError');
}

/** Every env var the module reads: a test clears them all to start from a machine with none. */
export const METRICS_ENV_VARS = [
  'HOSTNAME',
  'APP_NAME',
  'METRICS_SERVICE_NAME',
  'METRICS_SERVICE_PORT',
  'METRICS_POD_PORT',
  'METRICS_PUSH_RATE',
  'METRICS_PUSH_ENABLED',
  'METRICS_ENDPOINT_PORT',
] as const;
