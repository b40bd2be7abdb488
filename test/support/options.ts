// Shared by the option tests: a deployment's env vars, and the error a bad option must raise.
import { afterEach, beforeEach, expect } from 'vitest';
import { MetricsOptionsError } from '../../lib/options/metrics-options.error';

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
  'METRICS_DNS_SERVERS',
  'METRICS_STRICT_OPTIONS',
  'METRICS_ENDPOINT_PORT',
  'METRICS_PUSH_PROTOCOL',
  'METRICS_PUSH_PATH',
] as const;

/**
 * Registers hooks that clear every env var the module reads before each test, as on a machine
 * with none, and put back the values they had after it.
 */
export function useClearedMetricsEnv(): void {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of METRICS_ENV_VARS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of METRICS_ENV_VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
}
