'use strict';
// A CommonJS Nest 11 app on Express, as users write it without a TypeScript build: decorators
// applied by hand. Counts, serves /metrics, pushes, and prints what it saw.
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
      metricsEndpoint: true,
    }),
  ],
})(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  try {
    app.get(MetricsManager).incMessagesConsumed(COMPAT_TOPIC, 3);
    const scrape = await fetch(`http://127.0.0.1:${app.getHttpServer().address().port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    const served = (await scrape.text())
      .split('\n')
      .find((line) => line.startsWith('compat_messages_consumed{'));
    const report = await app.get(MetricsPusher).pushNow();
    console.log(
      JSON.stringify({
        endpoint: { status: scrape.status, served },
        push: { ok: report.ok, succeeded: report.succeeded },
      }),
    );
    if (!report.ok || scrape.status !== 200) process.exitCode = 1;
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
