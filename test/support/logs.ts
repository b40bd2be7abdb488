// A Nest logger that keeps every line, so tests can assert what was logged (and what was not).
import type { LoggerService } from '@nestjs/common';

/** One captured log line. */
export interface LogLine {
  level: string;
  context: string;
  message: string;
}

/** A Nest logger keeping every line in `lines`, so tests can read what was logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  private add(level: string, message: unknown, rest: unknown[]): void {
    const context =
      typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : '';
    this.lines.push({
      level,
      context,
      message: typeof message === 'string' ? message : String(message),
    });
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.add('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.add('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.add('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.add('verbose', message, rest);
  }
  /** Every captured line as one text, for "never appears in the logs" checks. */
  text(): string {
    return this.lines.map((l) => `${l.level} [${l.context}] ${l.message}`).join('\n');
  }
}
