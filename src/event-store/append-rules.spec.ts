import { randomUUID } from 'node:crypto';
import { assertValidAppend, decideAppend, ExistingEvent } from './append-rules';
import { NewEvent, StreamConflictError } from './event-store';

function event(overrides: Partial<NewEvent> = {}): NewEvent {
  return { id: randomUUID(), type: 'Noted', data: {}, metadata: {}, ...overrides };
}

describe('assertValidAppend', () => {
  it.each([
    ['a negative revision', [event()], -1],
    ['a fractional revision', [event()], 1.5],
    ['an empty batch', [], 'any'],
    ['an event without a type', [event({ type: '' })], 'any'],
    ['data that is not an object', [event({ data: [] as unknown as Record<string, unknown> })], 'any'],
    ['metadata that is null', [event({ metadata: null as unknown as Record<string, unknown> })], 'any'],
  ] as const)('refuses %s', (_case, events, expected) => {
    expect(() => assertValidAppend('journey-1', [...events], expected)).toThrow();
  });

  it('accepts a well-formed batch', () => {
    expect(() => assertValidAppend('journey-1', [event(), event()], 0)).not.toThrow();
  });
});

describe('decideAppend', () => {
  const [a, b] = [event(), event()];
  const stored = new Map<string, ExistingEvent>([
    [a.id, { revision: 3, position: 30n }],
    [b.id, { revision: 4, position: 41n }],
  ]);

  it('writes after the current revision when no id is known', () => {
    expect(decideAppend('s', [event()], 4, 4, new Map())).toEqual({ kind: 'write', firstRevision: 5 });
  });

  it('returns the original result for the same batch right after the expected revision', () => {
    expect(decideAppend('s', [a, b], 2, 9, stored)).toEqual({
      kind: 'repeat',
      result: { nextRevision: 4, position: 41n },
    });
  });

  it('refuses the known ids in another order, or after another revision', () => {
    expect(() => decideAppend('s', [b, a], 'any', 9, stored)).toThrow(StreamConflictError);
    expect(() => decideAppend('s', [a, b], 3, 9, stored)).toThrow(StreamConflictError);
  });
});
