import 'reflect-metadata';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { HttpModule } from './http/http.module';
import { LoopModule } from './loop/loop.module';
import { MicroserviceModule } from './microservice/microservice.module';
import { settings } from './settings';

const SETUPS = ['loop', 'http', 'microservice'] as const;
type Setup = (typeof SETUPS)[number];

/** Starts one of the three setups; each is its own app, with its own APP_NAME and HOSTNAME (job). */
async function start(setup: Setup): Promise<INestApplicationContext> {
  switch (setup) {
    case 'loop':
      return NestFactory.createApplicationContext(LoopModule);
    case 'http': {
      const app = await NestFactory.create(HttpModule);
      await app.listen(settings.httpPort, process.env.HTTP_HOST ?? '0.0.0.0');
      return app;
    }
    case 'microservice': {
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(MicroserviceModule, {
        transport: Transport.KAFKA,
        options: {
          client: { clientId: 'sample-microservice', brokers: settings.kafkaBrokers },
          consumer: { groupId: `sample-microservice${settings.groupSuffix}` },
          subscribe: { fromBeginning: true },
        },
      });
      await app.listen();
      return app;
    }
  }
}

async function main(): Promise<void> {
  const setup = process.env.SAMPLE_SETUP as Setup;
  if (!SETUPS.includes(setup)) {
    throw new Error(
      `SAMPLE_SETUP must be one of ${SETUPS.join(', ')}, got ${JSON.stringify(setup)}`,
    );
  }
  const app = await start(setup);
  // SIGTERM (Kubernetes, the demo) and Ctrl-C run the shutdown hooks: the module's final push.
  app.enableShutdownHooks();
  new Logger('SampleApp').log(`${setup} setup ready`);
}

main().catch((error: unknown) => {
  new Logger('SampleApp').error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
