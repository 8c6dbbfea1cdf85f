/**
 * The audit reader decodes rows itself, to keep their stored text for the hash chain: it must give
 * back the very events the SQLite adapter gives, find the same unreadable revision, and verify a
 * file written before the stores kept canonical text exactly as it verifies one written now.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowRegistry } from '../../../workflows';
import { fact, pathTo } from '../../../workflows/testing/facts';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { canonicalJson, hashStoredText, integrityOf, storedText } from '../../integrity/hash-chain';
import { readJourney } from './journey-read';
import { SqliteJourneyReader, type StoredEventWithText } from './sqlite-journey-reader';
import { sealFacts } from '../testing/seal-facts';
import { verifyRead } from './verify-journey';

const registry = new WorkflowRegistry();
const AWKWARD_WORDS = 'Zoë’s “home”, not a \\ "home"\twith 😀 and \u2028 in it';

/** A journey to live support whose preference is in awkward words, sealed as the engine seals it. */
function journey(id = randomUUID()) {
  const [referral, ...rest] = pathTo.liveSupport();
  return sealFacts(id, [referral, fact('PreferenceRecorded', { inTheirWords: AWKWARD_WORDS }), ...rest]);
}

describe('SqliteJourneyReader', () => {
  let directory: string;
  let file: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'journey-reader-'));
    file = join(directory, 'events.sqlite');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  async function written(events: ReturnType<typeof journey>): Promise<void> {
    const store = new SqliteEventStore(file);
    await store.appendToStream(events[0].streamId, events, 'no-stream');
    await store.close();
  }

  async function readWithReader(streamId: string) {
    const reader = SqliteJourneyReader.open(file);
    try {
      return await reader.read(streamId);
    } finally {
      await reader.close();
    }
  }

  /** The same stream through the adapter, as the service reads it. */
  async function readWithAdapter(streamId: string) {
    const store = new SqliteEventStore(file, { readonly: true });
    try {
      return await readJourney(store, streamId);
    } finally {
      await store.close();
    }
  }

  const withoutText = (events: StoredEventWithText[]) => events.map(({ stored: _stored, ...event }) => event);

  it('gives the events the adapter gives, each with the text it was stored as: the chain’s canonical form', async () => {
    const events = journey();
    await written(events);
    const read = await readWithReader(events[0].streamId);
    if (read.kind !== 'events') throw new Error('expected every event to read');
    const adapter = await readWithAdapter(events[0].streamId);
    expect({ kind: 'events', events: withoutText(read.events) }).toEqual(adapter);
    for (const event of read.events) {
      expect(event.stored).toEqual(storedText(event));
      expect(event.stored.data).toBe(canonicalJson(event.data));
      const integrity = integrityOf(event.metadata)!;
      expect(hashStoredText(event, event.stored, integrity.previousHash)).toBe(integrity.hash);
    }
    expect(read.events[1].stored.data).toContain('Zoë’s “home”, not a \\\\ \\"home\\"\\twith 😀 and \u2028 in it');
  });

  it('verifies a file written before the stores kept canonical text (JSON.stringify rows) with the same verdict', async () => {
    const events = journey();
    await written(events);
    const before = await readWithReader(events[0].streamId);
    const db = new Database(file);
    db.exec('DROP TRIGGER IF EXISTS events_refuse_update');
    const rewrite = db.prepare<[string, string, string, number]>(
      'UPDATE events SET data = ?, metadata = ? WHERE stream_id = ? AND revision = ?',
    );
    for (const event of events) rewrite.run(JSON.stringify(event.data), JSON.stringify(event.metadata), event.streamId, event.revision);
    db.close();
    const after = await readWithReader(events[0].streamId);
    if (after.kind !== 'events') throw new Error('expected every event to read');
    expect(after.events[2].stored.metadata).not.toBe(storedText(after.events[2]).metadata);
    const verdict = (read: typeof before) => verifyRead(events[0].streamId, read, registry).verification;
    expect(verdict(after)).toEqual(verdict(before));
    expect(verdict(after).chain).toEqual({ intact: true });
  });

  it('names a changed row, whether it was rewritten in the canonical form or with JSON.stringify', async () => {
    for (const encode of [canonicalJson, JSON.stringify]) {
      const events = journey();
      await written(events);
      const db = new Database(file);
      db.exec('DROP TRIGGER IF EXISTS events_refuse_update');
      db.prepare('UPDATE events SET data = ? WHERE stream_id = ? AND revision = 3').run(
        encode({ ...events[3].data, amountPence: 1 }),
        events[0].streamId,
      );
      db.close();
      const verification = verifyRead(events[0].streamId, await readWithReader(events[0].streamId), registry).verification;
      expect(verification.chain).toEqual({ intact: false, revision: 3, problem: 'hash-mismatch' });
    }
  });

  it('locates a row that is no longer JSON where the adapter’s reading locates it', async () => {
    const events = journey();
    await written(events);
    const db = new Database(file);
    db.exec('DROP TRIGGER IF EXISTS events_refuse_update');
    db.prepare('UPDATE events SET metadata = ? WHERE stream_id = ? AND revision = 4').run('{"actor":', events[0].streamId);
    db.close();
    const read = await readWithReader(events[0].streamId);
    const adapter = await readWithAdapter(events[0].streamId);
    if (read.kind !== 'unreadable') throw new Error('expected revision 4 to be unreadable');
    expect({ ...read, readable: withoutText(read.readable) }).toEqual(adapter);
    expect(read.revision).toBe(4);
  });
});
