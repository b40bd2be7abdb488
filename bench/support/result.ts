/** One line of the benchmark table. */
export interface Row {
  /** Case number and short name, e.g. `1 count a message`. */
  case: string;
  /** What is measured, with its unit. */
  figure: string;
  /** Measured value (median of the rounds). */
  value: number;
  unit: string;
  /** What it is compared with, and that value. */
  baselineLabel?: string;
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  /** Human-readable target, e.g. `<= 0.1`. */
  target?: string;
  /** Whether the target is met; undefined when the row only reports. */
  pass?: boolean;
  /** Anything a reader needs to read the figure (wall time beside CPU time, rounds, ...). */
  note?: string;
  /** Every round's figures, for the JSON file. */
  rounds?: unknown;
}

/** Options every case receives. */
export interface CaseContext {
  quick: boolean;
}

/** Ratio row helper: pass when `ratio <op> limit`. */
export function ratioRow(
  base: Omit<Row, 'ratio' | 'pass' | 'target'>,
  op: '<=' | '>=' | '<',
  limit: number,
  targetText?: string,
): Row {
  const ratio = base.baseline ? base.value / base.baseline : NaN;
  const pass = op === '<=' ? ratio <= limit : op === '>=' ? ratio >= limit : ratio < limit;
  return { ...base, ratio, target: targetText ?? `ratio ${op} ${limit}`, pass };
}
