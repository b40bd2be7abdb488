'use strict';
// A CommonJS Nest 11 app as users write it without a TypeScript build: decorators applied by hand.
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { NubiumMetricsModule, MetricsManager, MetricsPusher } = require('nubium-metrics-nestjs');

const { COMPAT_APP, COMPAT_JOB, COMPAT_TOPIC, COMPAT_DNS_SERVER, COMPAT_SERVICE_NAME } =
  process.env;

class AppModule {}
Module({
  imports: [
    NubiumMetricsModule.forRoot({
      app: COMPAT_APP,
      job: COMPAT_JOB,
      serviceName: COMPAT_SERVICE_NAME,
      dnsServers: [COMPAT_DNS_SERVER],
      pushRateSeconds: 3600,
      // Own name: the shared test gateways may hold messages_consumed of another type.
      metricNames: { consumed: 'compat_messages_consumed' },
    }),
  ],
})(AppModule);

async function main() {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  app.get(MetricsManager).incMessagesConsumed(COMPAT_TOPIC, 3);
  const report = await app.get(MetricsPusher).pushNow();
  await app.close();
  console.log(
    JSON.stringify({
      ok: report.ok,
      succeeded: report.succeeded,
      targets: report.discovery.targets,
    }),
  );
  if (!report.ok) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
