// Reading the repository's Markdown as the docs tests need it: its fenced code blocks, the anchors
// GitHub makes of its headings, and its links. Small on purpose: enough for README.md,
// CONTRIBUTING.md and docs/*.md, which keep to plain CommonMark.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository's root. */
export const ROOT = resolve(__dirname, '../..');

/** One fenced code block of a Markdown file. */
export interface FencedBlock {
  /** The info string's first word: `ts`, `bash`, … (`''` when none). */
  readonly lang: string;
  /** The rest of the info string, e.g. `fragment` in "```ts fragment". */
  readonly meta: string;
  /** 1-based line, in the Markdown file, of the block's first line of code. */
  readonly line: number;
  /** The code between the fences. */
  readonly code: string;
}

/** The Markdown files whose snippets and links the docs tests check, relative to the root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs];
}

/** A file's text, read from the root. */
export function readDoc(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** Every fenced code block of `text`, in order. */
export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, , fence, info] = open;
    const close = lines.findIndex(
      (line, j) =>
        j > i && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '',
    );
    const end = close === -1 ? lines.length : close;
    const [lang = '', ...meta] = info.trim().split(/\s+/);
    blocks.push({
      lang,
      meta: meta.join(' '),
      line: i + 2,
      code: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

/** `text` with its fenced blocks blanked (line count kept) and its inline code removed. */
function prose(text: string): string[] {
  const lines = text.split('\n');
  for (const block of fencedBlocks(text)) {
    const codeLines = block.code.split('\n').length;
    for (let i = block.line - 2; i <= block.line - 1 + codeLines && i < lines.length; i++) {
      lines[i] = '';
    }
  }
  return lines.map((line) => line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)));
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/`/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor of `text`'s headings, numbered as GitHub numbers repeated ones (`-1`, `-2`). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const lines = text.split('\n');
  const code = new Set<number>();
  for (const block of fencedBlocks(text)) {
    const count = block.code.split('\n').length;
    for (let i = block.line - 2; i <= block.line - 1 + count; i++) code.add(i);
  }
  lines.forEach((line, i) => {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading || code.has(i)) return;
    const base = slug(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  });
  return result;
}

/** One link of a Markdown file. */
export interface DocLink {
  /** The link's target as written: `docs/kafka.md#lag`, `#options`, `https://…`. */
  readonly target: string;
  /** 1-based line of the link. */
  readonly line: number;
}

/** Every inline link, image and reference definition of `text` outside code. */
export function links(text: string): DocLink[] {
  const found: DocLink[] = [];
  prose(text).forEach((line, i) => {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: match[1], line: i + 1 });
    }
    const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (reference) found.push({ target: reference[1], line: i + 1 });
  });
  return found;
}
