// Addresses of the local test stack, read from scripts/config.sh: the one source that the
// scripts which start the servers also read, so the tests cannot drift from them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The plain `NAME=value` and `NAME=(a b c)` assignments of a bash file (no expansion). */
export function readShellAssignments(text: string): Map<string, string | string[]> {
  const values = new Map<string, string | string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(\(([^)]*)\)|[^\s#]*)\s*(#.*)?$/.exec(line.trim());
    if (!match) continue;
    values.set(match[1], match[3] !== undefined ? match[3].trim().split(/\s+/) : match[2]);
  }
  return values;
}

const config = readShellAssignments(
  readFileSync(resolve(__dirname, '../../scripts/config.sh'), 'utf8'),
);

function one(name: string): string {
  const value = config.get(name);
  if (typeof value !== 'string' || value === '') {
    throw new Error(`scripts/config.sh has no plain value for ${name}`);
  }
  return value;
}

function list(name: string): readonly string[] {
  const value = config.get(name);
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`scripts/config.sh has no array for ${name}`);
  }
  return value;
}

/** Loopback addresses of the Pushgateways, the pods of the metrics cache. */
export const PUSHGATEWAY_ADDRS = list('PUSHGATEWAY_ADDRS');
export const PUSHGATEWAY_PORT = Number(one('PUSHGATEWAY_PORT'));
/** dnsmasq, which answers HEADLESS_NAME; in the form `Resolver.setServers` takes. */
export const DNS_SERVER = `${one('DNS_ADDR')}:${one('DNS_PORT')}`;
export const HEADLESS_NAME = one('HEADLESS_NAME');
/**
 * Module options for the local metrics cache: every cache pod behind HEADLESS_NAME, found through
 * dnsmasq, pushed to only by hand (`pushNow()`) or on shutdown within a test's time.
 */
export const LOCAL_CACHE_OPTIONS = {
  serviceName: HEADLESS_NAME,
  dnsServers: [DNS_SERVER],
  pushRateSeconds: 3600,
};
export const PROMETHEUS_URL = `http://${one('PROMETHEUS_ADDR')}:${one('PROMETHEUS_PORT')}`;
/** The vmagents (pushProtocol victoriametrics), behind VMAGENT_HEADLESS_NAME. */
export const VMAGENT_ADDRS = list('VMAGENT_ADDRS');
export const VMAGENT_PORT = Number(one('VMAGENT_PORT'));
export const VMAGENT_HEADLESS_NAME = one('VMAGENT_HEADLESS_NAME');
/** The VictoriaMetrics single node both vmagents remote-write to. */
export const VICTORIA_METRICS_URL = `http://${one('VICTORIA_METRICS_ADDR')}:${one('VICTORIA_METRICS_PORT')}`;
/** The Prometheus (remote-write receiver) vmagent-1 also writes to. */
export const REMOTE_WRITE_PROMETHEUS_URL = `http://${one('REMOTE_WRITE_PROMETHEUS_ADDR')}:${one('REMOTE_WRITE_PROMETHEUS_PORT')}`;
/** Module options for the local vmagents, found through dnsmasq, pushed to by hand. */
export const LOCAL_VMAGENT_OPTIONS = {
  serviceName: VMAGENT_HEADLESS_NAME,
  dnsServers: [DNS_SERVER],
  pushRateSeconds: 3600,
  pushProtocol: 'victoriametrics' as const,
};
export const KAFKA_BROKER = `${one('KAFKA_ADDR')}:${one('KAFKA_PORT')}`;
/** Where the scripts keep pid files and logs, and tests the files they make: config.sh's default. */
export const RUN_DIR = process.env.NUBIUM_RUN_DIR ?? resolve(__dirname, '../../.run');
/** The binary scripts/stack.sh runs as a Pushgateway: a pid file counts only while it runs this. */
export const PUSHGATEWAY_BIN = '/usr/bin/prometheus-pushgateway';

/** The URL of `path` on the Pushgateway at `addr` (IPv4 or IPv6), on the stack's port. */
export function pushgatewayUrl(addr: string, path: string): string {
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return `http://${host}:${PUSHGATEWAY_PORT}${path}`;
}
