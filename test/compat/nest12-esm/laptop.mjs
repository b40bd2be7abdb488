// The README's "developer's machine": forRoot({ app }) with neither HOSTNAME nor
// METRICS_SERVICE_NAME in the env (run.sh removes both, and every other env var of the module).
// It starts with pushing off, counts, serves the count under the machine's host name, and its
// pushNow() sends nothing; it prints what it saw. run.sh checks the one start-up warning in this
// app's output and that no Pushgateway received its app.
import 'reflect-metadata';
import { hostname } from 'node:os';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { NubiumMetricsModule, MetricsManager, MetricsPusher } from 'nubium-metrics-nestjs';
import { sampleLine, scrape } from './compat-support.cjs';

const { COMPAT_APP, COMPAT_TOPIC } = process.env;
const MODULE_ENV = ['HOSTNAME', 'APP_NAME', 'METRICS_SERVICE_NAME', 'METRICS_PUSH_ENABLED'];
const leaked = MODULE_ENV.filter((name) => name in process.env);
if (leaked.length > 0) throw new Error(`not a laptop: ${leaked.join(', ')} set in the env`);

class AppModule {}
Module({
  imports: [NubiumMetricsModule.forRoot({ app: COMPAT_APP, metricsEndpoint: true })],
})(AppModule);

const app = await NestFactory.create(AppModule, new FastifyAdapter(), {
  logger: ['error', 'warn'],
});
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
try {
  app.get(MetricsManager).incMessagesConsumed(COMPAT_TOPIC, 3);
  const scraped = await scrape(app.getHttpServer().address().port);
  const served = sampleLine(scraped.text, 'messages_consumed', { topic: COMPAT_TOPIC });
  const report = await app.get(MetricsPusher).pushNow();
  const expected = `messages_consumed{app="${COMPAT_APP}",job="${hostname()}",topic="${COMPAT_TOPIC}"} 3`;
  console.log(
    JSON.stringify({
      app: COMPAT_APP,
      laptop: { hostname: hostname() },
      endpoint: { status: scraped.status, served },
      push: { skipped: report.skipped, targets: report.targets.length, ok: report.ok },
    }),
  );
  const found = [];
  if (served !== expected) found.push(`/metrics serves ${served}, expected ${expected}`);
  if (report.skipped !== 'no-service-name' || report.targets.length !== 0 || report.ok !== true)
    found.push(
      `pushNow() resolved with skipped ${report.skipped}, ${report.targets.length} targets and ok ${report.ok}, expected skipped no-service-name, none and ok true`,
    );
  for (const problem of found) console.error(`compat: ${COMPAT_APP}: ${problem}`);
  if (found.length > 0) process.exitCode = 1;
} finally {
  await app.close();
}
