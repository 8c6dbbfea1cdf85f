/**
 * The audit CLI hashes the text the store holds instead of re-encoding what it parsed, which is
 * only right if the engine stores each event in the hash chain's canonical form. Journeys recorded
 * through the real API (every fact of the fast-track story, words with accents, quotes, escapes
 * and an emoji, keys the client sent in another order) are read back row by row from the file.
 */
import Database from 'better-sqlite3';
import { canonicalJson, hashStoredText, integrityOf, storedText } from '../../src/integrity/hash-chain';
import { tempDataDir, type TestApp } from '../support/test-app';
import { callers, openJourney, PERSON, record, recordFastTrackStory, runAuditOn, startAuditApp, type Caller } from './audit.helpers';

/** Words a person might give, and JSON must escape or carry as they are. */
const AWKWARD_WORDS = 'Zoë’s “home” — not a \\ "care" home;\ttabs, ünïcödé and 😀';

let t: TestApp;
let auth: Record<Caller, string>;
let data: ReturnType<typeof tempDataDir>;

beforeAll(async () => {
  auth = await callers();
  data = tempDataDir();
  t = await startAuditApp({ file: data.file });
  await recordFastTrackStory(t, auth);
  const other = await openJourney(t, auth.caseWorker, { personId: PERSON, summary: AWKWARD_WORDS });
  // Keys sent in reverse order: the stored text orders them as the chain's encoding does.
  await record(
    t,
    other,
    auth.person,
    'PreferenceRecorded',
    { value: 'home', topic: 'place-of-care', inTheirWords: AWKWARD_WORDS },
    { reason: AWKWARD_WORDS },
  );
});
afterAll(async () => {
  await t.close();
  data.remove();
});

interface Row {
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

function rows(): Row[] {
  const db = new Database(data.file, { readonly: true });
  try {
    return db.prepare<[], Row>('SELECT stream_id, revision, event_id, type, data, metadata FROM events ORDER BY position').all();
  } finally {
    db.close();
  }
}

describe('the text the engine stores', () => {
  it('is, for every event it wrote, the canonical form the chain hashes, and hashes as stored to the hash it carries', () => {
    const stored = rows();
    expect(stored.length).toBe(11);
    for (const row of stored) {
      const event = {
        streamId: row.stream_id,
        revision: row.revision,
        id: row.event_id,
        type: row.type,
        data: JSON.parse(row.data) as unknown,
        metadata: JSON.parse(row.metadata) as Record<string, unknown>,
      };
      expect(row.data).toBe(canonicalJson(event.data));
      expect(row.metadata).toBe(storedText(event).metadata);
      const integrity = integrityOf(event.metadata)!;
      expect(hashStoredText(event, row, integrity.previousHash)).toBe(integrity.hash);
    }
  });

  it('keeps the words as they were given: unicode unescaped, quotes, backslashes and tabs escaped as JSON escapes them', () => {
    const preference = rows().find((row) => row.type === 'PreferenceRecorded' && row.data.includes('Zoë'))!;
    expect(preference.data).toBe(`{"inTheirWords":${JSON.stringify(AWKWARD_WORDS)},"topic":"place-of-care","value":"home"}`);
    expect(preference.data).toContain('😀');
    expect(JSON.parse(preference.metadata).reason).toBe(AWKWARD_WORDS);
  });

  it('verifies with the audit CLI', async () => {
    const result = await runAuditOn(data.file, ['verify', '--all']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('verified 2 journeys, 11 events: 2 sound, 0 broken');
  });
});
