/** User-facing messages of the health indicator's module. */
import { shown } from '../options/options.messages';

export const badMinTargets = (value: unknown): string =>
  `of MetricsHealthModule must be a whole number >= 1, got ${shown(value)}`;
export const terminusMissing = (reason: string): string =>
  `MetricsHealthModule needs @nestjs/terminus (>= 11) installed: ${reason}`;
