import { MetricsOptionsError } from './metrics-options.error';
import type { OptionSource, PushProtocol } from '../interfaces/metrics-options.interface';
import type { ResolvedPushTls } from '../interfaces/push-auth.interface';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What a spec's default, bounds and checks may read: the options above it in SPECS, the worker id. */
export interface Scope {
  readonly serviceName: string;
  readonly pushEnabled: boolean;
  readonly pushRateSeconds: number;
  readonly pushProtocol: PushProtocol;
  readonly tls: ResolvedPushTls | undefined;
  readonly clusterWorkerId: number | undefined;
}

/** The option being resolved and where its value came from, for error messages. */
export interface At {
  readonly option: string;
  readonly envVar: string | undefined;
  readonly source: OptionSource;
  /** True when the options were returned by the `forRootAsync` factory. */
  readonly fromFactory?: boolean;
}

export function fail(at: At, reason: string): never {
  throw new MetricsOptionsError(at.option, at.envVar, reason, at.source, at.fromFactory);
}

/** Where an option given in code (only) is checked. */
export const codeAt = (option: string): At => ({ option, envVar: undefined, source: 'code' });
