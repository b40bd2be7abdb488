import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import * as messages from './pusher.messages';
import { promiseTimeout, PromiseTimeoutError } from '../utils/promise-timeout';
import type { DiscoveryResult } from '../interfaces/push-report.interface';

/** Settings of {@link TargetDiscovery}. */
export interface TargetDiscoveryOptions {
  /** Headless Service name, or one IP address. */
  readonly serviceName: string;
  /** DNS servers to ask; the system resolver (getaddrinfo) when absent. */
  readonly dnsServers?: readonly string[];
  /** Bound of one resolution, in ms. */
  readonly timeoutMs: number;
}

/** A failed resolution, with a short reason for the failure metric. */
export class DiscoveryError extends Error {
  constructor(
    message: string,
    /** `nxdomain`, `no_addresses`, `timeout`, `unreachable` or `error`. */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/**
 * Finds every metrics cache pod: the A and AAAA records of the headless Service. When a
 * resolution fails (server down, NXDOMAIN, empty answer) the last answer is kept, so a DNS
 * outage does not stop pushes to pods that are still there.
 */
export class TargetDiscovery {
  private lastKnown: readonly string[] = [];
  private readonly resolver: dns.Resolver | undefined;

  constructor(private readonly options: TargetDiscoveryOptions) {
    if (options.dnsServers) {
      this.resolver = new dns.Resolver({ timeout: options.timeoutMs, tries: 1 });
      this.resolver.setServers([...options.dnsServers]);
    }
  }

  /**
   * The DNS servers a resolution asks: the `dnsServers` given, else the system resolver's (as
   * node reads them from /etc/resolv.conf; the system lookup may also consult /etc/hosts).
   */
  get servers(): readonly string[] {
    return this.resolver?.getServers() ?? dns.getServers();
  }

  /** The addresses of the last successful resolution. */
  get targets(): readonly string[] {
    return this.lastKnown;
  }

  /** Resolves the service name now, falling back to the last known answer on failure. */
  async discover(): Promise<DiscoveryResult> {
    try {
      const targets = await this.resolve();
      this.lastKnown = targets;
      return { targets, source: 'dns' };
    } catch (error) {
      const errorReason = error instanceof DiscoveryError ? error.reason : 'error';
      return {
        targets: this.lastKnown,
        source: 'last-known',
        error: (error as Error).message,
        errorReason,
      };
    }
  }

  /** Resolves the service name to its sorted, de-duplicated addresses, or throws {@link DiscoveryError}. */
  async resolve(): Promise<string[]> {
    const name = this.options.serviceName;
    if (isIP(name) !== 0) return [name];
    const ms = this.options.timeoutMs + 500;
    const addresses = await promiseTimeout(
      ms,
      this.resolver ? this.resolveWith(this.resolver, name) : this.lookup(name),
    ).catch((error: unknown) => {
      if (!(error instanceof PromiseTimeoutError)) throw error;
      throw new DiscoveryError(messages.noDnsAnswer(name, ms), 'timeout');
    });
    if (addresses.length === 0) {
      throw new DiscoveryError(messages.noAddressRecords(name), 'no_addresses');
    }
    return [...new Set(addresses)].sort(compareAddresses);
  }

  private async resolveWith(resolver: dns.Resolver, name: string): Promise<string[]> {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    if (v4.status === 'fulfilled' || v6.status === 'fulfilled') {
      return [
        ...(v4.status === 'fulfilled' ? v4.value : []),
        ...(v6.status === 'fulfilled' ? v6.value : []),
      ];
    }
    const codes = [v4.reason, v6.reason].map((e: NodeJS.ErrnoException) => e.code);
    if (codes.every((c) => c === 'ENODATA')) return [];
    throw toDiscoveryError(name, v4.reason as NodeJS.ErrnoException);
  }

  private async lookup(name: string): Promise<string[]> {
    try {
      const found = await dns.lookup(name, { all: true, verbatim: true });
      return found.map((a) => a.address);
    } catch (error) {
      throw toDiscoveryError(name, error as NodeJS.ErrnoException);
    }
  }
}

function toDiscoveryError(name: string, error: NodeJS.ErrnoException): DiscoveryError {
  const reason =
    error.code === 'ENOTFOUND'
      ? 'nxdomain'
      : error.code === 'ENODATA'
        ? 'no_addresses'
        : error.code === 'ETIMEOUT'
          ? 'timeout'
          : error.code === 'ECONNREFUSED' || error.code === 'ESERVFAIL' || error.code === 'EREFUSED'
            ? 'unreachable'
            : 'error';
  return new DiscoveryError(messages.dnsError(name, error.code ?? error.message), reason);
}

function compareAddresses(a: string, b: string): number {
  return isIP(a) - isIP(b) || a.localeCompare(b, 'en', { numeric: true });
}
