import fc from 'fast-check';
import { canonicalJson, GENESIS_HASH, hashEvent, integrityOf, verifyChain, verifyChainFrom, type HashableEvent } from './hash-chain';

function chain(count: number): Array<HashableEvent & { metadata: Record<string, unknown> }> {
  let previousHash = GENESIS_HASH;
  return Array.from({ length: count }, (_, revision) => {
    const event: HashableEvent = {
      streamId: 'journey-1',
      revision,
      id: `id-${revision}`,
      type: 'PreferenceRecorded',
      data: { topic: 'place-of-care', value: 'home', n: revision },
      metadata: { actor: { id: 'a', role: 'person' }, occurredAt: '2026-01-01T00:00:00.000Z' },
    };
    const hash = hashEvent(event, previousHash);
    const sealed = { ...event, metadata: { ...event.metadata, integrity: { previousHash, hash } } };
    previousHash = hash;
    return sealed;
  });
}

describe('canonicalJson', () => {
  it('encodes the same value to the same bytes whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'é' } })).toBe(
      canonicalJson({ a: { c: 'é', d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('drops undefined members, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });
});

/** The encoding as first written (entries, sorted, mapped): every stored hash was made with it. */
function referenceCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${referenceCanonicalJson(entry)}`).join(',')}}`;
}

describe('canonicalJson, against the reference encoding', () => {
  it('gives the same bytes for any JSON value, with keys in any order and undefined entries', () => {
    const withUndefined = fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined)));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), withUndefined, fc.array(withUndefined)), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('verifyChain', () => {
  it('accepts an untouched chain', () => {
    expect(verifyChain(chain(5))).toBeNull();
  });

  it('names the revision whose data was changed', () => {
    const events = chain(5);
    (events[2].data as Record<string, unknown>).value = 'nursing-home';
    expect(verifyChain(events)).toEqual({ revision: 2, problem: 'hash-mismatch' });
  });

  it('names the revision after a removed event', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyChain(events)).toEqual({ revision: 1, problem: 'revision-gap' });
  });

  it('names an event whose metadata (the actor) was changed', () => {
    const events = chain(3);
    events[1].metadata = { ...events[1].metadata, actor: { id: 'someone-else', role: 'person' } };
    expect(verifyChain(events)).toEqual({ revision: 1, problem: 'hash-mismatch' });
  });

  it('names an event re-linked to a forged predecessor', () => {
    const events = chain(3);
    const integrity = events[2].metadata.integrity as { previousHash: string; hash: string };
    events[2].metadata = { ...events[2].metadata, integrity: { ...integrity, previousHash: GENESIS_HASH } };
    expect(verifyChain(events)).toEqual({ revision: 2, problem: 'previous-hash-mismatch' });
  });
});

describe('verifyChainFrom', () => {
  const events = chain(6);
  const headAt = (revision: number) => ({ revision, hash: integrityOf(events[revision].metadata)!.hash });

  it('checks the tail after a verified head exactly as the whole stream would be checked', () => {
    expect(verifyChainFrom(events.slice(3), headAt(2))).toBeNull();
    expect(verifyChainFrom([], headAt(5))).toBeNull();
    expect(verifyChainFrom(events, null)).toEqual(verifyChain(events));
  });

  it('finds a tail that does not link to the head, or does not follow it', () => {
    expect(verifyChainFrom(events.slice(3), { revision: 2, hash: 'f'.repeat(64) })).toEqual({ revision: 3, problem: 'previous-hash-mismatch' });
    expect(verifyChainFrom(events.slice(4), headAt(2))).toEqual({ revision: 3, problem: 'revision-gap' });
    const changed = events.slice(3).map((event, index) => (index === 1 ? { ...event, data: { changed: true } } : event));
    expect(verifyChainFrom(changed, headAt(2))).toEqual({ revision: 4, problem: 'hash-mismatch' });
  });
});
