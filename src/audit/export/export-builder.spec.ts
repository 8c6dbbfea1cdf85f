import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowRegistry } from '../../../workflows';
import { pathTo } from '../../../workflows/testing/facts';
import { UnauthenticatedError, JourneyNotFoundError } from '../../errors/domain-errors';
import type { EventStore } from '../../event-store/event-store';
import { MemoryEventStore } from '../../event-store/memory-event-store';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { streamIdOf } from '../../journeys/journey-records';
import { AuditedJourneys } from '../audited-journeys';
import { ExportBuilder } from './export-builder';
import type { JourneyExport } from './journey-export';
import { sealFacts } from '../testing/seal-facts';

const JOURNEY = '0b6f8a52-7c1d-4e3a-9f20-1a2b3c4d5e6f';
const AT = new Date('2026-03-02T18:00:00Z');
const allow = () => undefined;
const refuse = () => {
  throw new UnauthenticatedError('not yours');
};

async function seeded(store: EventStore): Promise<ExportBuilder> {
  const events = sealFacts(JOURNEY, pathTo.liveSupport()).map(({ id, type, data, metadata }) => ({ id, type, data, metadata }));
  await store.appendToStream(streamIdOf(JOURNEY), events, 'no-stream');
  return new ExportBuilder(store, new AuditedJourneys(store, new WorkflowRegistry()));
}

describe.each([
  ['on the export worker (an SQLite file)', (dir: string) => new SqliteEventStore(join(dir, 'events.db'))],
  ['on the request thread (the memory store)', () => new MemoryEventStore()],
])('ExportBuilder %s', (_where, storeIn) => {
  let dir: string;
  let store: EventStore;
  let builder: ExportBuilder;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spe-export-builder-'));
    store = storeIn(dir);
    builder = await seeded(store);
  });
  afterAll(async () => {
    await builder.onApplicationShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the JSON and the HTML export of a journey the caller may see', async () => {
    const document = (await builder.build(JOURNEY, 'json', AT, allow)) as JourneyExport;
    expect([document.exportedAt, document.verification.chain]).toEqual([AT.toISOString(), { intact: true }]);
    const html = await builder.build(JOURNEY, 'html', AT, allow);
    expect(typeof html === 'string' && html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it("passes the journey's relations to the access check and answers nothing when it refuses", async () => {
    const seen: unknown[] = [];
    await expect(builder.build(JOURNEY, 'json', AT, (relations) => seen.push(relations))).resolves.toBeDefined();
    expect(seen).toEqual([expect.objectContaining({ id: JOURNEY, organisation: null })]);
    await expect(builder.build(JOURNEY, 'html', AT, refuse)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('is a 404 for a journey that is not there', async () => {
    await expect(builder.build('7a0c2d4e-1111-4222-8333-944455566677', 'json', AT, allow)).rejects.toBeInstanceOf(JourneyNotFoundError);
  });
});
