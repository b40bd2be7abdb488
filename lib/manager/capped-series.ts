import { Logger } from '@nestjs/common';
import { LOGGER_CONTEXT } from '../metrics.constants';
import { labelOverflow } from './manager.messages';

/**
 * The series of one metric by key, at most `cap` of them: past the cap, every new key gets one
 * shared overflow series (whose varying labels are `__overflow__`), and a warning is logged once.
 * The one implementation of the module's label cap (`maxTopics`), used by the counters and the
 * processing-time histogram.
 */
export class CappedSeries<T> {
  private readonly byKey = new Map<string, T>();
  private overflowSeries: T | undefined;

  /**
   * @param metric name of the metric, for the warning
   * @param labels the varying label (or labels), for the warning
   * @param cap most distinct series
   */
  constructor(
    private readonly metric: string,
    private readonly labels: string,
    private readonly cap: number,
  ) {}

  /** The series of `key`, if it has one (an overflowed key has none). */
  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** The overflow series, once the cap was reached. */
  get overflow(): T | undefined {
    return this.overflowSeries;
  }

  /** Number of keyed series (the overflow one excluded). */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Adds the series of a key that has none: `make()`'s under `key`, or past the cap the overflow
   * series, made by `makeOverflow()` the first time (with the warning).
   */
  add(key: string, make: () => T, makeOverflow: () => T): T {
    if (this.byKey.size >= this.cap) {
      if (this.overflowSeries === undefined) {
        new Logger(LOGGER_CONTEXT).warn(labelOverflow(this.metric, this.labels, this.cap));
        this.overflowSeries = makeOverflow();
      }
      return this.overflowSeries;
    }
    const series = make();
    this.byKey.set(key, series);
    return series;
  }

  /** Every series, the overflow one last. */
  *all(): Iterable<T> {
    yield* this.byKey.values();
    if (this.overflowSeries !== undefined) yield this.overflowSeries;
  }
}
