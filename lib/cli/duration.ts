const DURATION = /^(\d+(?:\.\d+)?)(s|m|h)?$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/**
 * Seconds in a duration written as `90s`, `15m`, `1h` or a bare number of seconds; `undefined`
 * when the text is not one. Used for the sweeper's `--ttl`, `--every` and `--timeout`.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS;
  return Number(match[1]) * UNIT_SECONDS[unit];
}
