import { MAX_JSON_DEPTH, exceedsDepth } from './json-depth';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('exceedsDepth', () => {
  it('accepts scalars and values up to the limit', () => {
    expect(exceedsDepth('text')).toBe(false);
    expect(exceedsDepth(null)).toBe(false);
    expect(exceedsDepth({})).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH))).toBe(false);
  });

  it('refuses one level more, in objects and arrays alike', () => {
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsDepth({ ok: 1, deep: nested(MAX_JSON_DEPTH) })).toBe(true);
    expect(exceedsDepth(nested(3), 2)).toBe(true);
  });

  it('walks a value nested far deeper than the stack allows without overflowing', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(exceedsDepth(deep)).toBe(true);
  });
});
