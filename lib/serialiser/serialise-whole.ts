import { Registry } from 'prom-client';
import { editLabels, type LabelEdit, type MetricData } from './label-edit';
import { editNotApplied } from './serialiser.messages';

/** A metric as prom-client's writer reads it. */
type Collectable = {
  name: string;
  get(): Promise<MetricData>;
  getForPromString?(): Promise<MetricData>;
};

/**
 * `metric`'s data as prom-client's writer reads it: `getForPromString()` when it has one (a
 * histogram's labels stay unsplayed), else `get()`.
 */
export function writerData(metric: Collectable): Promise<MetricData> {
  return typeof metric.getForPromString === 'function' ? metric.getForPromString() : metric.get();
}

/**
 * The registry in its own format, written by prom-client in one go (`registry.metrics()`), with
 * `edit` made to every series: the path of a registry the slices do not read (OpenMetrics, a
 * prom-client whose internals changed), so it uses only prom-client's public API.
 *
 * With an edit, `registry.metrics()` runs on a view of the registry that lists, in place of each
 * metric, a stand-in reading it as prom-client would (`getForPromString()` or `get()`) and
 * handing on the data edited. Everything else (default labels, content type, the formatting, an
 * OpenMetrics counter's renaming, which goes through to the metric) is the registry's own, so the
 * text is byte for byte what the sliced path writes. A prom-client whose `metrics()` lists the
 * metrics another way would write the series unedited: that rejects instead.
 */
export async function serialiseWhole(registry: Registry, edit?: LabelEdit): Promise<string> {
  if (edit === undefined) return registry.metrics();
  const metrics = registry.getMetricsAsArray() as unknown as Collectable[];
  const standIns = metrics.map((metric) => standIn(metric, edit));
  let listed = false;
  const view = Object.create(registry, {
    getMetricsAsArray: {
      value: () => {
        listed = true;
        return standIns;
      },
    },
  }) as Registry;
  const text = await Registry.prototype.metrics.call(view);
  if (!listed) throw new Error(editNotApplied);
  return text;
}

/** `metric` as the registry's writer sees it, its data edited; its name is the metric's own. */
function standIn(metric: Collectable, edit: LabelEdit): object {
  return {
    get name() {
      return metric.name;
    },
    set name(name: string) {
      metric.name = name;
    },
    get type(): unknown {
      return (metric as unknown as { type?: unknown }).type;
    },
    async get(): Promise<MetricData> {
      return editLabels(await writerData(metric), edit);
    },
  };
}
