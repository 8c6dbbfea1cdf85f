/**
 * A small, strict reader of the HTML the export writes, for tests: it checks that every element
 * is closed in order (void elements aside), and gives back the elements with their attributes and
 * the decoded text, as a browser would show it. Not a general HTML parser: the export writes
 * well-formed markup on purpose, so anything this cannot read is a fault of the export.
 *
 * Why not a browser: headless Chromium is not on the CI machines (.ci/run installs none), so the
 * e2e tests check the file structurally with this instead of rendering it.
 */
const VOID = new Set(['meta', 'br', 'hr', 'img', 'link', 'input', 'col', 'area', 'base', 'source', 'wbr']);
const RAW_TEXT = new Set(['script', 'style']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' };

export interface HtmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Decoded text inside the element (raw for script and style). */
  text: string;
}

export interface HtmlStructure {
  doctype: boolean;
  elements: HtmlElement[];
  /** The visible text: everything outside tags, decoded, scripts and styles left out. */
  visibleText: string;
  byId(id: string): HtmlElement | undefined;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (ENTITIES[name] !== undefined) return ENTITIES[name];
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    throw new Error(`unknown entity ${whole}`);
  });
}

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = /([a-zA-Z-:]+)(?:\s*=\s*"([^"]*)")?/g;
  for (const match of source.matchAll(pattern)) attributes[match[1].toLowerCase()] = decodeEntities(match[2] ?? '');
  return attributes;
}

export function readHtml(html: string): HtmlStructure {
  const doctype = /^<!DOCTYPE html>/i.test(html);
  const body = html.replace(/^<!DOCTYPE html>/i, '');
  const open: Array<{ element: HtmlElement; from: number }> = [];
  const elements: HtmlElement[] = [];
  let visible = '';
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g;
  let cursor = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const [whole, closing, rawName, rest] = match;
    const name = rawName.toLowerCase();
    const between = body.slice(cursor, match.index);
    if (between.includes('<')) throw new Error(`stray "<" before <${closing}${name}> at ${match.index}`);
    visible += decodeEntities(between);
    cursor = match.index + whole.length;
    if (closing) {
      const top = open.pop();
      if (!top || top.element.name !== name) throw new Error(`</${name}> closes <${top?.element.name ?? 'nothing'}>`);
      top.element.text = RAW_TEXT.has(name)
        ? body.slice(top.from, match.index)
        : decodeEntities(body.slice(top.from, match.index).replace(/<[^>]*>/g, ''));
      continue;
    }
    const element: HtmlElement = { name, attributes: parseAttributes(rest.replace(/\/$/, '')), text: '' };
    elements.push(element);
    if (VOID.has(name)) continue;
    if (RAW_TEXT.has(name)) {
      const end = body.indexOf(`</${name}>`, cursor);
      if (end < 0) throw new Error(`<${name}> is never closed`);
      element.text = body.slice(cursor, end);
      cursor = end + name.length + 3;
      tag.lastIndex = cursor;
      continue;
    }
    open.push({ element, from: cursor });
  }
  if (open.length > 0) throw new Error(`unclosed: ${open.map((entry) => entry.element.name).join(', ')}`);
  visible += decodeEntities(body.slice(cursor));
  return {
    doctype,
    elements,
    visibleText: visible.replace(/\s+/g, ' ').trim(),
    byId: (id) => elements.find((element) => element.attributes.id === id),
  };
}
