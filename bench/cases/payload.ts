import { fillSeries, makeManager, uncapped } from '../support/registries';
import type { CaseContext, Row } from '../support/result';
import { serialiseRegistry } from '../../lib/serialiser/serialise-registry';
import { PushMetrics } from '../../lib/pusher/push-metrics';

/** Case 8: bytes of one push body for 1k and 10k series of the standard metrics. */
export async function run(_ctx: CaseContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const series of [1_000, 10_000]) {
    const { manager, registry } = makeManager(uncapped(series));
    new PushMetrics(registry, manager.app, 10);
    fillSeries(manager, series);
    const body = Buffer.from(await serialiseRegistry(registry), 'utf8');
    rows.push({
      case: '8 payload',
      figure: `push body, ${series / 1000}k series, bytes`,
      value: body.length,
      unit: 'B',
      note: `${(body.length / series).toFixed(0)} B/series (topic names ~25 chars, app/job labels short); pusher's own metrics included`,
    });
  }
  return rows;
}
