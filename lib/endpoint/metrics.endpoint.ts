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
import { serialiseRegistry } from '../pusher/serialise-registry';

/**
 * The optional pull endpoint: serves the pushed registry in the Prometheus text format on the
 * app's own HTTP server. The route goes straight onto the HTTP adapter (Express or Fastify), so
 * its path comes from options known only at run time (`forRootAsync`), and app-wide guards,
 * interceptors and the global prefix leave it alone, like a health probe.
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit {
  private readonly logger = new Logger(LOGGER_CONTEXT);

  constructor(
    @Inject(RESOLVED_METRICS_OPTIONS) private readonly options: ResolvedMetricsOptions,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Adds the route: Nest has registered its own routes by now, and not yet its 404 handler. */
  onModuleInit(): void {
    const endpoint = this.options.metricsEndpoint;
    if (endpoint === undefined) return;
    const adapter = this.adapterHost?.httpAdapter as HttpServer | null | undefined;
    if (!adapter) {
      this.logger.warn(
        `metricsEndpoint is on but the app has no HTTP server (NestFactory.create); ${endpoint.path} is not served`,
      );
      return;
    }
    adapter.get(endpoint.path, (_request: unknown, response: unknown) =>
      this.serve(adapter, response),
    );
  }

  /** Answers one scrape; a failing collect callback gives a 500 and a log line, never an exception. */
  private async serve(adapter: HttpServer, response: unknown): Promise<void> {
    let body: string;
    let status = 200;
    let contentType: string = this.registry.contentType;
    try {
      // The same sliced formatting as a push: a scrape of a large registry does not stall the app.
      body = await serialiseRegistry(this.registry);
    } catch (error) {
      this.logger.error(
        `metrics endpoint could not collect the registry: ${(error as Error)?.message ?? String(error)}`,
      );
      body = 'metrics collection failed\n';
      status = 500;
      contentType = 'text/plain; charset=utf-8';
    }
    try {
      adapter.setHeader(response, 'Content-Type', contentType);
      adapter.reply(response, body, status);
    } catch (error) {
      this.logger.error(
        `metrics endpoint could not answer: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  }
}
