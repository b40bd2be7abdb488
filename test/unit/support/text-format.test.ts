import { describe, expect, it } from 'vitest';
import { parseSampleValue, parseTextFormat } from '../../support/text-format';

describe('parseTextFormat', () => {
  it('reads samples and skips comments and blank lines', () => {
    const text = [
      '# HELP messages_consumed Messages consumed.',
      '# TYPE messages_consumed counter',
      'messages_consumed{app="orders",job="kafka"} 12',
      '',
      'up 1',
      '  # an indented comment',
    ].join('\n');
    expect(parseTextFormat(text)).toEqual([
      { name: 'messages_consumed', labels: { app: 'orders', job: 'kafka' }, value: 12 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it('unescapes \\\\, \\" and \\n in label values', () => {
    const [sample] = parseTextFormat('m{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines"} 1\n');
    expect(sample.labels).toEqual({ a: 'back\\slash', b: 'say "hi"', c: 'two\nlines' });
  });

  it('keeps commas, braces and spaces inside label values', () => {
    const [sample] = parseTextFormat('m{a="x, y}", b = "{z}" ,} 2');
    expect(sample.labels).toEqual({ a: 'x, y}', b: '{z}' });
    expect(sample.value).toBe(2);
  });

  it('accepts an empty label set, a timestamp and special values', () => {
    expect(parseTextFormat('a{} 1.5e+09 1700000000000\nb -Inf\nc +Inf\nd NaN')).toEqual([
      { name: 'a', labels: {}, value: 1.5e9 },
      { name: 'b', labels: {}, value: -Infinity },
      { name: 'c', labels: {}, value: Infinity },
      { name: 'd', labels: {}, value: NaN },
    ]);
  });

  it('reads what a Pushgateway serves', () => {
    const text =
      'push_time_seconds{instance="a/b",job="t"} 1.795637690984491e+09\n' +
      'x_b{instance="a/b",job="t",k="a\\\\b\\"c\\nd"} 1000\n';
    expect(parseTextFormat(text)[1]).toEqual({
      name: 'x_b',
      labels: { instance: 'a/b', job: 't', k: 'a\\b"c\nd' },
      value: 1000,
    });
  });

  it.each([
    ['no value', 'm{a="1"}'],
    ['unterminated value', 'm{a="1} 2'],
    ['bad escape', 'm{a="\\t"} 2'],
    ['missing comma', 'm{a="1" b="2"} 2'],
    ['bad label name', 'm{1a="1"} 2'],
    ['not a number', 'm 12abc'],
    ['extra field', 'm 1 2 3'],
    ['bad metric name', '1m 2'],
  ])('rejects %s, naming the line', (_why, line) => {
    expect(() => parseTextFormat(`ok 1\n${line}\n`)).toThrow(/line 2/);
  });
});

describe('parseSampleValue', () => {
  it('does not take what Number() would', () => {
    expect(() => parseSampleValue('')).toThrow();
    expect(() => parseSampleValue('0x10')).toThrow();
    expect(parseSampleValue('-0.25')).toBe(-0.25);
  });
});
