// The options that say how to reach the cache pods (DNS servers, auth, TLS), shared by the pusher
// and the sweeper. Nothing here loads prom-client or Nest, so the sweep command runs without them.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { PushAuth, PushTlsOptions, ResolvedPushTls } from '../interfaces/push-auth.interface';
import * as messages from './options.messages';
import { codeAt, fail, type At } from './option-scope';

/** Checks DNS servers given as `ip` or `ip:port` (`[v6]:port`); also used by the sweeper. */
export function resolveDnsServers(servers: string[] | undefined): readonly string[] | undefined {
  return servers === undefined ? undefined : checkDnsServers(servers, codeAt('dnsServers'));
}

/**
 * The `dnsServers` option's value, from code or from env `METRICS_DNS_SERVERS`: an array, or one
 * string of servers separated by commas (as the env var, and `ConfigService`, hand it out).
 */
export function parseDnsServers(raw: unknown, at: At): readonly string[] {
  const servers =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((server) => server.trim())
          .filter((server) => server !== '')
      : raw;
  return checkDnsServers(servers, at);
}

function checkDnsServers(servers: unknown, at: At): readonly string[] {
  if (!Array.isArray(servers) || servers.length === 0) fail(at, messages.dnsServersEmpty);
  for (const server of servers as unknown[]) {
    const match =
      typeof server === 'string' ? /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(server) : null;
    const host =
      match?.[1] ??
      match?.[2] ??
      (typeof server === 'string' && isIP(server) === 6 ? server : undefined);
    const port = match?.[3] === undefined ? 53 : Number(match[3]);
    if (host === undefined || isIP(host) === 0 || port < 1 || port > 65_535) {
      fail(at, messages.notADnsServer(server));
    }
  }
  return Object.freeze([...(servers as string[])]);
}

/** Checks basic auth or a bearer token; also used by the sweeper. */
export function resolveAuth(auth: PushAuth | undefined): PushAuth | undefined {
  if (auth === undefined) return undefined;
  if ('bearerToken' in auth) {
    if (typeof auth.bearerToken !== 'string' || auth.bearerToken === '') {
      fail(codeAt('auth.bearerToken'), messages.emptyToken);
    }
    return { bearerToken: auth.bearerToken };
  }
  if (typeof auth.username !== 'string' || auth.username === '' || auth.username.includes(':')) {
    fail(codeAt('auth.username'), messages.badUsername);
  }
  if (typeof auth.password !== 'string') fail(codeAt('auth.password'), messages.badPassword);
  return { username: auth.username, password: auth.password };
}

/** Reads the TLS files and fills in defaults; also used by the sweeper. */
export function resolveTls(tls: PushTlsOptions | undefined): ResolvedPushTls | undefined {
  if (tls === undefined) return undefined;
  return {
    ca: pem('tls.ca', tls.ca),
    cert: pem('tls.cert', tls.cert),
    key: pem('tls.key', tls.key),
    serverName: tls.serverName ?? '',
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** PEM text stays as it is; anything else is a file path, read now so a bad path fails start-up. */
function pem(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    return fail(codeAt(option), messages.notPem((error as Error).message));
  }
}
