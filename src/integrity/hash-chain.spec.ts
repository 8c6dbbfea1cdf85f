import fc from 'fast-check';
import {
  canonicalJson,
  GENESIS_HASH,
  hashEvent,
  hashStoredText,
  integrityOf,
  storedText,
  verifyChain,
  verifyChainFrom,
  type HashableEvent,
  type StoredText,
} from './hash-chain';

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
    expect(verifyChainFrom(events.slice(3), { revision: 2, hash: 'f'.repeat(64) })).toEqual({
      revision: 3,
      problem: 'previous-hash-mismatch',
    });
    expect(verifyChainFrom(events.slice(4), headAt(2))).toEqual({ revision: 3, problem: 'revision-gap' });
    const changed = events.slice(3).map((event, index) => (index === 1 ? { ...event, data: { changed: true } } : event));
    expect(verifyChainFrom(changed, headAt(2))).toEqual({ revision: 4, problem: 'hash-mismatch' });
  });
});

/** Text that strings can hold and JSON must escape or keep: accents, quotes, backslashes, control characters, line separators, astral and lone surrogates. */
const AWKWARD_TEXT = 'Zoë’s “home” \\ "quoted" \n\t\u0000\u001f \u2028\u2029 😀 \ud800 \udfff';

/** The chain as read back from a store: parsed values, with the text they were parsed from. */
function readBack(
  events: ReadonlyArray<HashableEvent & { metadata: Record<string, unknown> }>,
  encode: (event: HashableEvent) => StoredText,
) {
  return events.map((event) => {
    const stored = encode(event);
    return { ...event, data: JSON.parse(stored.data) as unknown, metadata: JSON.parse(stored.metadata) as Record<string, unknown>, stored };
  });
}

const asStoredNow = (event: HashableEvent) => storedText(event);
/** What the SQL stores wrote before they kept the canonical form: JSON.stringify, keys in insertion order, `integrity` with previousHash first. */
const asStoredBefore = (event: HashableEvent) => ({ data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) });

describe('storedText: the text the SQL stores write', () => {
  const jsonObject = fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue());

  it('is canonical JSON, with the metadata’s integrity entry last, and parses back to the same values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), jsonObject, (data, metadata) => {
        const integrity = { previousHash: GENESIS_HASH, hash: 'a'.repeat(64) };
        const stored = storedText({ data, metadata: { ...metadata, integrity } });
        expect(stored.data).toBe(canonicalJson(data));
        expect(JSON.parse(stored.data)).toEqual(JSON.parse(JSON.stringify(data)));
        const { integrity: _integrity, ...covered } = metadata;
        const coveredText = canonicalJson(covered);
        expect(stored.metadata).toBe(
          `${coveredText.slice(0, -1)}${coveredText === '{}' ? '' : ','}"integrity":{"hash":"${'a'.repeat(64)}","previousHash":"${GENESIS_HASH}"}}`,
        );
        expect(JSON.parse(stored.metadata)).toEqual(JSON.parse(JSON.stringify({ ...covered, integrity })));
      }),
      { numRuns: 1_000 },
    );
  });

  it('orders keys as canonicalJson does (integer-like keys too, which JSON.stringify puts first) and escapes as JSON.stringify does', () => {
    const stored = storedText({
      data: { b: AWKWARD_TEXT, 10: 1, 9: 2, a: { z: 1, y: [{ d: 1, c: 2 }] } },
      metadata: { integrity: { previousHash: GENESIS_HASH, hash: 'b'.repeat(64) }, actor: { role: 'person', id: 'é' } },
    });
    expect(stored.data).toBe(`{"10":1,"9":2,"a":{"y":[{"c":2,"d":1}],"z":1},"b":${JSON.stringify(AWKWARD_TEXT)}}`);
    expect(stored.data).toContain('\\ud800'); // a lone surrogate escaped, so the text is valid UTF-8
    expect(stored.metadata).toBe(
      `{"actor":{"id":"é","role":"person"},"integrity":{"hash":"${'b'.repeat(64)}","previousHash":"${GENESIS_HASH}"}}`,
    );
  });
});

describe('hashStoredText: the v1 hash over the text as stored', () => {
  it('equals hashEvent for any event in the stored form', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()),
        fc.string({ unit: 'binary' }),
        fc.nat(),
        (data, metadata, id, revision) => {
          const event: HashableEvent = {
            streamId: `journey-${id}`,
            revision,
            id,
            type: 'PreferenceRecorded',
            data,
            metadata: { ...metadata, integrity: { previousHash: GENESIS_HASH, hash: 'c'.repeat(64) } },
          };
          const [read] = readBack([event], asStoredNow);
          const expected = hashEvent(event, GENESIS_HASH);
          // An empty metadata object has no comma before its integrity entry: the text is then hashed the v1 way.
          if (canonicalJson(read.metadata) !== `{"integrity":${canonicalJson(read.metadata.integrity)}}`) {
            expect(hashStoredText(read, read.stored, GENESIS_HASH)).toBe(expected);
          }
          expect(hashEvent(read, GENESIS_HASH)).toBe(expected);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('declines metadata text that does not end in the stored form (written before, or by another writer)', () => {
    const [event] = readBack(chain(1), asStoredBefore);
    expect(hashStoredText(event, event.stored, GENESIS_HASH)).toBeNull();
  });
});

describe('verifyChain over stored text', () => {
  const awkward = () =>
    chain(4).map((event) => {
      const data = { ...(event.data as Record<string, unknown>), inTheirWords: AWKWARD_TEXT, 10: 'ten', 9: 'nine' };
      return { ...event, data };
    });
  /** The chain sealed afresh over its (changed) values, as the engine would have sealed them. */
  const sealed = (events: ReturnType<typeof awkward>) => {
    let previousHash = GENESIS_HASH;
    return events.map((event) => {
      const { integrity: _integrity, ...metadata } = event.metadata;
      const hash = hashEvent({ ...event, metadata }, previousHash);
      const result = { ...event, metadata: { ...metadata, integrity: { previousHash, hash } } };
      previousHash = hash;
      return result;
    });
  };

  it('verifies text in the stored form, and text as stored before (JSON.stringify), with the same verdict as the parsed values alone', () => {
    const events = sealed(awkward());
    const stored = readBack(events, asStoredNow);
    // Each hash is found from the stored text itself, without re-encoding anything.
    stored.forEach((event) =>
      expect(hashStoredText(event, event.stored, integrityOf(event.metadata)!.previousHash)).toBe(integrityOf(event.metadata)!.hash),
    );
    expect(verifyChain(stored)).toBeNull();
    expect(verifyChain(readBack(events, asStoredBefore))).toBeNull();
    expect(verifyChain(events)).toBeNull();
  });

  it('still verifies text that is valid JSON of the same values but not canonical (spaces, another key order): the v1 definition decides', () => {
    const events = readBack(sealed(awkward()), asStoredNow).map((event) => ({
      ...event,
      stored: { data: ` ${JSON.stringify(event.data, null, 2)}`, metadata: event.stored.metadata.replace('{"actor":', '{ "actor" :') },
    }));
    expect(verifyChain(events)).toBeNull();
  });

  it('names a changed row, whichever form it was stored in and however the change was written', () => {
    for (const encode of [asStoredNow, asStoredBefore]) {
      const events = readBack(sealed(awkward()), encode);
      const changed = { ...(events[2].data as Record<string, unknown>), value: 'nursing-home' };
      // The row rewritten in the stored form, and (as a hand edit would) with JSON.stringify.
      for (const text of [canonicalJson(changed), JSON.stringify(changed)]) {
        const tampered = events.map((event, index) =>
          index === 2 ? { ...event, data: JSON.parse(text) as unknown, stored: { ...event.stored, data: text } } : event,
        );
        expect(verifyChain(tampered)).toEqual({ revision: 2, problem: 'hash-mismatch' });
      }
    }
  });

  it('names a row whose metadata was changed in front of its untouched integrity entry', () => {
    const events = readBack(sealed(awkward()), asStoredNow);
    const { metadata } = events[1].stored;
    // Another actor, and the real integrity entry kept at the end: the text before it is what is hashed, and it changed.
    const forged = metadata.replace('"actor":{"id":"a"', '"actor":{"id":"someone-else"');
    expect(forged).not.toBe(metadata);
    const tampered = events.map((event, index) =>
      index === 1
        ? { ...event, metadata: JSON.parse(forged) as Record<string, unknown>, stored: { ...event.stored, metadata: forged } }
        : event,
    );
    expect(verifyChain(tampered)).toEqual({ revision: 1, problem: 'hash-mismatch' });
  });
});
