import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { PushAuth } from '../interfaces/push-auth.interface';
import type { ResolvedMetricsOptions } from '../metrics.options';
import type { TargetResult } from '../interfaces/push-report.interface';
import * as messages from './pusher.messages';

/** Settings of {@link PushClient}. */
export type PushClientOptions = Pick<
  ResolvedMetricsOptions,
  'scheme' | 'podPort' | 'auth' | 'tls' | 'serviceName'
> & {
  /**
   * Requests open at once to one pod; more wait for a connection, their timeout running. Default
   * 2: a push cycle sends one body to each pod.
   */
  readonly requestsPerPod?: number;
};

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const ERROR_BODY_LIMIT = 512;
// A Pushgateway's whole API listing, read by the sweeper: tens of MB for thousands of groups.
const READ_BODY_LIMIT = 512 * 2 ** 20;

type Outcome = Omit<TargetResult, 'address' | 'durationMs'> & { body?: Buffer };

/** Answer of {@link PushClient.get}: the body when the pod answered 2xx. */
export type ReadResult = TargetResult & { readonly body?: Buffer };

/**
 * Sends one request to one metrics cache pod, bounded by a timeout. Connections are kept
 * alive between cycles so that pushes do not leave sockets in TIME_WAIT on every pod.
 */
export class PushClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly authorization: string | undefined;

  constructor(private readonly options: PushClientOptions) {
    this.authorization = authorizationHeader(options.auth);
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      maxSockets: options.requestsPerPod ?? 2,
      scheduling: 'lifo',
    };
    if (options.scheme === 'https') {
      const tls = options.tls;
      const expected = tls?.serverName || (isIP(options.serviceName) ? '' : options.serviceName);
      this.transport = https;
      this.agent = new https.Agent({
        ...agentOptions,
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        rejectUnauthorized: tls?.rejectUnauthorized ?? true,
        // Pods are dialled by IP: check the certificate against the service name instead.
        checkServerIdentity: (host: string, cert: PeerCertificate) =>
          checkServerIdentity(expected || host, cert),
      });
    } else {
      this.transport = http;
      this.agent = new http.Agent(agentOptions);
    }
  }

  /** Sends `method` to `path` on the pod at `address` with `body`; never rejects. */
  async send(
    method: 'PUT' | 'POST' | 'DELETE',
    address: string,
    path: string,
    body: Buffer | undefined,
    timeoutMs: number,
  ): Promise<TargetResult> {
    return this.exchange(method, address, path, body, timeoutMs);
  }

  /** Reads `path` from the pod at `address` (e.g. the Pushgateway's API); never rejects. */
  get(address: string, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ReadResult> {
    return this.exchange('GET', address, path, undefined, timeoutMs, signal);
  }

  private async exchange(
    method: string,
    address: string,
    path: string,
    body: Buffer | undefined,
    timeoutMs: number,
    cancel?: AbortSignal,
  ): Promise<ReadResult> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
    let result = await this.request(method, address, path, body, signal);
    // A kept-alive socket the pod closed meanwhile fails at once: retry it on a fresh one.
    if (result.retry && !signal.aborted)
      result = await this.request(method, address, path, body, signal);
    return { address, ...result.outcome, durationMs: performance.now() - started };
  }

  /** Closes every kept-alive connection. */
  close(): void {
    this.agent.destroy();
  }

  private request(
    method: string,
    address: string,
    path: string,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<{ outcome: Outcome; retry?: boolean }> {
    const keep = method === 'GET' ? READ_BODY_LIMIT : ERROR_BODY_LIMIT;
    return new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = { 'content-length': body?.length ?? 0 };
      if (body) headers['content-type'] = CONTENT_TYPE;
      if (this.authorization) headers.authorization = this.authorization;
      const req = this.transport.request(
        {
          host: address,
          port: this.options.podPort,
          method,
          path,
          headers,
          agent: this.agent,
          signal,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < keep) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => {
            if (status >= 200 && status < 300) {
              if (method !== 'GET') return resolve({ outcome: { ok: true, status } });
              if (size > keep) {
                const error = messages.answerTooLarge(keep);
                return resolve({ outcome: { ok: false, status, error, reason: 'too_large' } });
              }
              return resolve({ outcome: { ok: true, status, body: Buffer.concat(chunks) } });
            }
            const text = Buffer.concat(chunks).toString('utf8', 0, ERROR_BODY_LIMIT).trim();
            resolve({
              outcome: {
                ok: false,
                status,
                error: messages.httpError(status, text),
                reason: `http_${status}`,
              },
            });
          });
          res.on('error', (error) => resolve({ outcome: failure(error, signal) }));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        resolve({
          outcome: failure(error, signal),
          retry: req.reusedSocket && error.code === 'ECONNRESET',
        });
      });
      req.end(body);
    });
  }
}

// Node's own TLS codes, and OpenSSL's certificate verification codes
// (UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT, HOSTNAME_MISMATCH, ...).
const TLS_ERROR_CODE =
  /^(ERR_TLS|ERR_SSL|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_|HOSTNAME_MISMATCH)|CERT/;

function failure(error: NodeJS.ErrnoException, signal: AbortSignal): Outcome {
  if (signal.aborted) {
    const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
    return timedOut
      ? { ok: false, error: messages.timedOut(), reason: 'timeout' }
      : { ok: false, error: messages.aborted(), reason: 'aborted' };
  }
  const code = error.code ?? '';
  const reason = code === 'ECONNREFUSED' ? 'refused' : TLS_ERROR_CODE.test(code) ? 'tls' : 'error';
  return { ok: false, error: messages.requestFailed(code, error.message), reason };
}

function authorizationHeader(auth: PushAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if ('bearerToken' in auth) return `Bearer ${auth.bearerToken}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}
