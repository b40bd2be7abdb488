// docs/api.md lists every export of lib/index.ts in its tables (first column, headed "export"),
// and lists nothing that lib/index.ts does not export.
import { describe, expect, it } from 'vitest';
import { readDoc } from '../../support/markdown';
import { publicExports } from '../../support/public-exports';

/** The names in the first column of every table of `text` whose first header cell is "export". */
function tabledNames(text: string): string[] {
  const names: string[] = [];
  let inExportTable = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inExportTable = false;
      continue;
    }
    const first = line.split('|')[1].trim();
    if (/^-+$/.test(first)) continue;
    if (first === 'export') {
      inExportTable = true;
      continue;
    }
    if (!inExportTable) continue;
    for (const code of first.matchAll(/`([A-Za-z_$][\w$]*)/g)) names.push(code[1]);
  }
  return names;
}

describe('docs/api.md', () => {
  const exported = publicExports();
  const tabled = tabledNames(readDoc('docs/api.md'));

  it('reads the exports of lib/index.ts, Kafka and health exports included', () => {
    expect(exported).toEqual(
      expect.arrayContaining([
        'NubiumMetricsModule',
        'instrumentConsumer',
        'MetricsHealthIndicator',
      ]),
    );
  });

  it('lists every export of lib/index.ts', () => {
    expect(exported.filter((name) => !tabled.includes(name))).toEqual([]);
  });

  it('lists nothing that lib/index.ts does not export, and each export once', () => {
    expect(tabled.filter((name) => !exported.includes(name))).toEqual([]);
    expect(tabled.filter((name, i) => tabled.indexOf(name) !== i)).toEqual([]);
  });
});
