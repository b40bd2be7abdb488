// Every relative link of README.md, CONTRIBUTING.md and docs/*.md points at a file or folder that
// exists, and every #anchor at a heading of its target, as GitHub makes anchors of headings.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, docFiles, links, readDoc, ROOT, slug } from '../../support/markdown';

/**
 * Pages that other branches deliver, linked from here already. Once a page exists, this test
 * fails until its name is removed from the list, so that its anchors get checked too.
 */
const PENDING_PAGES: string[] = [];

/** "doc:line: target: why" for each link of `doc` that does not resolve. */
function brokenLinks(doc: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(readDoc(doc))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const file =
      path === '' ? doc : relative(ROOT, normalize(join(dirname(join(ROOT, doc)), path)));
    const where = `${doc}:${line}: ${target}`;
    if (file.startsWith('..')) broken.push(`${where}: outside the repository`);
    else if (PENDING_PAGES.includes(file)) continue;
    else if (!existsSync(join(ROOT, file))) broken.push(`${where}: no such file`);
    else if (anchor !== undefined) {
      if (!file.endsWith('.md') || statSync(join(ROOT, file)).isDirectory()) {
        broken.push(`${where}: an anchor into a file that is not Markdown`);
      } else if (!anchors(readDoc(file)).has(decodeURIComponent(anchor))) {
        broken.push(`${where}: no heading with that anchor in ${file}`);
      }
    }
  }
  return broken;
}

describe('links of the docs', () => {
  it.each(docFiles())('%s: every relative link and anchor resolves', (doc) => {
    expect(brokenLinks(doc)).toEqual([]);
  });

  it('pending pages are still pending (remove the delivered ones from PENDING_PAGES)', () => {
    expect(PENDING_PAGES.filter((page) => existsSync(join(ROOT, page)))).toEqual([]);
  });
});

describe('the anchor of a heading, as GitHub makes it', () => {
  it.each([
    ['Coexistence with @willsoto/nestjs-prometheus', 'coexistence-with-willsotonestjs-prometheus'],
    ["Dead pods' groups: the sweeper", 'dead-pods-groups-the-sweeper'],
    ['Produced: `@CountProduced`', 'produced-countproduced'],
    [
      'Coming from nubium_utils: no `consume_message`',
      'coming-from-nubium_utils-no-consume_message',
    ],
    ['An estimate for 10,000 app pods', 'an-estimate-for-10000-app-pods'],
    ['Links [to a page](x.md) in a heading', 'links-to-a-page-in-a-heading'],
  ])('%s → #%s', (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it('numbers repeated headings as GitHub does', () => {
    expect([...anchors('# Notes\n\n## Notes\n\n```\n# not a heading\n```\n### Notes\n')]).toEqual([
      'notes',
      'notes-1',
      'notes-2',
    ]);
  });
});
