import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type HttpServer,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY, RESOLVED_METRICS_OPTIONS, LOGGER_CONTEXT } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import * as messages from './endpoint.messages';
import { reasonOf, ScrapeAnswers } from './scrape-answer';

/**
 * The optional pull endpoint on the app's own HTTP server (a `metricsEndpoint` without a port;
 * with one, {@link MetricsPortServer} serves it). The route goes straight onto the HTTP adapter
 * (Express or Fastify), so its path comes from options known only at run time (`forRootAsync`),
 * and app-wide guards, interceptors and the global prefix leave it alone, like a health probe.
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly scrapes: ScrapeAnswers;

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.scrapes = new ScrapeAnswers(registry, options);
  }

  /** Adds the route: Nest has registered its own routes by now, and not yet its 404 handler. */
  onModuleInit(): void {
    const endpoint = this.options.metricsEndpoint;
    if (endpoint === undefined || endpoint.port !== undefined) return;
    const adapter = this.adapterHost?.httpAdapter as HttpServer | null | undefined;
    if (!adapter) {
      this.logger.warn(messages.noHttpServer(endpoint.path));
      return;
    }
    adapter.get(endpoint.path, (_request: unknown, response: unknown) =>
      this.serve(adapter, response),
    );
  }

  /** Answers one scrape; a failing collect callback gives a 500 and a log line, never an exception. */
  private async serve(adapter: HttpServer, response: unknown): Promise<void> {
    const { status, contentType, body } = await this.scrapes.answer();
    try {
      adapter.setHeader(response, 'Content-Type', contentType);
      adapter.reply(response, body, status);
    } catch (error) {
      this.logger.error(messages.answerFailed(reasonOf(error)));
    }
  }
}
