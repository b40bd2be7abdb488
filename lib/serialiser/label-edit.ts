import type { Metric } from 'prom-client';

/** The shape `Metric.get()` resolves with (prom-client does not export its name). */
export type MetricData = Awaited<ReturnType<Metric['get']>>;

/** One value as prom-client writes it: a histogram's labels shared by its bucket lines apart. */
type Value = MetricData['values'][number] & { sharedLabels?: Record<string, string | number> };

type Labels = Record<string, string | number>;

/**
 * A change made to the labels of every series the serialiser writes, on prom-client's data before
 * it is formatted: `set` first, then `drop`. The pull side sets `job` and the grouping labels, as
 * the cache serves a group's series; the vmagent push drops them, as vmagent's `extra_label` adds
 * them but never replaces a label a series has.
 */
export interface LabelEdit {
  /** Labels set on every series, replacing a label of the same name where it keeps its place. */
  readonly set?: Readonly<Record<string, string>>;
  /** Labels taken off every series. */
  readonly drop?: readonly string[];
}

/** A label edit that changes something, or undefined when `edit` changes nothing. */
export function effectiveEdit(edit: LabelEdit | undefined): LabelEdit | undefined {
  const set = edit?.set && Object.keys(edit.set).length > 0 ? edit.set : undefined;
  const drop = edit?.drop && edit.drop.length > 0 ? edit.drop : undefined;
  return set || drop ? { set, drop } : undefined;
}

/**
 * `data` with `edit` made to every value. prom-client writes a value's `sharedLabels` (a histogram
 * series' own labels, one object for all its lines) in place of its `labels` of the same name, so
 * labels are set there when it has them, edited once per object; dropped labels go from both.
 * Runs once per metric (or slice of one) per push cycle, not on the hot path.
 */
export function editLabels(data: MetricData, edit: LabelEdit): MetricData {
  const edited = new Map<object, Labels>();
  const values = (data.values as Value[]).map((value): Value => {
    const shared = value.sharedLabels;
    if (shared === undefined) return { ...value, labels: apply(value.labels, edit, edit.set) };
    let sharedLabels = edited.get(shared);
    if (sharedLabels === undefined) {
      sharedLabels = apply(shared, edit, edit.set);
      edited.set(shared, sharedLabels);
    }
    return { ...value, labels: apply(value.labels, edit, undefined), sharedLabels };
  });
  return { ...data, values };
}

/** `labels` with `set` set and `edit.drop` dropped; the same object when neither changes it. */
function apply(
  labels: Partial<Labels> | undefined,
  edit: LabelEdit,
  set: LabelEdit['set'],
): Labels {
  const own = (labels ?? {}) as Labels;
  const dropped = edit.drop?.some((name) => Object.hasOwn(own, name)) ?? false;
  if (set === undefined && !dropped) return own;
  const out: Labels = set === undefined ? { ...own } : { ...own, ...set };
  if (edit.drop) for (const name of edit.drop) delete out[name];
  return out;
}
