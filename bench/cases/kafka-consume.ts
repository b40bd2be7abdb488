import { randomBytes } from 'node:crypto';
import type {
  Consumer,
  ConsumerRunConfig,
  EachMessageHandler,
  EachMessagePayload,
  Kafka,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { instrumentConsumer } from '../../lib/kafka/kafkajs.instrument';
import { otelKafkajs } from '../support/otel-kafkajs';
import { makeManager, topicCounter } from '../support/registries';
import { controlRow, type CaseContext, type Row } from '../support/result';
import {
  cpuMs,
  listsFor,
  median,
  perRoundDifferences,
  perRoundRatios,
  settle,
  spread,
} from '../support/stats';

// scripts/config.sh (KAFKA_ADDR, KAFKA_PORT) is the source.
const BROKER = '127.0.0.1:19092';

/**
 * The consumer's variants. `off`: no counting. `on`: `instrumentConsumer`, lag and
 * `seconds_behind` on (its defaults). `hand`: the prom-client wrapper users write by hand.
 * `otel`: `@opentelemetry/instrumentation-kafkajs` with a `MeterProvider`. `again`: `off`
 * measured a second time in every round, as a control.
 */
type Variant = 'off' | 'on' | 'hand' | 'otel' | 'again';
/**
 * A round's order (reversed every other round): the target compares `on` with the cheapest
 * peer, which is `hand` here, so those two sit on either side of `off`, the baseline both are
 * taken from.
 */
const ORDER: readonly Variant[] = ['again', 'on', 'off', 'hand', 'otel'];

/**
 * Counts the way an app does by hand with prom-client: an async wrapper around the handler that
 * awaits it, counts the message when it returns and an error when it throws (and rethrows, so
 * kafkajs delivers the message again).
 */
export function handWrittenCounting(registry: Registry): {
  wrap(handler: EachMessageHandler): EachMessageHandler;
  consumed(topic: string): Promise<number>;
} {
  const consumed = topicCounter(registry, 'messages_consumed', 'Messages consumed');
  const errors = topicCounter(registry, 'messages_errors', 'Messages whose handler threw');
  return {
    wrap: (handler) => async (payload) => {
      try {
        await handler(payload);
        consumed.inc({ topic: payload.topic });
      } catch (error) {
        errors.inc({ topic: payload.topic });
        throw error;
      }
    },
    consumed: async (topic) =>
      (await consumed.get()).values.find((v) => v.labels.topic === topic)?.value ?? 0,
  };
}

/**
 * Case 2: kafkajs consume through the real broker: the uninstrumented consumer against
 * `instrumentConsumer` and against its peers, what an app would run instead (a hand-written
 * prom-client wrapper, and OpenTelemetry's kafkajs instrumentation). Each round reads the same
 * topic from the start with a fresh consumer group per variant, variants alternating. The
 * broker's work dominates wall time (and on a small machine competes with the app for its
 * cores), so the figure is the app's own CPU time per message, and a variant's overhead the
 * median over the rounds of its CPU per message minus the uninstrumented consumer's in the same
 * round; wall-clock throughput is in the notes. Timing runs from the first message to the last,
 * so group joins are not in it. The uninstrumented consumer measured a second time in every round
 * is the control: how far this measurement strays when nothing differs.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
  // First: OpenTelemetry must hook kafkajs's require before anything loads kafkajs.
  const otel = otelKafkajs();
  const { Kafka, logLevel } = otel.kafkajs;
  const kafka = (clientId: string): Kafka =>
    new Kafka({
      clientId,
      brokers: [BROKER],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      requestTimeout: 15_000,
    });
  const messages = ctx.quick ? 40_000 : 200_000;
  const rounds = ctx.quick ? 3 : 25;
  const topic = `bench-consume-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const admin = kafka('bench-admin').admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  try {
    const producer = kafka('bench-producer').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const value = Buffer.from(
      JSON.stringify({ orderId: 0, customer: 'c-000000', items: [1, 2, 3], note: 'x'.repeat(40) }),
    );
    for (let sent = 0; sent < messages; sent += 5_000) {
      const n = Math.min(5_000, messages - sent);
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: n }, (_, i) => ({ key: `k${sent + i}`, value })),
      });
    }
    await producer.disconnect();

    const { manager } = makeManager();
    const hand = handWrittenCounting(new Registry());
    const cpu = listsFor(ORDER);
    const wall = listsFor(ORDER);
    const consumeAll = async (key: Variant): Promise<void> => {
      // The previous round's garbage is collected before this one, not in it.
      await settle();
      const make = () =>
        kafka('bench-consumer').consumer({
          groupId: `${topic}-${randomBytes(4).toString('hex')}`,
          maxBytes: 10 << 20,
        });
      const consumer: Consumer = key === 'otel' ? otel.instrumented(make) : make();
      if (otel.isInstrumented(consumer) !== (key === 'otel'))
        throw new Error(
          `the ${key} consumer is ${key === 'otel' ? 'not ' : ''}instrumented by OpenTelemetry`,
        );
      if (key === 'on') instrumentConsumer(consumer, manager);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let seen = 0;
      let bytes = 0;
      let started: { cpu: NodeJS.CpuUsage; t: number } | undefined;
      const deadline = Date.now() + (ctx.quick ? 60_000 : 300_000);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consumed ${seen} of ${messages} in time`)),
          deadline - Date.now(),
        );
        const handler: EachMessageHandler = ({ message }) => {
          if (seen === 0) started = { cpu: process.cpuUsage(), t: performance.now() };
          bytes += message.value?.length ?? 0;
          if (++seen === messages) {
            // Per message, over the messages after the first.
            cpu[key].push((cpuMs(started!.cpu) * 1000) / (messages - 1));
            wall[key].push((messages - 1) / ((performance.now() - started!.t) / 1000));
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        };
        void consumer.run({ eachMessage: key === 'hand' ? hand.wrap(handler) : handler });
      });
      await consumer.disconnect();
      if (bytes === 0) throw new Error('no payload read');
    };
    for (const key of ORDER) await consumeAll(key);
    for (const key of ORDER) cpu[key].length = wall[key].length = 0;
    for (let r = 0; r < rounds; r++) {
      for (const key of r % 2 === 0 ? ORDER : [...ORDER].reverse()) await consumeAll(key);
    }
    // Every variant that counts counted every message (each round and the warm-up).
    const expected = messages * (rounds + 1);
    const otelRecorded = await otel.recorded(topic);
    const counted = {
      instrumentConsumer: manager.messagesConsumed(topic),
      'the hand-written wrapper': await hand.consumed(topic),
      'OpenTelemetry, consumed messages': otelRecorded.consumed,
      'OpenTelemetry, process duration': otelRecorded.processed,
    };
    for (const [who, n] of Object.entries(counted))
      if (n !== expected) throw new Error(`${who} counted ${n}, expected ${expected}`);

    const offCpu = median(cpu.off);
    // Overhead per message, ns: the variant's CPU minus the uninstrumented consumer's, per round.
    const overhead = (key: Variant) =>
      perRoundDifferences(cpu[key], cpu.off).map((us) => us * 1000);
    const peers = [
      { key: 'hand', label: 'hand-written prom-client wrapper' },
      { key: 'otel', label: '@opentelemetry/instrumentation-kafkajs' },
    ] as const;
    const cheapest = [...peers].sort(
      (a, b) => median(overhead(a.key)) - median(overhead(b.key)),
    )[0];
    const onOverhead = median(overhead('on'));
    const peerOverhead = median(overhead(cheapest.key));
    const perMessage = (key: Variant) =>
      `app CPU ${median(cpu[key]).toFixed(2)} vs ${offCpu.toFixed(2)} µs/message, wall ${median(wall[key]).toFixed(0)} vs ${median(wall.off).toFixed(0)} msg/s`;
    const overheadSpread = (key: Variant) =>
      `overhead: median of ${cpu[key].length} per-round differences (${spread(overhead(key), 0)})`;
    const shape = `${rounds} rounds x ${messages} messages, 1 partition`;
    const wrapper = await wrapperCost(ctx.quick ? 300_000 : 2_000_000, ctx.quick ? 5 : 11);
    const otelVersion = packageVersion('@opentelemetry/instrumentation-kafkajs');
    return [
      {
        case: '2 kafkajs consume',
        figure: 'instrumentConsumer wrapper alone, in process, ns/message',
        value: wrapper.wrapped - wrapper.raw,
        unit: 'ns',
        note: `an empty async eachMessage awaited as kafkajs does: ${wrapper.wrapped.toFixed(0)} ns wrapped vs ${wrapper.raw.toFixed(0)} ns bare (the hand-written prom-client wrapper: ${wrapper.hand.toFixed(0)} ns); that is ${(((wrapper.wrapped - wrapper.raw) / 1000 / offCpu) * 100).toFixed(1)} % of the ${offCpu.toFixed(2)} µs of app CPU kafkajs spends per message below`,
        rounds: wrapper.rounds,
      },
      {
        case: '2 kafkajs consume',
        figure: 'instrumentConsumer overhead over no counting, app CPU ns/message',
        value: onOverhead,
        unit: 'ns',
        baselineLabel: `cheapest peer: ${cheapest.label}`,
        baseline: peerOverhead,
        ratio: peerOverhead > 0 ? onOverhead / peerOverhead : undefined,
        target: '<= cheapest peer',
        pass: onOverhead <= peerOverhead,
        note: `lag and seconds_behind on; ${perMessage('on')}; per-round CPU ratio to the ${cheapest.label} ${median(perRoundRatios(cpu.on, cpu[cheapest.key])).toFixed(3)} (${spread(perRoundRatios(cpu.on, cpu[cheapest.key]))}); ${overheadSpread('on')}; ratio: the two medians; ${shape}`,
        rounds: { cpuUsPerMessage: cpu, wallMsgPerS: wall },
      },
      {
        case: '2 kafkajs consume',
        figure: 'peer: hand-written prom-client wrapper, overhead, app CPU ns/message',
        value: median(overhead('hand')),
        unit: 'ns',
        note: `an async eachMessage wrapper awaiting the handler, counter.inc({ topic }) on success, an error counter in catch (rethrown); ${perMessage('hand')}; ${overheadSpread('hand')}`,
      },
      {
        case: '2 kafkajs consume',
        figure: 'peer: @opentelemetry/instrumentation-kafkajs, overhead, app CPU ns/message',
        value: median(overhead('otel')),
        unit: 'ns',
        note: `${otelVersion} with a MeterProvider registered globally whose reader is collected once, after the run (no exporter), no tracer provider (no-op spans); it records messaging.client.consumed.messages and messaging.process.duration per message (both checked against the messages sent); ${perMessage('otel')}; ${overheadSpread('otel')}`,
      },
      controlRow(
        {
          case: '2 kafkajs consume',
          figure: 'throughput by app CPU, instrumentConsumer on, msg/s',
          unit: 'msg/s',
          baselineLabel: 'no counting',
          note: `the figure an empty handler gives, with no peer beside it: lag and seconds_behind on; wall per-round ratio ${median(perRoundRatios(wall.on, wall.off)).toFixed(3)}`,
          rounds: { on: cpu.on, off: cpu.off },
        },
        cpu.on.map((us) => 1e6 / us),
        cpu.off.map((us) => 1e6 / us),
      ),
      controlRow(
        {
          case: '2 kafkajs consume',
          figure: 'control: throughput by app CPU, no counting measured twice, msg/s',
          unit: 'msg/s',
          baselineLabel: 'no counting',
          note: `the same uninstrumented consumer, measured again in every round beside the others: how far this measurement strays when nothing differs (app CPU ${median(cpu.again).toFixed(2)} vs ${offCpu.toFixed(2)} µs/message; ${median(overhead('again')).toFixed(0)} ns/message, ${spread(overhead('again'), 0)})`,
          rounds: { again: cpu.again, off: cpu.off },
        },
        cpu.again.map((us) => 1e6 / us),
        cpu.off.map((us) => 1e6 / us),
      ),
    ];
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

function packageVersion(name: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return `${name} ${(require(`${name}/package.json`) as { version: string }).version}`;
}

/**
 * What the counting wrapper itself costs, without the broker's noise: the handler `run()` is
 * given, called and awaited message after message as kafkajs's runner does, wrapped and bare.
 */
async function wrapperCost(n: number, rounds: number) {
  const { manager } = makeManager();
  let given: EachMessageHandler | undefined;
  const fake = {
    run: (config?: ConsumerRunConfig) => {
      given = config?.eachMessage;
      return Promise.resolve();
    },
  };
  instrumentConsumer(fake as unknown as Consumer, manager, { lag: false });
  // eslint-disable-next-line @typescript-eslint/require-await -- an empty async handler is what is timed
  const bare: EachMessageHandler = async () => undefined;
  await fake.run({ eachMessage: bare });
  const wrapped = given!;
  const hand = handWrittenCounting(new Registry()).wrap(bare);
  const payload = {
    topic: 'orders.events.v1',
    partition: 0,
    message: { offset: '0', key: null, value: null, timestamp: '0', attributes: 0, headers: {} },
    heartbeat: () => Promise.resolve(),
    pause: () => () => undefined,
  } as unknown as EachMessagePayload;
  const time = async (handler: EachMessageHandler): Promise<number> => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await handler(payload);
    return Number(process.hrtime.bigint() - t) / n;
  };
  const r = { raw: [] as number[], wrapped: [] as number[], hand: [] as number[] };
  await time(bare);
  await time(wrapped);
  await time(hand);
  for (let i = 0; i < rounds; i++) {
    r.raw.push(await time(bare));
    r.wrapped.push(await time(wrapped));
    r.hand.push(await time(hand));
  }
  if (manager.messagesConsumed(payload.topic) < n) throw new Error('the wrapper lost counts');
  return { raw: median(r.raw), wrapped: median(r.wrapped), hand: median(r.hand), rounds: r };
}
