import { describe, expect, it } from 'vitest';
import { withoutLabels } from '../../../lib/pusher/import-body';
import { parseTextFormat } from '../../support/text-format';

const KEY = new Set(['job', 'worker']);

describe('withoutLabels', () => {
  it("takes job and the grouping labels off every series, keeping the others and the lines' order", async () => {
    const body = [
      '# HELP messages_consumed Messages consumed',
      '# TYPE messages_consumed gauge',
      'messages_consumed{app="orders",job="pod-1",topic="a"} 7',
      'messages_consumed{job="pod-1",app="orders",topic="b",worker="3"} 2',
      '',
      'nubium_metrics_push_interval_seconds{app="orders"} 10',
      'plain 1',
      '',
    ].join('\n');
    expect(await withoutLabels(body, KEY)).toBe(
      [
        '# HELP messages_consumed Messages consumed',
        '# TYPE messages_consumed gauge',
        'messages_consumed{app="orders",topic="a"} 7',
        'messages_consumed{app="orders",topic="b"} 2',
        '',
        'nubium_metrics_push_interval_seconds{app="orders"} 10',
        'plain 1',
        '',
      ].join('\n'),
    );
  });

  it('drops the braces of a series left with no label', async () => {
    expect(await withoutLabels('up{job="x"} 1\nup{job="x",worker="1"} 2', KEY)).toBe('up 1\nup 2');
  });

  it('reads escaped quotes, backslashes and newlines in values, and a value that looks like a label', async () => {
    const hostile = 'x\\",job=\\"evil\\\\\\n/é&a=b';
    const line = `m{note="${hostile}",job="pod-1",other="job=\\"y\\""} 3`;
    const out = await withoutLabels(`${line}\n`, KEY);
    expect(out).toBe(`m{note="${hostile}",other="job=\\"y\\""} 3\n`);
    expect(parseTextFormat(out)).toEqual([
      { name: 'm', labels: { note: 'x",job="evil\\\n/é&a=b', other: 'job="y"' }, value: 3 },
    ]);
  });

  it('keeps a label whose name only ends like a grouping label', async () => {
    expect(await withoutLabels('m{subjob="a",job="b"} 1', KEY)).toBe('m{subjob="a"} 1');
  });

  it('leaves a line it cannot parse as it is, and a comment that names a label', async () => {
    const body = '# HELP m a {job="x"} example\nm{job="x" 1\nm{job=x} 1\nm{job="x\\"} 1\n';
    expect(await withoutLabels(body, KEY)).toBe(body);
  });

  it('works through a body of many slices to the same result as line by line', async () => {
    const lines = Array.from({ length: 2_345 }, (_, i) => `m{job="p",i="${i}"} ${i}`);
    const out = await withoutLabels(`${lines.join('\n')}\n`, KEY);
    expect(out).toBe(`${lines.map((_, i) => `m{i="${i}"} ${i}`).join('\n')}\n`);
  });
});
