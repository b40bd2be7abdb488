// The global errors filter counts every HTTP exception by class name and changes nothing in the
// responses: status, content type, length and body are the same as without the module, on both
// HTTP platforms.
import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  HttpException,
  ServiceUnavailableException,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { CountProduced, MetricsManager, MetricsPusher, NubiumMetricsModule } from '../../lib';
import { findSample, readPushgateway, cleanUpGroupEverywhere } from '../support/stack';
import { LOCAL_CACHE_OPTIONS, PUSHGATEWAY_ADDRS } from '../support/stack-config';

const APP = 'errors-filter-http-app';
const RUN = `${Date.now().toString(36)}-${process.pid}`;
const PRODUCED_TOPIC = 'errors-filter-http-orders';

// Looks like an http-errors error; Nest decides what status it gets, with or without the module.
class UpstreamHiccup extends Error {
  readonly statusCode = 422;
}

/** A fresh controller class per app, so no app sees metadata another one bound. */
function errorsController(): Type<unknown> {
  @Controller()
  class ErrorsController {
    @Get('bad')
    bad(): never {
      throw new BadRequestException('nope');
    }
    @Get('bad-object')
    badObject(): never {
      throw new BadRequestException({ code: 'E42', details: [1, 2] });
    }
    @Get('teapot')
    teapot(): never {
      throw new HttpException('short and stout', 418);
    }
    @Get('forbidden')
    forbidden(): never {
      throw new ForbiddenException();
    }
    @Get('crash')
    crash(): never {
      throw new TypeError('boom');
    }
    @Get('async-crash')
    async asyncCrash(): Promise<never> {
      throw new RangeError('later boom');
    }
    @Get('http-error-like')
    httpErrorLike(): never {
      throw new UpstreamHiccup('upstream said 422');
    }
    @Get('produce-fails')
    @CountProduced(PRODUCED_TOPIC)
    produceFails(): never {
      throw new ServiceUnavailableException('broker down');
    }
    @Get('produce-ok')
    @CountProduced(PRODUCED_TOPIC)
    produceOk(): { sent: boolean } {
      return { sent: true };
    }
  }
  return ErrorsController;
}

const PATHS = [
  '/bad',
  '/bad-object',
  '/teapot',
  '/forbidden',
  '/crash',
  '/async-crash',
  '/http-error-like',
  '/produce-fails',
  '/produce-ok',
  '/no-such-route',
];

const EXPECTED_ERRORS: Record<string, number> = {
  BadRequestException: 2,
  HttpException: 1,
  ForbiddenException: 1,
  TypeError: 1,
  RangeError: 1,
  UpstreamHiccup: 1,
  ServiceUnavailableException: 1,
  NotFoundException: 1,
};

async function startApp(
  platform: 'express' | 'fastify',
  job: string | undefined,
): Promise<INestApplication> {
  const module = {
    module: class HttpErrorsModule {},
    imports: job
      ? [
          NubiumMetricsModule.forRoot({
            job,
            app: APP,
            ...LOCAL_CACHE_OPTIONS,
          }),
        ]
      : [],
    controllers: [errorsController()],
  };
  const app =
    platform === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

async function responses(app: INestApplication) {
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const seen: Record<
    string,
    { status: number; contentType: string | null; length: string | null; body: string }
  > = {};
  for (const path of PATHS) {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
    seen[path] = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      length: response.headers.get('content-length'),
      body: await response.text(),
    };
  }
  return seen;
}

describe('MetricsErrorsFilter on HTTP', () => {
  const jobs: string[] = [];

  afterAll(async () => {
    for (const job of jobs) await cleanUpGroupEverywhere(job);
  });

  it.each(['express', 'fastify'] as const)(
    '%s: 4xx and 5xx responses are identical with and without the module, and each exception is counted by class',
    async (platform) => {
      const job = `errors-filter-http-${platform}-${RUN}`;
      jobs.push(job);
      const plain = await startApp(platform, undefined);
      const withModule = await startApp(platform, job);
      try {
        const expected = await responses(plain);
        const actual = await responses(withModule);

        expect(actual).toEqual(expected);
        expect(expected['/teapot'].status).toBe(418);
        expect(expected['/crash'].status).toBe(500);
        expect(expected['/no-such-route'].status).toBe(404);

        const metrics = withModule.get(MetricsManager);
        expect(metrics.messagesProduced(PRODUCED_TOPIC)).toBe(1);
        expect((await withModule.get(MetricsPusher).pushNow()).succeeded).toBe(
          PUSHGATEWAY_ADDRS.length,
        );
        for (const addr of PUSHGATEWAY_ADDRS) {
          const samples = await readPushgateway(addr);
          for (const [exception, n] of Object.entries(EXPECTED_ERRORS)) {
            expect(
              findSample(samples, 'messages_errors', { job, app: APP, exception }),
              `${exception} on ${addr}`,
            ).toBe(n);
          }
          // The failed produce is not counted, the successful one is.
          expect(
            findSample(samples, 'messages_produced', { job, app: APP, topic: PRODUCED_TOPIC }),
            addr,
          ).toBe(1);
        }
      } finally {
        await plain.close();
        await withModule.close();
      }
    },
  );
});
