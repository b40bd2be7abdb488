import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';

/** One setup of the sample app, run as its own process. */
export interface AppProcess {
  setup: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

const MAIN = resolve(__dirname, '../main.js');

/**
 * Starts `node main.js` for one setup with its env, its output in `logFile`, and resolves
 * once it logs that it is ready; rejects if it exits or stays silent for `timeoutMs`.
 */
export function startApp(
  setup: string,
  env: Record<string, string>,
  logFile: string,
  timeoutMs = 30_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, SAMPLE_SETUP: setup, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const app: AppProcess = { setup, child, logFile, exited };
  return new Promise<AppProcess>((ready, fail) => {
    const timer = setTimeout(
      () =>
        fail(
          new Error(`the ${setup} setup was not ready within ${timeoutMs} ms (log: ${logFile})`),
        ),
      timeoutMs,
    );
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      log.write(chunk);
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes(`${setup} setup ready`)) {
        clearTimeout(timer);
        ready(app);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(
        new Error(`the ${setup} setup exited with code ${code} while starting (log: ${logFile})`),
      );
    });
  });
}

/** SIGTERMs the apps (each makes its final push) and waits for them; SIGKILL after `timeoutMs`. */
export async function stopApps(apps: AppProcess[], timeoutMs = 15_000): Promise<void> {
  await Promise.all(
    apps.map(async (app) => {
      if (app.child.exitCode !== null || app.child.signalCode !== null) return;
      app.child.kill('SIGTERM');
      const timer = setTimeout(() => app.child.kill('SIGKILL'), timeoutMs);
      await app.exited;
      clearTimeout(timer);
    }),
  );
}
