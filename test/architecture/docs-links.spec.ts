/**
 * The README and docs/ are read in a clone of this repository, where nothing beside it exists:
 * every relative link must name a file inside the repository, and that file must be there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** Markdown link targets that are paths, not web addresses or anchors within the page. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1].split('#')[0])
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe.each(DOCUMENTS)('%s', (document) => {
  const links = relativeLinks(readFileSync(join(ROOT, document), 'utf8'));

  it('links only to files inside the repository, and each exists', () => {
    const broken = links.filter((target) => {
      const path = resolve(ROOT, dirname(document), target);
      return relative(ROOT, path).startsWith('..') || !existsSync(path);
    });
    expect(broken).toEqual([]);
  });
});

it('finds the links it checks (a README link to docs/ among them)', () => {
  expect(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'))).toContain('docs/design.md');
  expect(relativeLinks('[a](../shared/DESIGN.md) [b](https://x.example/y) [c](#top)')).toEqual(['../shared/DESIGN.md']);
});
