import { median, perRoundRatios, spread } from './stats';

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
  /** The median of the per-round ratios value / baseline. */
  ratio?: number;
  /** Human-readable target, e.g. `<= 0.1`. */
  target?: string;
  /** Whether the target is met; undefined when the row only reports or was skipped. */
  pass?: boolean;
  /**
   * Why the row was not measured in this build (`n/a: …`): it then has no value, and shows `n/a`
   * as its result, which is not a miss.
   */
  skipped?: string;
  /** Anything a reader needs to read the figure (wall time beside CPU time, rounds, spread). */
  note?: string;
  /** Every round's figures, for the JSON file. */
  rounds?: unknown;
}

/** Options every case receives. */
export interface CaseContext {
  quick: boolean;
}

type Op = '<=' | '>=' | '<';

function meets(ratio: number, op: Op, limit: number): boolean {
  return op === '<=' ? ratio <= limit : op === '>=' ? ratio >= limit : ratio < limit;
}

/**
 * A row whose variant and baseline were measured side by side in every round: the ratio is the
 * median of the per-round ratios, so a slow stretch of the machine, which slows both of a round's
 * measurements alike, cancels out instead of landing on one side; the note says how they spread.
 */
export function pairedRow(
  base: Omit<Row, 'value' | 'baseline' | 'ratio' | 'pass' | 'target'>,
  value: readonly number[],
  baseline: readonly number[],
  op: Op,
  limit: number,
  targetText: string,
): Row {
  const row = controlRow(base, value, baseline);
  return { ...row, target: targetText, pass: meets(row.ratio!, op, limit) };
}

/**
 * A ratio measured side by side like {@link pairedRow}'s, that only reports: a control beside a
 * target row, which shows what part of that row's figure no implementation could avoid.
 */
export function controlRow(
  base: Omit<Row, 'value' | 'baseline' | 'ratio' | 'pass' | 'target'>,
  value: readonly number[],
  baseline: readonly number[],
): Row {
  const ratios = perRoundRatios(value, baseline);
  const ratio = median(ratios);
  const rounds = `ratio: median of ${ratios.length} per-round ratios (${spread(ratios)})`;
  return {
    ...base,
    value: median(value),
    baseline: median(baseline),
    ratio,
    note: base.note ? `${base.note}; ${rounds}` : rounds,
    rounds: base.rounds ?? { value, baseline, ratios },
  };
}
