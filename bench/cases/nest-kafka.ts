import {
  Controller,
  Injectable,
  Module,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext, Payload, ServerKafka } from '@nestjs/microservices';
import { isObservable, lastValueFrom, map, type Observable } from 'rxjs';
import { KafkaConsumedInterceptor } from '../../lib/kafka/consumed.interceptor';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { NubiumMetricsModule } from '../../lib/metrics.module';
import { makeManager } from '../support/registries';
import { ratioRow, type CaseContext, type Row } from '../support/result';
import { alternate, cpuMs, median, settle } from '../support/stats';

/** The stand-in for the module's interceptor: does nothing but pass the call on. */
@Injectable()
class EmptyInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

/** An interceptor an app already has: here, one that maps the handler's result. */
@Injectable()
class AppInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => value));
  }
}

let handled = 0;

// One handler body, six set-ups in two apps. The module app counts its handlers the way the
// module does on its own (it wraps each Kafka handler method, no interceptor); the baseline app,
// without the module, has the empty interceptor in its place. The "app" variants add one
// interceptor the app already has. The module puts its interceptor first among the method's own
// (when it binds one), so the interceptor variants put it, and its stand-in, first too.
@Controller()
class BaselineHandlers {
  @EventPattern('t.none')
  none(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }

  @UseInterceptors(EmptyInterceptor)
  @EventPattern('t.empty')
  empty(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }

  @UseInterceptors(EmptyInterceptor, AppInterceptor)
  @EventPattern('t.app-empty')
  appEmpty(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }

  /** What the module binds when only the call tells the topic (object pattern without @Ctx()). */
  @UseInterceptors(KafkaConsumedInterceptor)
  @EventPattern('t.interceptor')
  interceptor(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }
}

@Controller()
class CountedHandlers {
  @EventPattern('t.counted')
  counted(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }

  @UseInterceptors(AppInterceptor)
  @EventPattern('t.app-counted')
  appCounted(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }
}

function handle(data: unknown, context: unknown): void {
  if (data !== undefined && (context as KafkaContext).getPartition() >= 0) handled++;
}

/** The real Kafka transport without a broker: messages are handed to `handleMessage` directly. */
class BrokerlessServerKafka extends ServerKafka {
  override async listen(callback: (...args: unknown[]) => void): Promise<void> {
    callback();
  }
  override async close(): Promise<void> {}
  /** What kafkajs' `eachMessage` calls: the full path, pattern lookup and parsing included. */
  deliver(topic: string, offset: number): Promise<unknown> {
    return this.handleMessage({
      topic,
      partition: 0,
      message: {
        key: null,
        value: Buffer.from(VALUE),
        headers: {},
        offset: String(offset),
        timestamp: '0',
        attributes: 0,
      },
      heartbeat: async () => {},
      pause: () => () => {},
    } as never);
  }

  /**
   * The handler Nest built for `topic` (RPC context, pipes, interceptors), called the way
   * `ServerKafka.handleEvent` calls it, without the transport's per-message pattern lookup.
   */
  dispatcher(topic: string): (offset: number) => Promise<void> {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    const data = { orderId: 42 };
    return async (offset) => {
      const message = {
        key: null,
        value: data,
        headers: {},
        offset: String(offset),
        timestamp: '0',
        attributes: 0,
        topic,
        partition: 0,
      };
      const context = new KafkaContext([
        message as never,
        0,
        topic,
        null as never,
        (async () => {}) as never,
        null as never,
      ]);
      const result: unknown = await handler(data, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    };
  }
}

const VALUE = '{"orderId":42}';

/**
 * Case 3: a Nest Kafka event handler invoked in process through ServerKafka's own message path
 * (parser, deserializer, KafkaContext, handler with its interceptors), no broker. The module's
 * consumed counting (its wrapper around the handler method) against an empty interceptor in its
 * place, alone and beside an app interceptor; and the interceptor the module falls back to.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  const perRound = ctx.quick ? 10_000 : 40_000;
  const rounds = ctx.quick ? 7 : 15;
  const { manager } = makeManager();

  @Module({
    controllers: [BaselineHandlers],
    providers: [{ provide: MetricsManager, useValue: manager }],
  })
  class BaselineModule {}

  @Module({
    imports: [NubiumMetricsModule.forRoot({ job: 'bench', app: 'bench', pushEnabled: false })],
    controllers: [CountedHandlers],
  })
  class CountedModule {}

  const start = async (module: new () => unknown) => {
    const app = await NestFactory.create(module, { logger: false });
    const server = new BrokerlessServerKafka({ client: { brokers: ['127.0.0.1:9'] } });
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
    return { app, server };
  };
  const baseline = await start(BaselineModule);
  const module = await start(CountedModule);
  const moduleMetrics = module.app.get(MetricsManager);

  const wallNs: Record<string, number[]> = {};
  const variant = (server: BrokerlessServerKafka, topic: string) => {
    const dispatch = server.dispatcher(topic);
    // Figure: this process's CPU time per message, which another process taking the core does
    // not change (the machine is shared); wall time is kept for the JSON.
    return async (): Promise<number> => {
      settle();
      const cpu = process.cpuUsage();
      const t = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await dispatch(i);
      wallNs[topic] = [...(wallNs[topic] ?? []), Number(process.hrtime.bigint() - t) / perRound];
      return (cpuMs(cpu) * 1e6) / perRound;
    };
  };
  // Once, for scale: ServerKafka.handleMessage, the transport's whole per-message path.
  const fullPath = async (): Promise<number> => {
    const n = Math.min(perRound, 10_000);
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await baseline.server.deliver('t.none', i);
    return Number(process.hrtime.bigint() - t) / n;
  };
  const variants = {
    none: variant(baseline.server, 't.none'),
    empty: variant(baseline.server, 't.empty'),
    counted: variant(module.server, 't.counted'),
    appEmpty: variant(baseline.server, 't.app-empty'),
    appCounted: variant(module.server, 't.app-counted'),
    interceptor: variant(baseline.server, 't.interceptor'),
  };
  try {
    for (const v of Object.values(variants)) await v();
    await fullPath();
    const full = [await fullPath(), await fullPath(), await fullPath()];
    const before = handled;
    const r = await alternate(rounds, variants, ctx.quick ? 30_000 : 300_000);
    const expect = (what: string, counted: number, roundsRun: number) => {
      const expected = (roundsRun + 1) * perRound; // + the warm-up round
      if (counted !== expected)
        throw new Error(`${what} counted ${counted} messages, expected ${expected}`);
    };
    expect('the module', moduleMetrics.messagesConsumed('t.counted'), r.counted.length);
    expect('the module', moduleMetrics.messagesConsumed('t.app-counted'), r.appCounted.length);
    expect('the interceptor', manager.messagesConsumed('t.interceptor'), r.interceptor.length);
    if (handled - before !== Object.values(r).reduce((n, x) => n + x.length, 0) * perRound)
      throw new Error('handlers missed messages');
    const nest = `Nest ${nestVersion()}; ${r.none.length} rounds x ${perRound} messages; wall ns/message median ${Object.entries(
      wallNs,
    )
      .map(([k, v]) => `${k} ${median(v).toFixed(0)}`)
      .join(', ')}`;
    return [
      {
        case: '3 Nest Kafka handler',
        figure: 'no interceptor, CPU ns/message',
        value: median(r.none),
        unit: 'ns',
        note: `Nest's handler with its RPC context and @Payload/@Ctx params, called as ServerKafka.handleEvent does; ${nest}`,
        rounds: r.none,
      },
      {
        case: '3 Nest Kafka handler',
        figure: 'no interceptor, whole ServerKafka.handleMessage, ns/message',
        value: median(full),
        unit: 'ns',
        note: `for scale: parsing, deserializer and pattern lookup included (a topic name that is not JSON makes Nest's getRouteFromPattern throw and catch, twice per message)`,
        rounds: full,
      },
      ratioRow(
        {
          case: '3 Nest Kafka handler',
          figure: "module's consumed counting only, CPU ns/message",
          value: median(r.counted),
          unit: 'ns',
          baselineLabel: 'empty interceptor',
          baseline: median(r.empty),
          note: `the module wraps the handler method, no interceptor; over no interceptor: ${(median(r.counted) - median(r.none)).toFixed(0)} ns; the first interceptor costs ${(median(r.empty) - median(r.none)).toFixed(0)} ns over none; ${nest}`,
          rounds: { counted: r.counted, empty: r.empty, none: r.none },
        },
        '<=',
        1.05,
        '<= 1.05x',
      ),
      ratioRow(
        {
          case: '3 Nest Kafka handler',
          figure: "module's consumed counting + app interceptor, CPU ns/message",
          value: median(r.appCounted),
          unit: 'ns',
          baselineLabel: 'empty + app interceptor',
          baseline: median(r.appEmpty),
          note: nest,
          rounds: { counted: r.appCounted, empty: r.appEmpty },
        },
        '<=',
        1.05,
        '<= 1.05x',
      ),
      ratioRow(
        {
          case: '3 Nest Kafka handler',
          figure: 'KafkaConsumedInterceptor (fallback) only, CPU ns/message',
          value: median(r.interceptor),
          unit: 'ns',
          baselineLabel: 'empty interceptor',
          baseline: median(r.empty),
          note: `what the module binds when only the call tells the topic (object or array pattern without @Ctx()), or per handler with @UseInterceptors; ${nest}`,
          rounds: { interceptor: r.interceptor, empty: r.empty },
        },
        '<=',
        1.05,
        '<= 1.05x',
      ),
    ];
  } finally {
    await module.app.close();
    await baseline.app.close();
  }
}

function nestVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@nestjs/core/package.json') as { version: string }).version;
}
