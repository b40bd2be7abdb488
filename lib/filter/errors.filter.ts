import {
  Catch,
  Injectable,
  IntrinsicException,
  Logger,
  type ArgumentsHost,
  type OnModuleInit,
} from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { MetricsManager } from '../manager/metrics.manager';

/** The shape of Nest's default filters of the optional transports (`BaseRpcExceptionFilter`, `BaseWsExceptionFilter`). */
interface DefaultFilter {
  catch(exception: unknown, host: ArgumentsHost): unknown;
}

/**
 * Global filter (`APP_FILTER`) that counts every exception reaching Nest's exception layer in
 * `messages_errors{exception=<class name>}`, for HTTP, RPC (Kafka) and any other context, then
 * hands it to the filter Nest would have used without it, so responses, logs and the Kafka
 * transport's commit / retry behaviour stay what they were. Exceptions a more specific filter of
 * the app catches (method, controller or an app global filter registered later) never reach it.
 */
@Catch()
@Injectable()
export class MetricsErrorsFilter extends BaseExceptionFilter implements OnModuleInit {
  private rpc: DefaultFilter | undefined;
  private ws: DefaultFilter | undefined;
  // The context Nest's own handler logs under, so the app's logs read as they did without the filter.
  private readonly externalLogger = new Logger('ExceptionsHandler');

  constructor(private readonly metrics: MetricsManager) {
    super();
  }

  /** Loads the default filters of the transports the app has installed; they are optional peers. */
  async onModuleInit(): Promise<void> {
    this.rpc = await loadDefaultFilter('@nestjs/microservices', 'BaseRpcExceptionFilter');
    this.ws = await loadDefaultFilter('@nestjs/websockets', 'BaseWsExceptionFilter');
  }

  override catch(exception: unknown, host: ArgumentsHost): unknown {
    this.metrics.incMessageErrors(exception);
    switch (host.getType<string>()) {
      case 'http':
        return super.catch(exception, host);
      case 'rpc':
        if (this.rpc) return this.rpc.catch(exception, host);
        break;
      case 'ws':
        if (this.ws) return this.ws.catch(exception, host);
        break;
    }
    // What Nest's ExternalExceptionFilter does for contexts without a default filter of their own
    // (e.g. GraphQL): log the error, unless Nest marks it as one not to log, and rethrow it.
    if (exception instanceof Error && !(exception instanceof IntrinsicException)) {
      this.externalLogger.error(exception);
    }
    throw exception;
  }
}

async function loadDefaultFilter(pkg: string, name: string): Promise<DefaultFilter | undefined> {
  try {
    const loaded = (await import(pkg)) as Record<string, unknown>;
    const Filter = loaded[name] as (new () => DefaultFilter) | undefined;
    return typeof Filter === 'function' ? new Filter() : undefined;
  } catch {
    return undefined; // the transport is not installed, so no exception can come from it
  }
}
