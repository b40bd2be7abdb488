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
import { isObservable, lastValueFrom, map, Observable } from 'rxjs';
import { KafkaConsumedInterceptor } from '../../lib/kafka/consumed.interceptor';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { NubiumMetricsModule } from '../../lib/metrics.module';
import { makeManager } from '../support/registries';
import { controlRow, pairedRow, type CaseContext, type Row } from '../support/result';
import { alternate, cpuMs, median, perRoundRatios, settle } from '../support/stats';

/** The stand-in for the module's interceptor: does nothing but pass the call on. */
@Injectable()
class EmptyInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

/**
 * The control beside the fallback interceptor: the least an interceptor can add when it must see
 * the handler's outcome. It subscribes Nest's observable in one observable of its own and hands
 * it Nest's subscriber as it is, so it adds the layer and nothing else (and sees nothing).
 */
@Injectable()
class LayerInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const source = next.handle();
    return new Observable((subscriber) => source.subscribe(subscriber));
  }
}

/** An interceptor an app already has: here, one that maps the handler's result. */
@Injectable()
class AppInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value: unknown) => value));
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
  @EventPattern('t.payload-none')
  payloadNone(@Payload() data: unknown): void {
    handlePayload(data);
  }

  @UseInterceptors(EmptyInterceptor)
  @EventPattern('t.payload-empty')
  payloadEmpty(@Payload() data: unknown): void {
    handlePayload(data);
  }

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

  @UseInterceptors(LayerInterceptor)
  @EventPattern('t.layer')
  layer(@Payload() data: unknown, @Ctx() context: unknown): void {
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
  /** Without `@Ctx()`: the module declares a `KafkaContext` argument after the payload. */
  @EventPattern('t.payload-counted')
  payloadCounted(@Payload() data: unknown): void {
    handlePayload(data);
  }

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

/** The module's counting with the processing-time histogram on (another app: the option is per app). */
@Controller()
class TimedHandlers {
  @EventPattern('t.timed')
  timed(@Payload() data: unknown, @Ctx() context: unknown): void {
    handle(data, context);
  }
}

function handlePayload(data: unknown): void {
  if (data !== undefined) handled++;
}

function handle(data: unknown, context: unknown): void {
  if (data !== undefined && (context as KafkaContext).getPartition() >= 0) handled++;
}

/** The real Kafka transport without a broker: messages are handed to `handleMessage` directly. */
class BrokerlessServerKafka extends ServerKafka {
  override listen(callback: (...args: unknown[]) => void): Promise<void> {
    callback();
    return Promise.resolve();
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
    });
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
        async () => {},
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
  const perRound = ctx.quick ? 10_000 : 20_000;
  const rounds = ctx.quick ? 7 : 25;
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

  const timedOptions = { job: 'bench', app: 'bench', pushEnabled: false, processingTime: true };
  @Module({
    imports: [NubiumMetricsModule.forRoot(timedOptions)],
    controllers: [TimedHandlers],
  })
  class TimedModule {}

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
  let timed: Awaited<ReturnType<typeof start>> | undefined;

  const wallNs: Record<string, number[]> = {};
  const variant = (server: BrokerlessServerKafka, topic: string) => {
    const dispatch = server.dispatcher(topic);
    // Figure: this process's CPU time per message, which another process taking the core does
    // not change (the machine is shared); wall time is kept for the JSON.
    return async (): Promise<number> => {
      await settle();
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
  // Each variant beside the baseline it is compared with (the order is reversed every round), so
  // that a pair is measured back to back and its per-round ratio sees the same machine.
  const variants = {
    none: variant(baseline.server, 't.none'),
    counted: variant(module.server, 't.counted'),
    empty: variant(baseline.server, 't.empty'),
    interceptor: variant(baseline.server, 't.interceptor'),
    appEmpty: variant(baseline.server, 't.app-empty'),
    appCounted: variant(module.server, 't.app-counted'),
    payloadNone: variant(baseline.server, 't.payload-none'),
    payloadCounted: variant(module.server, 't.payload-counted'),
    payloadEmpty: variant(baseline.server, 't.payload-empty'),
  };
  try {
    for (const v of Object.values(variants)) await v();
    for (const topic of Object.keys(wallNs)) delete wallNs[topic];
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
    expect(
      'the module, @Payload only',
      moduleMetrics.messagesConsumed('t.payload-counted'),
      r.payloadCounted.length,
    );

    // The histogram in a second phase, against the empty interceptor measured again beside it:
    // a third app in the process makes the call sites that Nest and the wrapper share across
    // apps see more targets, which would slow the rows above by a few hundred ns if it ran with
    // them; a real process holds one app.
    timed = await start(TimedModule);
    const timedMetrics = timed.app.get(MetricsManager);
    const phase2 = {
      timed: variant(timed.server, 't.timed'),
      empty: variants.empty,
      counted: variants.counted,
    };
    await phase2.timed();
    const t = await alternate(rounds, phase2, ctx.quick ? 30_000 : 300_000);
    expect('the module, timed', timedMetrics.messagesConsumed('t.timed'), t.timed.length);
    expect('the histogram', await histogramCount(timedMetrics, 't.timed'), t.timed.length);

    // The control in a third phase, beside the empty interceptor and the fallback interceptor
    // measured again, kept apart like the histogram: the rows above then run with the same kinds
    // of interceptors and observables in the process as they did before the control existed.
    const emptyWallBefore = wallNs['t.empty'].length;
    const phase3 = {
      layer: variant(baseline.server, 't.layer'),
      empty: variants.empty,
      interceptor: variants.interceptor,
    };
    await phase3.layer();
    const c = await alternate(rounds, phase3, ctx.quick ? 30_000 : 300_000);
    expect(
      'the interceptor, third phase',
      manager.messagesConsumed('t.interceptor') - (r.interceptor.length + 1) * perRound,
      c.interceptor.length - 1,
    );
    const calls = [...Object.values(r), ...Object.values(t), ...Object.values(c)] as number[][];
    if (handled - before !== calls.reduce((n, x) => n + x.length, 0) * perRound + 2 * perRound)
      throw new Error('handlers missed messages');
    const wall3 = (topic: string, from: number) => median(wallNs[topic].slice(from));
    const nest = `Nest ${nestVersion()}, ${perRound} messages a round`;
    // Wall time beside CPU time: the median of the per-round wall ratios, and the wall ns.
    const wall = (a: string, b: string) => {
      const ratio = median(perRoundRatios(wallNs[a], wallNs[b]));
      return `wall ${median(wallNs[a]).toFixed(0)} vs ${median(wallNs[b]).toFixed(0)} ns (per-round ratio ${ratio.toFixed(3)})`;
    };
    const ratio = (
      figure: string,
      value: number[],
      baseline: number[],
      baselineLabel: string,
      note: string,
      limit: number,
    ): Row =>
      pairedRow(
        { case: '3 Nest Kafka handler', figure, unit: 'ns', baselineLabel, note },
        value,
        baseline,
        '<=',
        limit,
        `<= ${limit}x`,
      );
    return [
      {
        case: '3 Nest Kafka handler',
        figure: 'no interceptor, CPU ns/message',
        value: median(r.none),
        unit: 'ns',
        note: `Nest's handler with its RPC context and @Payload/@Ctx params, called as ServerKafka.handleEvent does; wall ${median(wallNs['t.none']).toFixed(0)} ns; ${nest}, ${r.none.length} rounds`,
        rounds: r.none,
      },
      {
        case: '3 Nest Kafka handler',
        figure: 'no interceptor, whole ServerKafka.handleMessage, wall ns/message',
        value: median(full),
        unit: 'ns',
        note: `for scale: parsing, deserializer and pattern lookup included (a topic name that is not JSON makes Nest's getRouteFromPattern throw and catch, twice per message)`,
        rounds: full,
      },
      ratio(
        "module's consumed counting only, CPU ns/message",
        r.counted,
        r.empty,
        'empty interceptor',
        `the module wraps the handler method, no interceptor: ${(median(r.counted) - median(r.none)).toFixed(0)} ns over none, where the first interceptor costs ${(median(r.empty) - median(r.none)).toFixed(0)} ns; ${wall('t.counted', 't.empty')}; ${nest}`,
        1.05,
      ),
      ratio(
        "module's consumed counting, @Payload() only, CPU ns/message",
        r.payloadCounted,
        r.payloadEmpty,
        'empty interceptor, @Payload() only',
        `a handler without @Ctx(): the module declares a KafkaContext argument after the payload (Nest resolves one more parameter per message); ${(median(r.payloadCounted) - median(r.payloadNone)).toFixed(0)} ns over no interceptor; ${wall('t.payload-counted', 't.payload-empty')}; ${nest}`,
        1.05,
      ),
      ratio(
        "module's consumed counting + app interceptor, CPU ns/message",
        r.appCounted,
        r.appEmpty,
        'empty + app interceptor',
        `${wall('t.app-counted', 't.app-empty')}; ${nest}`,
        1.05,
      ),
      ratio(
        "module's consumed counting with the processing-time histogram on, CPU ns/message",
        t.timed,
        t.empty,
        'empty interceptor',
        `processingTime: true (two performance.now() and a bucket add per message), in a second phase beside the empty interceptor and the counting alone: ${(median(t.timed) - median(t.counted)).toFixed(0)} ns over counting alone; ${nest}`,
        1.1,
      ),
      ratio(
        'KafkaConsumedInterceptor (fallback) only, CPU ns/message',
        r.interceptor,
        r.empty,
        'empty interceptor',
        `what the module binds when only the call tells the topic (object or array pattern without @Ctx()), or per handler with @UseInterceptors; ${wall('t.interceptor', 't.empty')}; ${nest}`,
        1.05,
      ),
      controlRow(
        {
          case: '3 Nest Kafka handler',
          figure: 'control: one pass-through observable layer, CPU ns/message',
          unit: 'ns',
          baselineLabel: 'empty interceptor',
          note: `an interceptor that subscribes Nest's observable in one of its own and forwards Nest's subscriber unchanged: the least an interceptor adds when it must see the handler complete, as KafkaConsumedInterceptor must. Measured in a third phase, beside the empty interceptor (${median(c.empty).toFixed(0)} ns there, ${median(r.empty).toFixed(0)} ns in the first) and the fallback interceptor measured again (${median(perRoundRatios(c.interceptor, c.empty)).toFixed(3)} there, ${(median(c.interceptor) - median(c.empty)).toFixed(0)} ns over empty); wall ${median(wallNs['t.layer'].slice(1)).toFixed(0)} vs ${wall3('t.empty', emptyWallBefore).toFixed(0)} ns; ${nest}`,
        },
        c.layer,
        c.empty,
      ),
    ];
  } finally {
    await timed?.app.close();
    await module.app.close();
    await baseline.app.close();
  }
}

/** Messages the processing-time histogram holds for `topic`, read from the registry's text. */
async function histogramCount(metrics: MetricsManager, topic: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith('message_processing_seconds_count{') && l.includes(`topic="${topic}"`),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function nestVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@nestjs/core/package.json') as { version: string }).version;
}
