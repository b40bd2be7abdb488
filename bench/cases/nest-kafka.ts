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
import { Registry } from 'prom-client';
import { isObservable, lastValueFrom, map, Observable, tap } from 'rxjs';
import { KafkaConsumedInterceptor } from '../../lib/kafka/consumed.interceptor';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { NubiumMetricsModule } from '../../lib/metrics.module';
import { makeManager, topicCounter } from '../support/registries';
import { controlRow, pairedRow, type CaseContext, type Row } from '../support/result';
import { alternate, cpuMs, interleave, median, perRoundRatios, settle } from '../support/stats';

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

const peerRegistry = new Registry();
const peerConsumed = topicCounter(peerRegistry, 'messages_consumed', 'Messages consumed');
const peerErrors = topicCounter(peerRegistry, 'messages_errors', 'Messages whose handler threw');

/**
 * The fallback interceptor's peer: how apps count consumed messages with prom-client in an
 * interceptor, as @willsoto/nestjs-prometheus users write it (there the counter is injected with
 * `@InjectMetric`; the same prom-client `Counter` is made directly here): `tap` on the handler's
 * observable, the counter on each value, an error counter on an error.
 */
@Injectable()
class PromCounterInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const topic = context.switchToRpc().getContext<KafkaContext>().getTopic();
    return next.handle().pipe(
      tap({
        next: () => peerConsumed.inc({ topic }),
        error: () => peerErrors.inc({ topic }),
      }),
    );
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

// One handler body, several set-ups in two apps. The module app counts its handlers the way the
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

  @UseInterceptors(PromCounterInterceptor)
  @EventPattern('t.peer')
  peer(@Payload() data: unknown, @Ctx() context: unknown): void {
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
  // A round's messages after a settle() and `warm` more, untimed: the forced collection
  // deoptimises the optimised code that holds objects it freed, and the calls right after it,
  // several times slower until the code is optimised again, are its cost, not the variant's. A
  // block of `interleave` (fewer messages) has that done once a round by `interleave`.
  const warm = perRound / 10;
  const variant = (server: BrokerlessServerKafka, topic: string, messages = perRound) => {
    const dispatch = server.dispatcher(topic);
    // Figure: this process's CPU time per message, which another process taking the core does
    // not change (the machine is shared); wall time is kept for the JSON.
    return async (): Promise<number> => {
      if (messages === perRound) {
        await settle();
        for (let i = 0; i < warm; i++) await dispatch(i);
      }
      const cpu = process.cpuUsage();
      const t = process.hrtime.bigint();
      for (let i = 0; i < messages; i++) await dispatch(i);
      wallNs[topic] = [...(wallNs[topic] ?? []), Number(process.hrtime.bigint() - t) / messages];
      return (cpuMs(cpu) * 1e6) / messages;
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
    const expect = (what: string, counted: number, roundsRun: number, perRun = perRound + warm) => {
      const expected = (roundsRun + 1) * perRun; // + the warm-up round
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

    // The fallback interceptor's peer and the control in a third phase, beside the empty
    // interceptor and the fallback interceptor measured again, kept apart like the histogram: the
    // rows above then run with the same kinds of interceptors and observables in the process as
    // they did before these existed. The fallback interceptor and its peer differ by a few per
    // cent of a handler call, so the variants take turns in blocks of a tenth of a round, the
    // fallback interceptor next to its peer.
    const blocks = 10;
    const block = perRound / blocks;
    // Wall time of the third phase's blocks after its warm-up round (its blocks and the
    // unrecorded one), by topic.
    const phase3Topics = ['t.layer', 't.empty', 't.interceptor', 't.peer'];
    const wallFrom = Object.fromEntries(
      phase3Topics.map((topic) => [topic, (wallNs[topic]?.length ?? 0) + blocks + 1]),
    );
    const wall3 = (topic: string) => wallNs[topic].slice(wallFrom[topic]);
    const phase3 = {
      layer: variant(baseline.server, 't.layer', block),
      empty: variant(baseline.server, 't.empty', block),
      interceptor: variant(baseline.server, 't.interceptor', block),
      peer: variant(baseline.server, 't.peer', block),
    };
    const deadline = ctx.quick ? 30_000 : 300_000;
    await interleave(1, blocks, phase3, deadline); // warm-up
    const c = await interleave(rounds, blocks, phase3, deadline);
    // Each variant's messages in one of the third phase's rounds: its blocks and the unrecorded one.
    const perRound3 = (blocks + 1) * block;
    expect(
      'the interceptor, third phase',
      manager.messagesConsumed('t.interceptor') - (r.interceptor.length + 1) * (perRound + warm),
      c.interceptor.length,
      perRound3,
    );
    const peerCounted = (await peerConsumed.get()).values.find((v) => v.labels.topic === 't.peer');
    expect('the prom-client interceptor', peerCounted?.value ?? 0, c.peer.length, perRound3);
    const rounds12 = [...Object.values(r), ...Object.values(t)] as number[][];
    const rounds3: number[][] = Object.values(c);
    const count = (lists: number[][]) => lists.reduce((n, x) => n + x.length, 0);
    // + the warm-up rounds of the later phases: one variant's in the second, four in the third
    const calls = (count(rounds12) + 1) * (perRound + warm) + (count(rounds3) + 4) * perRound3;
    if (handled - before !== calls) throw new Error('handlers missed messages');
    const nest = `Nest ${nestVersion()}, ${perRound} messages a round`;
    // Wall time beside CPU time: the median of the per-round wall ratios, and the wall ns.
    const wallOf = (a: number[], b: number[], per = 'round') => {
      const ratio = median(perRoundRatios(a, b));
      return `wall ${median(a).toFixed(0)} vs ${median(b).toFixed(0)} ns (per-${per} ratio ${ratio.toFixed(3)})`;
    };
    const wall = (a: string, b: string) => wallOf(wallNs[a], wallNs[b]);
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
      pairedRow(
        {
          case: '3 Nest Kafka handler',
          figure:
            'KafkaConsumedInterceptor (fallback) against a prom-client counting interceptor, CPU ns/message',
          unit: 'ns',
          baselineLabel: 'prom-client interceptor',
          note: `the peer is what apps write with @willsoto/nestjs-prometheus: next.handle().pipe(tap({ next: () => counter.inc({ topic }), error: () => errors.inc({ topic }) })), ${(median(c.peer) - median(c.empty)).toFixed(0)} ns over the empty interceptor, where the fallback interceptor adds ${(median(c.interceptor) - median(c.empty)).toFixed(0)} ns (and also keeps seconds_behind and the lag gauge); measured side by side in a third phase, the variants taking turns in ${blocks} blocks a round; ${wallOf(wall3('t.interceptor'), wall3('t.peer'), 'block')}; ${nest}`,
          rounds: { interceptor: c.interceptor, peer: c.peer, empty: c.empty },
        },
        c.interceptor,
        c.peer,
        '<=',
        1,
        '<= peer',
      ),
      controlRow(
        {
          case: '3 Nest Kafka handler',
          figure: 'KafkaConsumedInterceptor (fallback) only, CPU ns/message',
          unit: 'ns',
          baselineLabel: 'empty interceptor',
          note: `what the module binds when only the call tells the topic (object or array pattern without @Ctx()), or per handler with @UseInterceptors; an empty interceptor sees nothing, so this ratio has no target (the row above compares it with its peer); ${wall('t.interceptor', 't.empty')}; ${nest}`,
        },
        r.interceptor,
        r.empty,
      ),
      controlRow(
        {
          case: '3 Nest Kafka handler',
          figure: 'control: one pass-through observable layer, CPU ns/message',
          unit: 'ns',
          baselineLabel: 'empty interceptor',
          note: `an interceptor that subscribes Nest's observable in one of its own and forwards Nest's subscriber unchanged: the least an interceptor adds when it must see the handler complete, as KafkaConsumedInterceptor must. Measured in the third phase (blocks of ${block} messages), beside the empty interceptor (${median(c.empty).toFixed(0)} ns there, ${median(r.empty).toFixed(0)} ns in the first) and the fallback interceptor measured again (${median(perRoundRatios(c.interceptor, c.empty)).toFixed(3)} there, ${(median(c.interceptor) - median(c.empty)).toFixed(0)} ns over empty); ${wallOf(wall3('t.layer'), wall3('t.empty'), 'block')}; ${nest}`,
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
