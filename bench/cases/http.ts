import { Controller, Get, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NubiumMetricsModule } from '../../lib/metrics.module';
import { benchJob, PUSHGATEWAYS } from '../support/pusher';
import { pairedRow, type CaseContext, type Row } from '../support/result';
import { alternate, cpuMs, median, perRoundRatios, settle } from '../support/stats';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PlainApp {}

@Module({
  imports: [
    // As an app would import it: pushing on its interval (to the first local Pushgateway).
    NubiumMetricsModule.forRoot({
      job: benchJob(),
      app: 'bench-app',
      serviceName: PUSHGATEWAYS[0],
      deleteOnShutdown: true,
    }),
  ],
  controllers: [PingController],
})
class MetricsApp {}

async function start(module: Type): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * Case 4: HTTP route throughput with the module imported and without. Requests go through
 * Fastify's `inject` (Nest's full request pipeline, no sockets), so the kernel's and a client's
 * noise do not hide a difference of a few percent. Both apps live in this process and take
 * turns in short rounds; the ratio is the median of the per-round ratios, so a slow stretch of
 * the machine, which hits both of a round's halves, cancels out.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  const perRound = ctx.quick ? 4_000 : 5_000;
  const rounds = ctx.quick ? 7 : 51;
  const concurrency = 16;
  const apps = { metrics: await start(MetricsApp), plain: await start(PlainApp) };
  const wall: Record<'metrics' | 'plain', number[]> = { metrics: [], plain: [] };
  // Figure: requests per second of this process's CPU time, which another process taking the
  // core does not change; wall-clock throughput is reported beside it.
  const round = (name: 'metrics' | 'plain') => async (): Promise<number> => {
    const fastify = apps[name].getHttpAdapter().getInstance();
    let sent = 0;
    const worker = async () => {
      while (sent < perRound) {
        sent++;
        const res = await fastify.inject({ method: 'GET', url: '/ping' });
        if (res.statusCode !== 200) throw new Error(`GET /ping answered ${res.statusCode}`);
      }
    };
    await settle();
    const cpu = process.cpuUsage();
    const t = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    wall[name].push(perRound / ((performance.now() - t) / 1000));
    return perRound / (cpuMs(cpu) / 1000);
  };
  try {
    await round('metrics')();
    await round('plain')();
    wall.metrics.length = wall.plain.length = 0;
    const r = await alternate(
      rounds,
      { metrics: round('metrics'), plain: round('plain') },
      ctx.quick ? 20_000 : 180_000,
    );
    return [
      pairedRow(
        {
          case: '4 HTTP route',
          figure: 'GET /ping with the module imported, req per CPU-second',
          unit: 'req/s',
          baselineLabel: 'without the module',
          note: `wall ${median(wall.metrics).toFixed(0)} vs ${median(wall.plain).toFixed(0)} req/s (per-round ratio ${median(perRoundRatios(wall.metrics, wall.plain)).toFixed(3)}); Nest 12 + Fastify inject, ${concurrency} concurrent, ${r.metrics.length} rounds x ${perRound} requests`,
          rounds: { cpu: r, wall },
        },
        r.metrics,
        r.plain,
        '>=',
        0.98,
        '>= 0.98',
      ),
    ];
  } finally {
    await apps.metrics.close();
    await apps.plain.close();
  }
}
