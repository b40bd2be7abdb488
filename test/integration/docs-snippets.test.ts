// Every ```ts block of README.md, CONTRIBUTING.md and docs/*.md type-checks against the BUILT
// package (dist/, imported as 'nubium-metrics-nestjs', as sample-app/tsconfig.json maps it), with
// the repository's compiler options. A block marked "```ts fragment" is skipped. The rules, and
// the prelude a block may lean on, are in CONTRIBUTING.md ("Snippets in the docs").
//
// It needs `npm run build` first (scripts/test.sh builds before the tests run).
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { docFiles, fencedBlocks, readDoc, ROOT } from '../support/markdown';
import { publicExports } from '../support/public-exports';

// Under the repository (not NUBIUM_RUN_DIR): the snippets' imports resolve from its node_modules.
const OUT = join(ROOT, '.run', 'docs-snippets');
const DIST_TYPES = join(ROOT, 'dist', 'index.d.ts');

/**
 * Declared for every block: names of the app's own domain that snippets use without defining
 * them. Never a name of the package, Nest, kafkajs or prom-client: those a block imports.
 */
const APP_PRELUDE = `// The app's own names that doc snippets use without defining them.
interface Order { id: string; channel: string; email: string; amount: number }
declare function handleOrder(order: Order): Promise<void>;
declare function toInvoice(order: Order): { key: string; value: string };
`;

/**
 * Imported for a block that imports nothing itself (an expression or a class shown on its own):
 * every export of the package, and ConfigModule / ConfigService, which the README's forRootAsync
 * block uses as it is printed (test/integration/options-readme.test.ts runs that block).
 */
function importPrelude(): string {
  return [
    `import { ${publicExports().join(', ')} } from 'nubium-metrics-nestjs';`,
    `import { ConfigModule, ConfigService } from '@nestjs/config';`,
  ].join('\n');
}

/** A snippet written out as a file: where it came from, and how many lines precede its code. */
interface Snippet {
  readonly file: string;
  readonly doc: string;
  readonly line: number;
  readonly offset: number;
}

/** Writes each checked ```ts block of `docs` ({ path: text }) to OUT; returns the files. */
function writeSnippets(docs: Record<string, string>): Snippet[] {
  const snippets: Snippet[] = [];
  for (const [doc, text] of Object.entries(docs)) {
    for (const block of fencedBlocks(text)) {
      if (block.lang !== 'ts' || block.meta.split(' ').includes('fragment')) continue;
      const imports = /^\s*import\s/m.test(block.code) ? '' : `${importPrelude()}\n`;
      const file = join(OUT, `${doc.replace(/[/.]/g, '_')}_${block.line}.ts`);
      writeFileSync(file, `${imports}${block.code}\nexport {};\n`);
      snippets.push({ file, doc, line: block.line, offset: imports.split('\n').length - 1 });
    }
  }
  return snippets;
}

/** Type-checks the snippets in one program; returns each error as "doc:line: message". */
function typeCheck(snippets: Snippet[]): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const prelude = join(OUT, 'app-prelude.d.ts');
  writeFileSync(prelude, APP_PRELUDE);
  const program = ts.createProgram([prelude, ...snippets.map((s) => s.file)], {
    ...options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    rootDir: undefined,
    outDir: undefined,
    paths: { 'nubium-metrics-nestjs': [DIST_TYPES] },
  });
  const byFile = new Map(snippets.map((s) => [s.file, s]));
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const snippet = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined;
    if (!snippet || diagnostic.start === undefined) {
      const where = diagnostic.file ? relative(ROOT, diagnostic.file.fileName) : 'program';
      return `${where}: ${message}`;
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
    return `${snippet.doc}:${snippet.line + line - snippet.offset}: ${message}`;
  });
}

/**
 * A doc of the check's own, with option names misspelled: the check must reject both blocks. A
 * forRootAsync factory is checked only when its return type is declared, as the docs' are: an
 * unannotated factory's object literal is not checked for unknown keys by the compiler.
 */
const MISSPELLED = [
  '```ts',
  "import { NubiumMetricsModule } from 'nubium-metrics-nestjs';",
  "export const a = NubiumMetricsModule.forRoot({ app: 'orders', pushRateSecond: 5 });",
  '```',
  '',
  '```ts',
  "import { NubiumMetricsModule, type MetricsModuleOptions } from 'nubium-metrics-nestjs';",
  'export const b = NubiumMetricsModule.forRootAsync({',
  "  useFactory: (): MetricsModuleOptions => ({ app: 'orders', dnsServer: ['10.96.0.10'] }),",
  '});',
  '```',
  '',
  '```ts fragment',
  'this is skipped: not TypeScript at all',
  '```',
].join('\n');

let errors: string[] = [];
let snippets: Snippet[] = [];

beforeAll(() => {
  const built = statSync(DIST_TYPES, { throwIfNoEntry: false });
  if (!built) throw new Error('dist/ is missing: run `npm run build` before this test');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const docs = Object.fromEntries(docFiles().map((path) => [path, readDoc(path)]));
  snippets = writeSnippets({ ...docs, 'misspelled.md': MISSPELLED });
  errors = typeCheck(snippets);
}, 120_000);

describe('TypeScript blocks of the docs, against the built package', () => {
  it('finds blocks in the README and in docs/', () => {
    const docs = new Set(snippets.map((s) => s.doc));
    expect(docs.has('README.md')).toBe(true);
    expect([...docs].filter((d) => d.startsWith('docs/')).length).toBeGreaterThan(3);
  });

  it('type-checks every block that is not marked as a fragment', () => {
    expect(errors.filter((e) => !e.startsWith('misspelled.md'))).toEqual([]);
  });

  it('rejects a misspelled option in forRoot and in a typed forRootAsync factory, skips a fragment', () => {
    const misspelled = errors.filter((e) => e.startsWith('misspelled.md'));
    expect(misspelled).toEqual([
      expect.stringMatching(/^misspelled\.md:3: .*'pushRateSecond'/),
      expect.stringMatching(/^misspelled\.md:9: .*'dnsServer'/),
    ]);
    expect(snippets.filter((s) => s.doc === 'misspelled.md')).toHaveLength(2);
  });
});
