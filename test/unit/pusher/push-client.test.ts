import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PushClient } from '../../../lib/pusher/push-client';

describe('PushClient', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  /** A pod that holds every request until released, counting the most it held at once. */
  async function holdingPod() {
    const held: ServerResponse[] = [];
    let most = 0;
    const server = createServer((_req, res) => {
      held.push(res);
      most = Math.max(most, held.length);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    return {
      port: (server.address() as AddressInfo).port,
      held,
      most: () => most,
      release: () => held.splice(0).forEach((res) => res.end()),
    };
  }

  async function mostAtOnce(requestsPerPod: number | undefined): Promise<number> {
    const pod = await holdingPod();
    const client = new PushClient({
      scheme: 'http',
      podPort: pod.port,
      auth: undefined,
      tls: undefined,
      serviceName: '127.0.0.1',
      ...(requestsPerPod === undefined ? {} : { requestsPerPod }),
    });
    cleanups.push(() => client.close());
    const sent = Array.from({ length: 10 }, (_, i) =>
      client.send('DELETE', '127.0.0.1', `/metrics/job/j${i}`, undefined, 5000),
    );
    let settled = 0;
    for (const request of sent) void request.then(() => settled++);
    // Every request that can be open is open before the first is answered; then each is
    // answered as it comes, until all ten are.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let rounds = 0; settled < sent.length && rounds < 250; rounds++) {
      pod.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const results = await Promise.all(sent);
    expect(results.every((r) => r.ok)).toBe(true);
    return pod.most();
  }

  it('keeps at most two requests open to one pod by default, and requestsPerPod when given', async () => {
    expect(await mostAtOnce(undefined)).toBe(2);
    expect(await mostAtOnce(8)).toBe(8);
  });
});
