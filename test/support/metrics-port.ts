// Apps with the module's own metrics port, and the client side of it: a free port, a scrape,
// and whether anything still listens. Loopback only.
import { createConnection, createServer } from 'node:net';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { KAFKA_BROKER } from './stack-config';

const REQUEST_TIMEOUT_MS = 5_000;

/** The kinds of Nest app a metrics port serves in. */
export type AppKind = 'microservice' | 'context' | 'http';

/**
 * A port nothing listens on, on any interface, at this moment (the system's choice). Another
 * process could take it before the app does; on a test machine's loopback that is rare.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, exclusive: true }, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A request to the metrics port on `host` (IPv4 loopback by default), with a timeout. */
export function scrapePort(
  port: number,
  { path = '/metrics', method = 'GET', host = '127.0.0.1' } = {},
): Promise<Response> {
  const authority = host.includes(':') ? `[${host}]` : host;
  return fetch(`http://${authority}:${port}${path}`, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** How a TCP connection to `host:port` ends: `'refused'` when nothing listens, else `'open'`. */
export function connectTo(port: number, host = '127.0.0.1'): Promise<'open' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host, timeout: REQUEST_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${REQUEST_TIMEOUT_MS} ms`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
  });
}

/**
 * Boots `root` as an app of `kind`, as far as `listen()` where the kind has one: a Nest Kafka
 * microservice of the test broker (consumer group `groupId`, reading from the start), an
 * application context, or an HTTP app on a port the system chooses on IPv4 loopback. The
 * module initialises, and its metrics port opens, on the way. The caller closes the app.
 */
export async function bootApp(
  kind: AppKind,
  root: DynamicModule,
  { groupId = 'metrics-port-test' }: { groupId?: string } = {},
): Promise<INestApplicationContext> {
  const logger = ['error', 'warn'] as const;
  switch (kind) {
    case 'context':
      return NestFactory.createApplicationContext(root, {
        logger: [...logger],
        abortOnError: false,
      });
    case 'http': {
      const app = await NestFactory.create(root, { logger: [...logger], abortOnError: false });
      await listenOrClose(app, () => app.listen(0, '127.0.0.1'));
      return app;
    }
    case 'microservice': {
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
        transport: Transport.KAFKA,
        options: {
          client: { clientId: groupId, brokers: [KAFKA_BROKER], logLevel: logLevel.ERROR },
          consumer: { groupId, maxWaitTimeInMs: 200 },
          subscribe: { fromBeginning: true },
        },
        logger: [...logger],
        abortOnError: false,
      });
      await listenOrClose(app, () => app.listen());
      return app;
    }
  }
}

/** Runs `listen`; an app whose start-up fails is closed before the error goes on. */
async function listenOrClose(app: INestApplicationContext, listen: () => Promise<unknown>) {
  try {
    await listen();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
