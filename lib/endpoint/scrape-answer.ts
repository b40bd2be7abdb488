import { Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { LABEL, LOGGER_CONTEXT } from '../metrics.constants';
import type { ResolvedMetricsOptions } from '../metrics.options';
import { serialiseRegistry, type SerialiseOptions } from '../serialiser/serialise-registry';
import * as messages from './endpoint.messages';

/** What a scrape of the registry is answered with, on either pull path. */
export interface ScrapeAnswer {
  readonly status: 200 | 500;
  readonly contentType: string;
  readonly body: string;
}

/**
 * Answers scrapes of the registry, for the app's HTTP server and the metrics port alike: the
 * pushed body (the same sliced serialiser, the registry's `Content-Type`) with the push's
 * grouping key (`job` and the grouping labels) on every series, as the metrics cache serves
 * it, so a series has the same labels pulled as pushed and one dashboard fits both. Scrapes
 * that arrive while one is being serialised share its answer. Never rejects: a failing collect
 * callback gives a 500 and a log line.
 */
export class ScrapeAnswers {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly serialising: SerialiseOptions;
  private inFlight: Promise<ScrapeAnswer> | undefined;

  constructor(
    private readonly registry: Registry,
    options: Pick<ResolvedMetricsOptions, 'job' | 'groupingLabels'>,
  ) {
    this.serialising = { labels: { set: { [LABEL.job]: options.job, ...options.groupingLabels } } };
  }

  /** The registry's content type: what a `HEAD` is answered with, without serialising. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The answer to one scrape. */
  answer(): Promise<ScrapeAnswer> {
    this.inFlight ??= this.collect().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async collect(): Promise<ScrapeAnswer> {
    try {
      const body = await serialiseRegistry(this.registry, this.serialising);
      return { status: 200, contentType: this.registry.contentType, body };
    } catch (error) {
      this.logger.error(messages.collectFailed(reasonOf(error)));
      return {
        status: 500,
        contentType: 'text/plain; charset=utf-8',
        body: messages.collectionFailedBody,
      };
    }
  }
}

/** An error's message, for a log line. */
export function reasonOf(error: unknown): string {
  return (error as Error | undefined)?.message ?? String(error);
}
