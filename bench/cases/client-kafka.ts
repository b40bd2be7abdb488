import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  ClientsModule,
  type ClientProxy,
  type KafkaOptions,
} from '@nestjs/microservices';
import { Kafka, logLevel, type Producer, type ProducerBatch, type ProducerRecord } from 'kafkajs';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import { MetricsManager } from '../../lib/manager/metrics.manager';
import { NubiumMetricsModule } from '../../lib/metrics.module';
import { topicCounter } from '../support/registries';
import { pairedRow, type CaseContext, type Row } from '../support/result';
import { cpuMs, interleave, median, perRoundDifferences, spread, tick } from '../support/stats';

const CASE = '9 ClientKafka emit';
const CLIENT = 'BENCH_KAFKA_CLIENT';
const TOPIC = 'orders.results.v1';
/** What the row says when this build cannot count a ClientKafka's emits. */
export const NOT_SUPPORTED = 'n/a: needs ClientKafka counting (the countKafkaProduced extra)';

/**
 * A kafkajs producer that never reaches a broker: kafkajs's own producer object (its events,
 * `on`, logger and transaction API are the real ones) whose connection and sends are answered in
 * process, every send acknowledged at once as a broker with `acks: -1` would acknowledge it.
 */
function brokerlessProducer(): Producer {
  const producer = new Kafka({
    clientId: 'bench-brokerless',
    brokers: ['127.0.0.1:9'],
    logLevel: logLevel.NOTHING,
  }).producer();
  const acknowledged = (topicName: string) => ({
    topicName,
    partition: 0,
    errorCode: 0,
    baseOffset: '0',
    logAppendTime: '-1',
    logStartOffset: '0',
  });
  return Object.assign(producer, {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    send: (record: ProducerRecord) => Promise.resolve([acknowledged(record.topic)]),
    sendBatch: (batch: ProducerBatch) =>
      Promise.resolve((batch.topicMessages ?? []).map((t) => acknowledged(t.topic))),
  });
}

/**
 * Nest's `ClientKafka` as `ClientsModule.register` makes it, in producer-only mode, whose kafkajs
 * client hands out a {@link brokerlessProducer}: `emit` runs Nest's whole path (connect, the
 * serializer, `dispatchEvent`, the producer's `send`) with no broker.
 */
class BrokerlessClientKafka extends ClientKafka {
  override createClient<T>(): Promise<T> {
    return Promise.resolve({ producer: () => brokerlessProducer() } as T);
  }
}

const CLIENT_OPTIONS: KafkaOptions['options'] = {
  client: { clientId: 'bench', brokers: ['127.0.0.1:9'] },
  producerOnlyMode: true,
};

/** What an app's service does: emits an event through the injected client. */
@Injectable()
class OrdersService {
  constructor(@Inject(CLIENT) readonly client: ClientKafka) {}

  emit(orderId: number): Promise<unknown> {
    return lastValueFrom(this.client.emit(TOPIC, { orderId }), { defaultValue: undefined });
  }
}

async function start(counting: boolean) {
  // Passed as a variable: a build without the extra must still compile (it then counts nothing,
  // which the case detects).
  const options = {
    job: 'bench',
    app: 'bench',
    pushEnabled: false,
    ...(counting ? {} : { countKafkaProduced: false }),
  };
  @Module({
    imports: [
      NubiumMetricsModule.forRoot(options),
      ClientsModule.register([
        {
          name: CLIENT,
          // Nest types customClass as a ClientProxy of string statuses; ClientKafka's are KafkaStatus.
          customClass: BrokerlessClientKafka as unknown as Type<ClientProxy>,
          options: CLIENT_OPTIONS,
        },
      ]),
    ],
    providers: [OrdersService],
  })
  class AppModule {}
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  return { app, orders: app.get(OrdersService), metrics: app.get(MetricsManager) };
}

/**
 * Case 9: what the module's counting adds to each `ClientKafka.emit`, in process (no broker: see
 * {@link BrokerlessClientKafka}), against what prom-client's `counter.inc({ topic })` costs. Two
 * apps in one process, the same service emitting through a `ClientKafka` from
 * `ClientsModule.register`: one with the module's default counting, one with
 * `countKafkaProduced: false`. The difference is a small part of an emit of several µs, so
 * the variants take turns in short blocks (see `interleave`), and the figure is the median over
 * the rounds of each round's difference in CPU per emit; the app without counting measured twice
 * is the control, how far this difference strays when nothing differs.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  const block = ctx.quick ? 2_000 : 5_000;
  const blocks = ctx.quick ? 4 : 20;
  const rounds = ctx.quick ? 5 : 25;
  const on = await start(true);
  try {
    // A build whose module does not count ClientKafka emits has nothing to measure.
    for (let i = 0; i < 100; i++) await on.orders.emit(i);
    await tick();
    if (on.metrics.messagesProduced(TOPIC) !== 100) return [notSupported()];
    const off = await start(false);
    try {
      for (let i = 0; i < 100; i++) await off.orders.emit(i);
      await tick();
      if (off.metrics.messagesProduced(TOPIC) !== 0)
        throw new Error('countKafkaProduced: false still counts ClientKafka emits');
      return await measure(on, off, { block, blocks, rounds });
    } finally {
      await off.app.close();
    }
  } finally {
    await on.app.close();
  }
}

function notSupported(): Row {
  return {
    case: CASE,
    figure: 'counting added to ClientKafka.emit, CPU ns/emit',
    value: Number.NaN,
    unit: 'ns',
    target: '<= 1/10 of inc()',
    skipped: NOT_SUPPORTED,
  };
}

type App = Awaited<ReturnType<typeof start>>;

async function measure(
  on: App,
  off: App,
  shape: { block: number; blocks: number; rounds: number },
): Promise<Row[]> {
  const { block, blocks, rounds } = shape;
  const counter = topicCounter(new Registry(), 'messages_produced', 'Messages produced');
  const labels = { topic: TOPIC };
  // A block: `block` emits (or 50 times as many incs); its figure, this process's CPU ns per call.
  const emits = (app: App) => async (): Promise<number> => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < block; i++) await app.orders.emit(i);
    return (cpuMs(cpu) * 1e6) / block;
  };
  const incs = (): Promise<number> => {
    const n = block * 50;
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) counter.inc(labels);
    return Promise.resolve((cpuMs(cpu) * 1e6) / n);
  };
  // `again`: the app without counting measured a second time, as a control.
  // In this order, reversed block by block, `off` and `again` each follow the other two alike.
  const variants = { again: emits(off), on: emits(on), off: emits(off) };
  await interleave(1, blocks, variants, 60_000); // warm-up
  const perEmitNs = await interleave(rounds, blocks, variants, 300_000);
  // On its own: a tight loop of incs between the emits' blocks would change what follows it.
  const incNs = (await interleave(perEmitNs.on.length, blocks, { inc: incs }, 60_000)).inc;
  // + the warm-up round, and each round's unrecorded block; + the probe's emits
  const emitted = (perEmitNs.on.length + 1) * (blocks + 1) * block + 100;
  if (on.metrics.messagesProduced(TOPIC) !== emitted)
    throw new Error(`counted ${on.metrics.messagesProduced(TOPIC)} emits of ${emitted}`);
  if (off.metrics.messagesProduced(TOPIC) !== 0)
    throw new Error('the app without counting counted');

  const added = perRoundDifferences(perEmitNs.on, perEmitNs.off);
  const control = perRoundDifferences(perEmitNs.again, perEmitNs.off);
  return [
    pairedRow(
      {
        case: CASE,
        figure: 'counting added to ClientKafka.emit, CPU ns/emit',
        unit: 'ns',
        baselineLabel: 'prom-client counter.inc({ topic })',
        note: `emit with counting ${median(perEmitNs.on).toFixed(0)} vs ${median(perEmitNs.off).toFixed(0)} ns with countKafkaProduced: false (${spread(added, 0)}); control, the app without counting measured twice: ${median(control).toFixed(0)} ns (${spread(control, 0)}); ClientKafka from ClientsModule.register, producer-only, a kafkajs producer answered in process; ${perEmitNs.on.length} rounds x ${blocks} blocks x ${block} emits`,
        rounds: { perEmitNs, incNs },
      },
      added,
      incNs,
      '<=',
      0.1,
      '<= 1/10 of inc()',
    ),
  ];
}
