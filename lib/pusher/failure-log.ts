/** What to log about a failure after one cycle: it started, it still lasts, or it ended. */
export type FailureNote =
  | { readonly kind: 'started' }
  | {
      readonly kind: 'lasting';
      /** Cycles failed since the last note, this one included. */
      readonly cycles: number;
      /** When the first failed cycle of this outage was recorded. */
      readonly since: Date;
    }
  | {
      readonly kind: 'ended';
      /** Cycles the outage lasted. */
      readonly cycles: number;
    };

/** Default time between two reminders of one lasting failure: once a minute. */
export const FAILURE_REMINDER_MS = 60_000;

interface Outage {
  readonly since: number;
  notedAt: number;
  sinceNote: number;
  cycles: number;
}

/**
 * Decides when a lasting failure (of DNS, of one pod) is logged: when it starts, again at most
 * once per `reminderMs` with the cycles failed since, and when it ends. Logging every cycle
 * would flood the logs of a pod pushing every few seconds; logging once would leave a failure
 * that lasts hours silent after its first line.
 */
export class FailureLog {
  private readonly outages = new Map<string, Outage>();

  constructor(
    private readonly reminderMs = FAILURE_REMINDER_MS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Records one cycle's outcome for `key`; the note to log, if any. */
  record(key: string, ok: boolean): FailureNote | undefined {
    const outage = this.outages.get(key);
    if (ok) {
      if (outage === undefined) return undefined;
      this.outages.delete(key);
      return { kind: 'ended', cycles: outage.cycles };
    }
    const now = this.now();
    if (outage === undefined) {
      this.outages.set(key, { since: now, notedAt: now, sinceNote: 0, cycles: 1 });
      return { kind: 'started' };
    }
    outage.cycles++;
    outage.sinceNote++;
    if (now - outage.notedAt < this.reminderMs) return undefined;
    const note = {
      kind: 'lasting',
      cycles: outage.sinceNote,
      since: new Date(outage.since),
    } as const;
    outage.notedAt = now;
    outage.sinceNote = 0;
    return note;
  }
}
