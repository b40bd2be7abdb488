// An ESM Nest 12 app ("type": "module") importing the CommonJS package: Node's require(esm)
// lets the package load the same ESM copy of @nestjs/common the app imports.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NubiumMetricsModule, MetricsManager, MetricsPusher } from 'nubium-metrics-nestjs';

const { COMPAT_APP, COMPAT_JOB, COMPAT_TOPIC, COMPAT_DNS_SERVER, COMPAT_SERVICE_NAME } =
  process.env;

class AppModule {}
Module({
  imports: [
    NubiumMetricsModule.forRootAsync({
      useFactory: () => ({
        app: COMPAT_APP,
        job: COMPAT_JOB,
        serviceName: COMPAT_SERVICE_NAME,
        dnsServers: [COMPAT_DNS_SERVER],
        pushRateSeconds: 3600,
        // Own name: the shared test gateways may hold messages_consumed of another type.
        metricNames: { consumed: 'compat_messages_consumed' },
      }),
    }),
  ],
})(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
app.get(MetricsManager).incMessagesConsumed(COMPAT_TOPIC, 3);
const report = await app.get(MetricsPusher).pushNow();
await app.close();
console.log(
  JSON.stringify({ ok: report.ok, succeeded: report.succeeded, targets: report.discovery.targets }),
);
if (!report.ok) process.exitCode = 1;
