import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Interval, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  METRICS_REGISTRY,
  MetricsManager,
  MetricsModule,
  MetricsOptionsError,
  MetricsPusher,
  NubiumMetricsModule,
  RESOLVED_METRICS_OPTIONS,
  type ResolvedMetricsOptions,
} from '../../lib';
import { PUSH_INTERVAL_NAME } from '../../lib/metrics.constants';
import { useAppContexts } from '../support/app-contexts';

const { boot, apps } = useAppContexts();

const base = { job: 'pod-1', app: 'orders', serviceName: '127.0.0.1', pushRateSeconds: 3600 };

@Injectable()
class Settings {
  readonly appName = 'from-config';
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class Consumer {
  constructor(readonly metrics: MetricsManager) {}
}

@Injectable()
class AppJobs {
  @Interval('app-job', 3_600_000)
  tick(): void {}
}

describe('NubiumMetricsModule', () => {
  it('is also exported as MetricsModule', () => {
    expect(MetricsModule).toBe(NubiumMetricsModule);
  });

  it('forRoot provides the manager, the registry and the pusher, and schedules the push', async () => {
    @Module({ imports: [NubiumMetricsModule.forRoot(base)] })
    class AppModule {}
    const app = await boot(AppModule);
    await app.init();
    const manager = app.get(MetricsManager);
    expect(manager.app).toBe('orders');
    expect(app.get(METRICS_REGISTRY)).toBe(manager.registry);
    expect(app.get(MetricsPusher)).toBeInstanceOf(MetricsPusher);
    expect(app.get(SchedulerRegistry).getIntervals()).toContain(PUSH_INTERVAL_NAME);
  });

  it('forRootAsync builds the options with an injected factory', async () => {
    @Module({
      imports: [
        NubiumMetricsModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ ...base, app: settings.appName }),
        }),
      ],
    })
    class AppModule {}
    const app = await boot(AppModule);
    expect(app.get(MetricsManager).app).toBe('from-config');
  });

  it('is global by default, so any module can inject the manager', async () => {
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base), FeatureModule] })
    class AppModule {}
    const app = await boot(AppModule);
    expect(app.get(Consumer).metrics).toBe(app.get(MetricsManager));
  });

  it('uses a registry handed to it', async () => {
    const registry = new Registry();
    @Module({ imports: [NubiumMetricsModule.forRoot({ ...base, registry })] })
    class AppModule {}
    const app = await boot(AppModule);
    expect(app.get(MetricsManager).registry).toBe(registry);
    expect(await registry.getSingleMetricAsString('messages_consumed')).toContain(
      '# TYPE messages_consumed gauge',
    );
  });

  it('fails start-up naming the option and its env var, before anything is scheduled', async () => {
    const previous = process.env.METRICS_PUSH_RATE;
    process.env.METRICS_PUSH_RATE = 'often';
    try {
      @Module({
        imports: [
          NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', serviceName: '127.0.0.1' }),
        ],
      })
      class AppModule {}
      const error = await NestFactory.createApplicationContext(AppModule, {
        logger: false,
        abortOnError: false,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetricsOptionsError);
      expect((error as Error).message).toBe(
        'NubiumMetricsModule: option "pushRateSeconds" (from env METRICS_PUSH_RATE) must be a number, got "often"',
      );
    } finally {
      if (previous === undefined) delete process.env.METRICS_PUSH_RATE;
      else process.env.METRICS_PUSH_RATE = previous;
    }
  });

  it('does not schedule pushes with pushEnabled false', async () => {
    @Module({
      imports: [NubiumMetricsModule.forRoot({ job: 'pod-1', app: 'orders', pushEnabled: false })],
    })
    class AppModule {}
    const app = await boot(AppModule);
    await app.init();
    expect(app.get(SchedulerRegistry).getIntervals()).not.toContain(PUSH_INTERVAL_NAME);
    expect(app.get<ResolvedMetricsOptions>(RESOLVED_METRICS_OPTIONS).pushEnabled).toBe(false);
  });

  it('shares @nestjs/schedule with an app that imports ScheduleModule.forRoot() itself', async () => {
    // Two schedule explorers would register the app's named interval twice, and the second
    // registration would throw at init.
    @Module({
      imports: [ScheduleModule.forRoot(), NubiumMetricsModule.forRoot(base)],
      providers: [AppJobs],
    })
    class AppModule {}
    const app = await boot(AppModule);
    await app.init();
    expect(app.get(SchedulerRegistry).getIntervals().sort()).toEqual([
      'app-job',
      PUSH_INTERVAL_NAME,
    ]);
  });
});

describe('one group per pusher in a process', () => {
  it('fails start-up of a second module pushing the same group, naming the clash', async () => {
    @Module({ imports: [NubiumMetricsModule.forRoot(base)] })
    class FirstApp {}
    @Module({ imports: [NubiumMetricsModule.forRoot(base)] })
    class SecondApp {}
    await boot(FirstApp);

    const error = await NestFactory.createApplicationContext(SecondApp, {
      logger: false,
      abortOnError: false,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(MetricsOptionsError);
    expect((error as Error).message).toContain('/metrics/job/pod-1');
    expect((error as Error).message).toContain('already pushes');
  });

  it('lets modules with different grouping labels push beside each other, and frees a group on close', async () => {
    @Module({
      imports: [NubiumMetricsModule.forRoot({ ...base, groupingLabels: { process: 'a' } })],
    })
    class AppA {}
    @Module({
      imports: [NubiumMetricsModule.forRoot({ ...base, groupingLabels: { process: 'b' } })],
    })
    class AppB {}
    @Module({
      imports: [NubiumMetricsModule.forRoot({ ...base, groupingLabels: { process: 'a' } })],
    })
    class AppAAgain {}
    const a = await boot(AppA);
    await boot(AppB);
    await a.close();
    apps.splice(apps.indexOf(a), 1);

    await expect(boot(AppAAgain)).resolves.toBeDefined();
  });
});
