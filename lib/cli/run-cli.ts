import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import type { PushAuth } from '../interfaces/push-auth.interface';
import { parseDurationSeconds } from './duration';
import { sweepStaleGroups, SweepOptionsError } from '../sweeper/sweep';
import type { SweepOptions } from '../interfaces/sweep-options.interface';
import type { SweepReport } from '../interfaces/sweep-report.interface';
import * as messages from './cli.messages';

/** Where the CLI writes: the process's streams, or a test's. */
export interface CliOutput {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/** Exit codes: 0 done, 1 a pass failed somewhere (unreachable target, failed delete), 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const OPTIONS = {
  target: { type: 'string', multiple: true },
  service: { type: 'string' },
  port: { type: 'string' },
  scheme: { type: 'string' },
  'dns-server': { type: 'string', multiple: true },
  ttl: { type: 'string' },
  every: { type: 'string' },
  timeout: { type: 'string' },
  all: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'delete-conflicts': { type: 'boolean' },
  json: { type: 'boolean' },
  username: { type: 'string' },
  'password-file': { type: 'string' },
  'bearer-token-file': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'server-name': { type: 'string' },
  insecure: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `nubium-metrics <command> ...` and resolves with the exit code. `signal` ends a repeating
 * sweep: the pass under way is aborted and the returned promise resolves with 0.
 */
export async function runCli(
  argv: readonly string[],
  io: CliOutput,
  signal?: AbortSignal,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out.write(messages.usage());
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command !== 'sweep') {
    io.err.write(messages.unknownCommand(command));
    return EXIT.usage;
  }
  let parsed: { options: SweepOptions; everySeconds: number | undefined; json: boolean };
  try {
    const { values } = parseArgs({ args: [...rest], options: OPTIONS, strict: true });
    if (values.help) {
      io.out.write(messages.usage());
      return EXIT.ok;
    }
    parsed = sweepSettings(values);
  } catch (e) {
    io.err.write(messages.usageError((e as Error).message));
    return EXIT.usage;
  }
  const { options, everySeconds, json } = parsed;
  try {
    if (everySeconds === undefined) {
      const report = await sweepStaleGroups({ ...options, signal });
      io.out.write(json ? `${JSON.stringify(report)}\n` : messages.passSummary(report));
      return passFailed(report) ? EXIT.failed : EXIT.ok;
    }
    while (!signal?.aborted) {
      const started = Date.now();
      // A repeating sweep (the sidecar) outlives a failed pass: it says why and tries again at
      // the next one, since a crash-looping sidecar would take its cache pod out of service.
      const report = await sweepStaleGroups({ ...options, signal }).catch((e: unknown) => {
        if (e instanceof SweepOptionsError) throw e;
        io.err.write(messages.passFailed(e));
        return undefined;
      });
      if (signal?.aborted) break;
      if (report) io.out.write(json ? `${JSON.stringify(report)}\n` : messages.passSummary(report));
      await sleep(everySeconds * 1000 - (Date.now() - started), signal);
    }
    if (!json) io.out.write(messages.stopped());
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof SweepOptionsError)) throw e;
    io.err.write(messages.usageError(e.message));
    return EXIT.usage;
  }
}

class UsageError extends Error {}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function sweepSettings(values: Values): {
  options: SweepOptions;
  everySeconds: number | undefined;
  json: boolean;
} {
  if (values.ttl === undefined) throw new UsageError(messages.missingTtl());
  const ttlSeconds = duration('--ttl', values.ttl, 1);
  const everySeconds =
    values.every === undefined ? undefined : duration('--every', values.every, 1);
  const timeoutMs =
    values.timeout === undefined
      ? undefined
      : Math.round(duration('--timeout', values.timeout, 0.001) * 1000);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new UsageError(messages.badPort(values.port!));
  }
  if (values.port !== undefined && values.service === undefined) {
    throw new UsageError(messages.portWithoutService());
  }
  const scheme = values.scheme;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new UsageError(messages.badScheme(scheme));
  }
  const tlsGiven =
    [values.ca, values.cert, values.key, values['server-name']].some((v) => v !== undefined) ||
    values.insecure;
  const options: SweepOptions = {
    targets: values.target,
    serviceName: values.service,
    port,
    scheme,
    dnsServers: values['dns-server'],
    ttlSeconds,
    all: values.all === true,
    dryRun: values['dry-run'] === true,
    deleteConflicts: values['delete-conflicts'] === true,
    auth: auth(values),
    tls: tlsGiven
      ? {
          ca: values.ca,
          cert: values.cert,
          key: values.key,
          serverName: values['server-name'],
          rejectUnauthorized: values.insecure !== true,
        }
      : undefined,
    timeoutMs,
  };
  return { options, everySeconds, json: values.json === true };
}

function duration(flag: string, text: string, min: number): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds < min)
    throw new UsageError(messages.badDuration(flag, text, min));
  return seconds;
}

// Secrets come from files (a mounted Secret), never from the command line, which `ps` shows.
function auth(values: Values): PushAuth | undefined {
  const token = values['bearer-token-file'];
  if (token !== undefined) {
    if (values.username !== undefined) throw new UsageError(messages.twoAuths());
    return { bearerToken: readSecret('--bearer-token-file', token) };
  }
  if (values.username === undefined) {
    if (values['password-file'] !== undefined) throw new UsageError(messages.passwordWithoutUser());
    return undefined;
  }
  const password = values['password-file'];
  return {
    username: values.username,
    password: password === undefined ? '' : readSecret('--password-file', password),
  };
}

function readSecret(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError(messages.unreadable(flag, file, (e as Error).message));
  }
}

function passFailed(report: SweepReport): boolean {
  return report.error !== undefined || report.failed > 0;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
