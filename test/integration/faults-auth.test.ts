// Protected metrics cache pods: real Pushgateways started by this file with their own
// --web.config.file (TLS with a CA made here, bcrypt basic auth, client certificates), and a
// bearer-token proxy in front of a stack Pushgateway (a stand-in: the Pushgateway itself has no
// bearer auth). Credentials must never reach the logs. Each test pushes a job of its own.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsModuleOptions, PushTlsOptions } from '../../lib';
import type { MetricsApp } from '../support/faults';
import { useFaultTestScope } from '../support/fault-scope';
import {
  bcryptUser,
  makeTlsFiles,
  startExtraPushgateway,
  TEST_RUN_DIR,
  writeWebConfig,
  type ExtraPushgateway,
  type TlsFiles,
} from '../support/protected-gateway';
import { findSample, readPushgateway, setDnsAnswer } from '../support/stack';
import { HEADLESS_NAME, PUSHGATEWAY_ADDRS } from '../support/stack-config';
import { parseTextFormat, type Sample } from '../support/text-format';

const RUN = randomBytes(3).toString('hex');
let tests = 0;
/** This test's job: set before each test. */
let JOB = '';
const APP = 'faults-auth-app';
const TOPIC = 'faults.auth';
const BASIC_ADDR = '127.0.0.5';
const MTLS_ADDR = '127.0.0.8';
const BEARER_ADDR = '127.0.0.7';
const USER = 'nubium-pusher';
const PASSWORD = 'pa55-Word-never-logged';
const TOKEN = 'bearer-token-never-logged';
// `USER:PASSWORD` in base64 (RFC 7617), written out: what an Authorization header carries.
const BASIC_CREDENTIALS = 'bnViaXVtLXB1c2hlcjpwYTU1LVdvcmQtbmV2ZXItbG9nZ2Vk';

function readProtected(
  addr: string,
  tls: TlsFiles,
  headers: http.OutgoingHttpHeaders = {},
  client = false,
): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: addr,
        port: 9091,
        path: '/metrics',
        headers,
        ca: readFileSync(tls.caCert),
        ...(client ? { cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) } : {}),
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(parseTextFormat(body))
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/**
 * A stand-in for a bearer-auth front of the cache (kube-rbac-proxy, an ingress): a loopback proxy
 * that lets through only `Authorization: Bearer TOKEN` to a stack Pushgateway.
 */
function startBearerProxy(upstream: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('bearer token required');
      req.resume();
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const forward = http.request(
      { host: upstream, port: 9091, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(9091, BEARER_ADDR, () => resolve(server)));
}

function expectNoSecrets(m: MetricsApp, tls?: TlsFiles): void {
  const text = m.logs.text();
  expect(m.logs.lines.length).toBeGreaterThan(0);
  for (const secret of [PASSWORD, TOKEN, BASIC_CREDENTIALS, 'wrong-password', 'wrong-token']) {
    expect(text).not.toContain(secret);
  }
  if (tls) expect(text).not.toContain(readFileSync(tls.clientKey, 'utf8').split('\n')[1]);
}

describe('protected metrics cache pods', () => {
  let tls: TlsFiles;
  let basicGateway: ExtraPushgateway;
  let mtlsGateway: ExtraPushgateway;
  let bearerProxy: http.Server;
  let tlsOptions: PushTlsOptions;
  const scope = useFaultTestScope();

  beforeAll(async () => {
    const dir = join(TEST_RUN_DIR, 'faults-auth');
    tls = makeTlsFiles(join(dir, 'tls'), [BASIC_ADDR, MTLS_ADDR, HEADLESS_NAME]);
    tlsOptions = { ca: tls.caCert };
    const basicConfig = writeWebConfig(join(dir, 'basic-web.yml'), tls, [
      bcryptUser(USER, PASSWORD),
    ]);
    const mtlsConfig = writeWebConfig(
      join(dir, 'mtls-web.yml'),
      tls,
      [],
      'RequireAndVerifyClientCert',
    );
    [basicGateway, mtlsGateway, bearerProxy] = await Promise.all([
      startExtraPushgateway(BASIC_ADDR, 9091, basicConfig),
      startExtraPushgateway(MTLS_ADDR, 9091, mtlsConfig),
      startBearerProxy(PUSHGATEWAY_ADDRS[0]),
    ]);
  });

  beforeEach(() => {
    JOB = `faults-auth-${RUN}-${++tests}`;
  });

  afterAll(async () => {
    await basicGateway?.stop();
    await mtlsGateway?.stop();
    await new Promise((r) => bearerProxy?.close(r));
  });

  /**
   * An app of this test pushing to the basic-auth pod with the right credentials, over TLS
   * checked against the CA; `options` hold what the test changes.
   */
  function basicAuthApp(options: MetricsModuleOptions = {}): Promise<MetricsApp> {
    return scope.createApp({
      job: JOB,
      app: APP,
      serviceName: BASIC_ADDR,
      auth: { username: USER, password: PASSWORD },
      tls: tlsOptions,
      ...options,
    });
  }

  it('pushes with basic auth over TLS checked against the CA, and logs neither password nor header', async () => {
    const m = await basicAuthApp();
    m.manager.incMessagesConsumed(TOPIC, 9);

    const report = await m.pusher.pushNow();

    expect(report.targets).toEqual([
      expect.objectContaining({ address: BASIC_ADDR, ok: true, status: 200 }),
    ]);
    const samples = await readProtected(BASIC_ADDR, tls, {
      authorization: `Basic ${BASIC_CREDENTIALS}`,
    });
    expect(findSample(samples, 'messages_consumed', { job: JOB, topic: TOPIC })).toBe(9);
    expectNoSecrets(m);
  });

  it('checks the certificate against the service name when pods are found by DNS', async () => {
    await setDnsAnswer([BASIC_ADDR]);
    const m = await basicAuthApp({ serviceName: HEADLESS_NAME });

    const report = await m.pusher.pushNow();

    expect(report.targets).toEqual([expect.objectContaining({ address: BASIC_ADDR, ok: true })]);
    const wrongName = await basicAuthApp({
      job: `${JOB}-other-name`, // a second module of this process pushes a group of its own
      serviceName: HEADLESS_NAME,
      tls: { ...tlsOptions, serverName: 'other-name.nubium.test' },
    });
    const rejected = await wrongName.pusher.pushNow();
    expect(rejected.targets).toEqual([expect.objectContaining({ ok: false })]);
    expect(rejected.targets[0].error).toMatch(/other-name\.nubium\.test|altnames/i);
  });

  it.each([
    ['a wrong password', { username: USER, password: 'wrong-password' }],
    ['no credentials', undefined],
  ])('reports HTTP 401 with %s and logs no credentials', async (_, auth) => {
    const m = await basicAuthApp({ auth });

    const report = await m.pusher.pushNow();

    expect(report.targets).toEqual([
      expect.objectContaining({ ok: false, status: 401, reason: 'http_401' }),
    ]);
    expect(m.logs.text()).toContain(`push to metrics cache pod ${BASIC_ADDR} failed: HTTP 401`);
    expectNoSecrets(m);
  });

  it.each([
    ['the system CAs only', {}],
    ['another CA', { ca: 'other' }],
  ])('refuses the pod certificate when trusting %s', async (_, which) => {
    const ca = 'ca' in which ? tls.otherCaCert : undefined;
    const m = await basicAuthApp({ scheme: 'https', tls: { ca } });

    const report = await m.pusher.pushNow();

    expect(report.targets).toEqual([expect.objectContaining({ ok: false, reason: 'tls' })]);
    expectNoSecrets(m);
  });

  it('pushes with a client certificate to a pod that requires one, and fails without it', async () => {
    const m = await scope.createApp({
      job: JOB,
      app: APP,
      serviceName: MTLS_ADDR,
      tls: { ca: tls.caCert, cert: tls.clientCert, key: readFileSync(tls.clientKey, 'utf8') },
    });
    m.manager.incMessagesConsumed(TOPIC, 4);

    expect((await m.pusher.pushNow()).targets).toEqual([
      expect.objectContaining({ address: MTLS_ADDR, ok: true }),
    ]);
    const samples = await readProtected(MTLS_ADDR, tls, {}, true);
    expect(findSample(samples, 'messages_consumed', { job: JOB, topic: TOPIC })).toBe(4);
    expectNoSecrets(m, tls);

    const anonymous = await scope.createApp({
      job: `${JOB}-anonymous`, // a second module of this process pushes a group of its own
      app: APP,
      serviceName: MTLS_ADDR,
      tls: { ca: tls.caCert },
    });
    const rejected = await anonymous.pusher.pushNow();
    expect(rejected.targets).toEqual([expect.objectContaining({ ok: false })]);
    expect(rejected.targets[0].reason, rejected.targets[0].error).toBe('tls');
  });

  it('pushes with a bearer token, and logs no token (stand-in: a token-checking proxy in front of a stack Pushgateway)', async () => {
    const m = await scope.createApp({
      job: JOB,
      app: APP,
      serviceName: BEARER_ADDR,
      auth: { bearerToken: TOKEN },
    });
    m.manager.incMessagesConsumed(TOPIC, 6);

    expect((await m.pusher.pushNow()).targets).toEqual([expect.objectContaining({ ok: true })]);
    expect(
      findSample(await readPushgateway(PUSHGATEWAY_ADDRS[0]), 'messages_consumed', {
        job: JOB,
        topic: TOPIC,
      }),
    ).toBe(6);
    expectNoSecrets(m);

    const wrong = await scope.createApp({
      job: `${JOB}-wrong-token`, // a second module of this process pushes a group of its own
      app: APP,
      serviceName: BEARER_ADDR,
      auth: { bearerToken: 'wrong-token' },
    });
    expect((await wrong.pusher.pushNow()).targets).toEqual([
      expect.objectContaining({ ok: false, reason: 'http_401' }),
    ]);
    expectNoSecrets(wrong);
  });
});
