import { randomBytes } from 'node:crypto';
import {
  Kafka,
  logLevel,
  type Consumer,
  type ConsumerRunConfig,
  type EachMessageHandler,
  type EachMessagePayload,
} from 'kafkajs';
import { instrumentConsumer } from '../../lib/kafka/kafkajs.instrument';
import { makeManager } from '../support/registries';
import { controlRow, pairedRow, type CaseContext, type Row } from '../support/result';
import { cpuMs, median, perRoundRatios, settle } from '../support/stats';

// scripts/config.sh (KAFKA_ADDR, KAFKA_PORT) is the source.
const BROKER = '127.0.0.1:19092';

function kafka(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [BROKER],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
  });
}

/**
 * Case 2: kafkajs consume throughput through the real broker, `instrumentConsumer` on and off:
 * the same topic read from the start by a fresh consumer group each round, variants alternating.
 * The broker's work dominates wall time (and on a small machine competes with the app for its
 * cores), so the figure is the app's own CPU time per message (the throughput the app could
 * reach) and the ratio the median of the per-round ratios; wall-clock throughput beside it.
 * Timing runs from the first message to the last, so group joins are not in it. Each round also
 * runs the uninstrumented consumer a second time: its ratio to the first is a control row, the
 * spread of this measurement when nothing differs.
 */
export async function run(ctx: CaseContext): Promise<Row[]> {
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
    // `again`: instrumentConsumer off, measured a second time in every round, as a control.
    type Variant = 'on' | 'off' | 'again';
    const cpu: Record<Variant, number[]> = { on: [], off: [], again: [] };
    const wall: Record<Variant, number[]> = { on: [], off: [], again: [] };
    const consumeAll = async (key: Variant): Promise<void> => {
      const instrumented = key === 'on';
      // The previous round's garbage is collected before this one, not in it.
      await settle();
      const consumer: Consumer = kafka('bench-consumer').consumer({
        groupId: `${topic}-${randomBytes(4).toString('hex')}`,
        maxBytes: 10 << 20,
      });
      if (instrumented) instrumentConsumer(consumer, manager);
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
        void consumer.run({
          eachMessage: ({ message }) => {
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
          },
        });
      });
      await consumer.disconnect();
      if (bytes === 0) throw new Error('no payload read');
    };
    const variants: Variant[] = ['off', 'on', 'again'];
    for (const key of variants) await consumeAll(key);
    for (const key of variants) cpu[key].length = wall[key].length = 0;
    for (let r = 0; r < rounds; r++) {
      for (const key of r % 2 === 0 ? variants : [...variants].reverse()) await consumeAll(key);
    }
    const counted = manager.messagesConsumed(topic);
    if (counted !== messages * (rounds + 1))
      throw new Error(`instrumentConsumer counted ${counted}, expected ${messages * (rounds + 1)}`);
    // Throughput the app's CPU allows is 1 / CPU per message: the ratio is off / on.
    const onCpu = median(cpu.on);
    const offCpu = median(cpu.off);
    const wrapper = await wrapperCost(ctx.quick ? 300_000 : 2_000_000, ctx.quick ? 5 : 11);
    return [
      {
        case: '2 kafkajs consume',
        figure: 'instrumentConsumer wrapper alone, in process, ns/message',
        value: wrapper.wrapped - wrapper.raw,
        unit: 'ns',
        note: `an empty async eachMessage awaited as kafkajs does: ${wrapper.wrapped.toFixed(0)} ns wrapped vs ${wrapper.raw.toFixed(0)} ns bare; that is ${(((wrapper.wrapped - wrapper.raw) / 1000 / offCpu) * 100).toFixed(1)} % of the ${offCpu.toFixed(2)} µs of app CPU kafkajs spends per message above`,
        rounds: wrapper.rounds,
      },
      pairedRow(
        {
          case: '2 kafkajs consume',
          figure: 'throughput by app CPU, instrumentConsumer on, msg/s',
          unit: 'msg/s',
          baselineLabel: 'instrumentConsumer off',
          note: `app CPU ${onCpu.toFixed(2)} vs ${offCpu.toFixed(2)} µs/message; wall ${median(wall.on).toFixed(0)} vs ${median(wall.off).toFixed(0)} msg/s (per-round ratio ${median(perRoundRatios(wall.on, wall.off)).toFixed(3)}); ${rounds} rounds x ${messages} messages, 1 partition`,
          rounds: { cpuUsPerMessage: cpu, wallMsgPerS: wall },
        },
        cpu.on.map((us) => 1e6 / us),
        cpu.off.map((us) => 1e6 / us),
        '>=',
        0.98,
        '>= 0.98',
      ),
      controlRow(
        {
          case: '2 kafkajs consume',
          figure: 'control: throughput by app CPU, instrumentConsumer off measured twice, msg/s',
          unit: 'msg/s',
          baselineLabel: 'instrumentConsumer off',
          note: `the same consumer run without instrumentConsumer, a third time in every round beside the two above: how far this measurement strays when nothing differs (app CPU ${median(cpu.again).toFixed(2)} vs ${offCpu.toFixed(2)} µs/message)`,
          rounds: { cpuUsPerMessage: { again: cpu.again, off: cpu.off } },
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
  const r = { raw: [] as number[], wrapped: [] as number[] };
  await time(bare);
  await time(wrapped);
  for (let i = 0; i < rounds; i++) {
    r.raw.push(await time(bare));
    r.wrapped.push(await time(wrapped));
  }
  if (manager.messagesConsumed(payload.topic) < n) throw new Error('the wrapper lost counts');
  return { raw: median(r.raw), wrapped: median(r.wrapped), rounds: r };
}
