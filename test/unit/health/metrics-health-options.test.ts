import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import {
  MetricsHealthIndicator,
  MetricsHealthModule,
  MetricsOptionsError,
  NubiumMetricsModule,
} from '../../../lib';

const metrics = NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false });

async function detailsOf(
  health: typeof MetricsHealthModule | ReturnType<typeof MetricsHealthModule.forRoot>,
) {
  @Module({ imports: [metrics, health] })
  class HealthAppModule {}
  const app = await NestFactory.createApplicationContext(HealthAppModule, { logger: false });
  try {
    return (await app.get(MetricsHealthIndicator).isHealthy('push')).push;
  } finally {
    await app.close();
  }
}

describe('MetricsHealthModule options', () => {
  it.each([0, -1, 1.5, '2' as never, Number.NaN])(
    'refuses minTargets %j with a MetricsOptionsError naming the option',
    (minTargets) => {
      let error: unknown;
      try {
        MetricsHealthModule.forRoot({ minTargets });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MetricsOptionsError);
      expect(error).toMatchObject({ option: 'minTargets', envVar: undefined, source: 'code' });
      expect((error as Error).message).toContain(
        'option "minTargets" of MetricsHealthModule must be a whole number >= 1, got',
      );
    },
  );

  it('needs 1 pod by default, imported as it is or through forRoot()', async () => {
    expect((await detailsOf(MetricsHealthModule)).minTargets).toBe(1);
    expect((await detailsOf(MetricsHealthModule.forRoot())).minTargets).toBe(1);
  });

  it('uses the minTargets given to forRoot', async () => {
    expect((await detailsOf(MetricsHealthModule.forRoot({ minTargets: 3 }))).minTargets).toBe(3);
  });
});
