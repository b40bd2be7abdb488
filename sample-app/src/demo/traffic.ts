import { Partitioners, type Producer } from 'kafkajs';
import { createKafka } from '../settings';
import { TOPICS } from '../topics';
import type { Sent } from './sent';

/** Rates and duration of one traffic run; every loop below is bounded by `seconds`. */
export interface TrafficOptions {
  seconds: number;
  ordersPerSecond: number;
  formsPerSecond: number;
  /** Base URL of the HTTP setup, e.g. http://127.0.0.1:3000 */
  httpUrl: string;
  /** Ends the run early (Ctrl-C). */
  signal?: AbortSignal;
  /** Called about once a second with the counts so far. */
  onProgress?: (sent: Sent, elapsedSeconds: number) => void;
}

const TICK_MS = 100;

// Every 7th order lacks its email address, every 5th form is malformed: fixed patterns,
// so a run is reproducible and the expected numbers follow from the counts alone.
const isOrderWithoutEmail = (i: number): boolean => i % 7 === 3;
const badFormBody = (i: number): object | undefined => {
  if (i % 10 === 4) return { email_address: `not-an-email-${i}`, fields: { plan: 'basic' } };
  if (i % 10 === 9) return { fields: { plan: 'pro', seats: i } };
  return undefined;
};

function order(i: number): string {
  return JSON.stringify({
    id: i,
    amount: (i * 37) % 500,
    ...(isOrderWithoutEmail(i) ? {} : { email_address: `buyer-${i}@shop.example` }),
  });
}

async function postForm(httpUrl: string, i: number, sent: Sent): Promise<void> {
  const bad = badFormBody(i);
  const body = bad ?? {
    email_address: `visitor-${i}@forms.example`,
    fields: { plan: 'pro', seats: i % 9, newsletter: i % 2 === 0 },
  };
  if (bad) sent.badForms += 1;
  else sent.goodForms += 1;
  try {
    const response = await fetch(`${httpUrl}/forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    if (response.status !== (bad ? 400 : 202)) sent.unexpectedResponses += 1;
  } catch {
    sent.unexpectedResponses += 1;
  }
}

/**
 * Sends orders to Kafka and forms to the HTTP app at fixed rates for `seconds`, and returns what
 * it sent once every request has been answered.
 */
export async function sendTraffic(options: TrafficOptions): Promise<Sent> {
  const sent: Sent = {
    orders: 0,
    ordersWithoutEmail: 0,
    goodForms: 0,
    badForms: 0,
    unexpectedResponses: 0,
  };
  const producer: Producer = createKafka('demo-traffic').producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  try {
    const ticks = Math.max(1, Math.round((options.seconds * 1000) / TICK_MS));
    const start = Date.now();
    let forms = 0;
    for (let tick = 1; tick <= ticks && !options.signal?.aborted; tick += 1) {
      const ordersDue = Math.round((options.ordersPerSecond * tick * TICK_MS) / 1000);
      const formsDue = Math.round((options.formsPerSecond * tick * TICK_MS) / 1000);
      const batch: Array<{ key: string; value: string }> = [];
      for (; sent.orders < ordersDue; sent.orders += 1) {
        if (isOrderWithoutEmail(sent.orders)) sent.ordersWithoutEmail += 1;
        batch.push({ key: `order-${sent.orders}`, value: order(sent.orders) });
      }
      if (batch.length > 0)
        await producer.send({ topic: TOPICS.orders, acks: -1, messages: batch });
      for (; forms < formsDue; forms += 1) track(postForm(options.httpUrl, forms, sent));
      if ((tick * TICK_MS) % 1000 === 0) options.onProgress?.(sent, (tick * TICK_MS) / 1000);
      const wait = start + tick * TICK_MS - Date.now();
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    }
    await Promise.all(pending);
    return sent;
  } finally {
    await producer.disconnect();
  }
}
