// Extra Pushgateways that a test starts and stops itself, beside the stack's three: a plain
// "fourth pod", or one protected by its own --web.config.file (basic auth with a bcrypt hash,
// TLS with a CA and server certificate made here with openssl, optionally client certificates).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { terminate } from './processes';
import { PUSHGATEWAY_BIN, RUN_DIR } from './stack-config';
import { waitFor } from './wait-for';

/** A Pushgateway started by a test. */
export interface ExtraPushgateway {
  readonly addr: string;
  readonly port: number;
  /** Stops it (SIGKILL after 5 s) and waits until it is gone. */
  stop(): Promise<void>;
}

function accepts(addr: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: addr, port });
    socket.setTimeout(500);
    socket.on('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
    socket.on('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

/**
 * Starts a Pushgateway on `addr:port` (in memory only), with `webConfig` as its
 * --web.config.file when given and any further flags; resolves once it accepts connections.
 * A gateway left over by an earlier, crashed run on the same address is stopped first.
 */
export async function startExtraPushgateway(
  addr: string,
  port = 9091,
  webConfig?: string,
  flags: readonly string[] = [],
): Promise<ExtraPushgateway> {
  const name = `extra-pushgateway-${addr}-${port}`;
  mkdirSync(join(RUN_DIR, 'pids'), { recursive: true });
  mkdirSync(join(RUN_DIR, 'logs'), { recursive: true });
  const pidFile = join(RUN_DIR, 'pids', `${name}.pid`);
  if (existsSync(pidFile)) await terminate(Number(readFileSync(pidFile, 'utf8')), PUSHGATEWAY_BIN);
  const args = [
    `--web.listen-address=${addr}:${port}`,
    '--persistence.file=',
    '--web.enable-admin-api',
  ];
  if (webConfig) args.push(`--web.config.file=${webConfig}`);
  args.push(...flags);
  const log = openSync(join(RUN_DIR, 'logs', `${name}.log`), 'w');
  const child = spawn(PUSHGATEWAY_BIN, args, { stdio: ['ignore', log, log], detached: true });
  child.unref();
  const pid = child.pid!;
  writeFileSync(pidFile, String(pid));
  await waitFor(async () => ((await accepts(addr, port)) ? true : undefined), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: `${name} to accept connections`,
  });
  return {
    addr,
    port,
    async stop() {
      await terminate(pid, PUSHGATEWAY_BIN);
      rmSync(pidFile, { force: true });
    },
  };
}

/** PEM files made by {@link makeTlsFiles}. */
export interface TlsFiles {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  readonly otherCaCert: string;
}

// Every argument is one word (the file names below have no spaces): a command reads as one line.
function openssl(dir: string, command: string): void {
  execFileSync('openssl', command.split(' '), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a CA, a server certificate for `names` (IPs and DNS names) and a client certificate, in `dir`. */
export function makeTlsFiles(dir: string, names: readonly string[]): TlsFiles {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const key = (name: string) =>
    openssl(dir, `genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${name}.key`);
  const ca = (name: string) => {
    key(name);
    openssl(dir, `req -x509 -new -key ${name}.key -subj /CN=${name} -days 2 -out ${name}.crt`);
  };
  const leaf = (name: string, ext: string) => {
    key(name);
    openssl(dir, `req -new -key ${name}.key -subj /CN=${name} -out ${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      dir,
      `x509 -req -in ${name}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 ` +
        `-extfile ${name}.ext -out ${name}.crt`,
    );
  };
  ca('ca');
  ca('other-ca');
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  leaf('server', `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const at = (f: string) => join(dir, f);
  return {
    dir,
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    otherCaCert: at('other-ca.crt'),
  };
}

/** A `user: bcrypt-hash` line for a web config, from apache2-utils' htpasswd. */
export function bcryptUser(username: string, password: string): { username: string; hash: string } {
  let line: string;
  try {
    line = execFileSync('htpasswd', ['-nbBC', '10', username, password], {
      encoding: 'utf8',
    }).trim();
  } catch (error) {
    throw new Error(
      `htpasswd (Debian package apache2-utils) is needed for the bcrypt hash: ${(error as Error).message}`,
    );
  }
  return { username, hash: line.slice(line.indexOf(':') + 1) };
}

/** Writes a Pushgateway web config (TLS, optional client certificates, basic auth users) and returns its path. */
export function writeWebConfig(
  file: string,
  tls: TlsFiles,
  users: ReadonlyArray<{ username: string; hash: string }>,
  clientAuth: 'NoClientCert' | 'RequireAndVerifyClientCert' = 'NoClientCert',
): string {
  const lines = [
    'tls_server_config:',
    `  cert_file: ${JSON.stringify(tls.serverCert)}`,
    `  key_file: ${JSON.stringify(tls.serverKey)}`,
    `  client_auth_type: ${clientAuth}`,
  ];
  if (clientAuth !== 'NoClientCert') lines.push(`  client_ca_file: ${JSON.stringify(tls.caCert)}`);
  if (users.length > 0) {
    lines.push('basic_auth_users:');
    for (const u of users) lines.push(`  ${JSON.stringify(u.username)}: ${JSON.stringify(u.hash)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The run directory (`.run/`, or NUBIUM_RUN_DIR) where tests keep files they make. */
export const TEST_RUN_DIR = RUN_DIR;
