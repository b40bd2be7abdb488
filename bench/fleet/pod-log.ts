import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';

/**
 * Where the app pods' Nest log goes: a file, not the terminal, since thousands of pods each log
 * their targets once and every failing push would drown the table. Warnings are counted so the
 * results can say how many there were.
 */
export class PodLog implements LoggerService {
  warnings = 0;
  errors = 0;
  private readonly stream: WriteStream;

  private constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    // One run's log: a fresh file each time.
    this.stream = createWriteStream(file, { flags: 'w' });
  }

  /** Sends every Nest `Logger` of this process to `file`. */
  static install(file: string): PodLog {
    const log = new PodLog(file);
    Logger.overrideLogger(log);
    return log;
  }

  log(message: unknown, ...context: unknown[]): void {
    this.write('LOG', message, context);
  }

  warn(message: unknown, ...context: unknown[]): void {
    this.warnings++;
    this.write('WARN', message, context);
  }

  error(message: unknown, ...context: unknown[]): void {
    this.errors++;
    this.write('ERROR', message, context);
  }

  debug(): void {}

  verbose(): void {}

  /** A marker line, so the log reads scenario by scenario. */
  note(line: string): void {
    this.stream.write(`${new Date().toISOString()} ---- ${line}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private write(level: string, message: unknown, context: unknown[]): void {
    const where = context.length > 0 ? ` [${String(context[context.length - 1])}]` : '';
    this.stream.write(`${new Date().toISOString()} ${level}${where} ${String(message)}\n`);
  }
}
