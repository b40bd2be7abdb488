import { Counter, Gauge, type Registry } from 'prom-client';
import { SERIES_PER_SLICE, yieldToEventLoop } from '../event-loop';
import { OVERFLOW_LABEL_VALUE } from '../metrics.constants';
import { CappedSeries } from './capped-series';
import type { MetricType } from '../interfaces/metrics-options.interface';

type Child = { set?(value: number): void; inc(value: number): void };

/** One labelled series: the hot path adds to `value`; the registry reads it when collected. */
export class CountCell {
  /** Everything counted so far. */
  value = 0;
  /** Part of `value` already handed to a prom-client counter. */
  folded = 0;
  constructor(readonly child: Child) {}
}

/**
 * A counted metric whose series are plain number cells, one per value of its varying labels
 * (topic, exception, or the five labels of `external_requests`), the fixed labels (`app`, `job`)
 * being the same for all. Counting touches only a cell; the cells are folded into the prom-client
 * metric when the registry is collected, once per push, so a count costs a map lookup and an add.
 */
export class LabelCounts {
  private readonly cells: CappedSeries<CountCell>;
  private readonly metric: Gauge<string> | Counter<string>;
  private readonly labels: readonly string[];

  /**
   * @param varying the label (or labels) that tell the series apart
   * @param cap most distinct series; past it, values are counted in one series whose varying
   *   labels are all {@link OVERFLOW_LABEL_VALUE}
   * @param overflowKey the key {@link valueOf} reads the overflow series under
   */
  constructor(
    readonly name: string,
    help: string,
    readonly type: MetricType,
    private readonly fixed: Readonly<Record<string, string>>,
    varying: string | readonly string[],
    cap: number,
    registry: Registry,
    private readonly overflowKey: string = OVERFLOW_LABEL_VALUE,
  ) {
    this.labels = typeof varying === 'string' ? [varying] : varying;
    this.cells = new CappedSeries(name, this.labels.join('", "'), cap);
    const config = {
      name,
      help,
      labelNames: [...Object.keys(fixed), ...this.labels],
      registers: [registry],
      collect: () => this.fold(),
    };
    this.metric = type === 'gauge' ? new Gauge(config) : new Counter(config);
  }

  /** The cell of one value of the (single) varying label: created on first use, the overflow cell past the cap. */
  cell(value: string): CountCell {
    return this.cells.get(value) ?? this.add(value, [value]);
  }

  /**
   * The cell of several varying label values, looked up by `key`, which must identify `values`
   * uniquely (`values` are read only when the cell is created).
   */
  cellOf(key: string, values: readonly string[]): CountCell {
    return this.cells.get(key) ?? this.add(key, values);
  }

  /** Total counted under one key (the overflow series under the overflow key). */
  valueOf(key: string): number {
    return (key === this.overflowKey ? this.cells.overflow : this.cells.get(key))?.value ?? 0;
  }

  private add(key: string, values: readonly string[]): CountCell {
    return this.cells.add(
      key,
      () => this.newCell(values),
      () => this.newCell(this.labels.map(() => OVERFLOW_LABEL_VALUE)),
    );
  }

  private newCell(values: readonly string[]): CountCell {
    const labels: Record<string, string> = { ...this.fixed };
    for (let i = 0; i < this.labels.length; i++) labels[this.labels[i]] = values[i];
    return new CountCell(this.metric.labels(labels));
  }

  private *allCells(): Iterable<CountCell> {
    yield* this.cells.all();
  }

  /**
   * Folds the cells into the prom-client metric. prom-client spends microseconds per series on
   * it (label validation and hashing), so a metric with many series is folded in slices with a
   * yield to the event loop in between (prom-client awaits a collect that returns a promise),
   * and a push of 10k series does not stall the app.
   */
  private fold(): void | Promise<void> {
    if (this.cells.size < SERIES_PER_SLICE) {
      for (const cell of this.allCells()) this.foldCell(cell);
      return;
    }
    return this.foldInSlices([...this.allCells()]);
  }

  private async foldInSlices(cells: CountCell[]): Promise<void> {
    for (let start = 0; start < cells.length; start += SERIES_PER_SLICE) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(start + SERIES_PER_SLICE, cells.length);
      for (let i = start; i < end; i++) this.foldCell(cells[i]);
    }
  }

  private foldCell(cell: CountCell): void {
    if (this.type === 'gauge') {
      cell.child.set!(cell.value);
      return;
    }
    const delta = cell.value - cell.folded;
    if (delta > 0) {
      cell.child.inc(delta);
      cell.folded = cell.value;
    }
  }
}
