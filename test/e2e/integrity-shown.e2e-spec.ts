/**
 * Corruption and gaps are shown, not hidden: every read of a journey carries whether its hash
 * chain verifies (`integrity` in the body, `X-Journey-Integrity` in the headers), a HEAD is logged
 * like any read, and nothing with a person's data may be stored by a browser or a proxy.
 */
import { ManualClock } from '../../src/common/clock';
import { fact } from '../../workflows/testing/facts';
import { bearer, startApp, tempDataDir, type TestApp } from '../support/test-app';
import { valueOf } from '../observability/prometheus-text';
import { tamperWithEvent } from './audit.helpers';

const NOW = new Date('2026-01-05T10:00:00Z');
const PERSON = '9e8d7c6b-5a49-4838-a726-150f4e3d2c1b';
const METRICS_TOKEN = 'metrics-token-that-is-long-enough-0123';

/** Every route that reads one journey's data, and whether it answers JSON (the HTML export carries the header alone). */
const READS = [
  (id: string) => `/journeys/${id}`,
  (id: string) => `/journeys/${id}/history`,
  (id: string) => `/journeys/${id}/state?revision=1`,
  (id: string) => `/journeys/${id}/decisions`,
  (id: string) => `/journeys/${id}/preferences`,
  (id: string) => `/journeys/${id}/export?format=json`,
];

describe('integrity on every journey read', () => {
  const data = tempDataDir();
  let t: TestApp;
  let auth: string;
  let sound: string;
  let tampered: string;

  async function openWithPreferences(count: number): Promise<string> {
    const opened = await t
      .http()
      .post('/journeys')
      .set('Authorization', auth)
      .send({ data: { ...fact('ReferralReceived').data, personId: PERSON } })
      .expect(201);
    const id = opened.body.id as string;
    for (let n = 0; n < count; n += 1) {
      const preference = { ...fact('PreferenceRecorded').data, topic: `topic-${n}`, value: `value-${n}` };
      await t
        .http()
        .post(`/journeys/${id}/events`)
        .set('Authorization', auth)
        .send({ type: 'PreferenceRecorded', data: preference })
        .expect(201);
    }
    return id;
  }

  beforeAll(async () => {
    t = await startApp({ file: data.file, clock: new ManualClock(NOW) });
    auth = await bearer('case-worker-1', 'case-worker');
    sound = await openWithPreferences(4);
    tampered = await openWithPreferences(12);
    // Read once while whole, so the verified head is cached: the change must still be found.
    await t.http().get(`/journeys/${tampered}`).set('Authorization', auth).expect(200);
    await t.close();
    tamperWithEvent(data.file, tampered, 9, (stored) => ({ ...stored, inTheirWords: 'words the person never said' }));
    t = await startApp({ file: data.file, clock: new ManualClock(NOW), env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await t.close();
    data.remove();
  });

  it.each(READS.map((route) => [route('<id>'), route]))('%s says a sound journey is sound', async (_label, route) => {
    const response = await t.http().get(route(sound)).set('Authorization', auth).expect(200);
    expect(response.body.integrity).toEqual({ sound: true });
    expect(response.headers['x-journey-integrity']).toBe('sound');
  });

  it.each(READS.map((route) => [route('<id>'), route]))('%s says where a changed journey first breaks', async (_label, route) => {
    const response = await t.http().get(route(tampered)).set('Authorization', auth).expect(200);
    expect(response.body.integrity).toEqual({ sound: false, firstBadRevision: 9 });
    expect(response.headers['x-journey-integrity']).toBe('broken; first-bad-revision=9');
  });

  it('counts the journeys found broken in a live metric, for operations to alert on', async () => {
    const scrape = async () => (await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
    await t.http().get(`/journeys/${sound}`).set('Authorization', auth).expect(200);
    await t.http().get(`/journeys/${tampered}`).set('Authorization', auth).expect(200);
    expect(valueOf(await scrape(), 'spe_integrity_broken_journeys')).toBe(1);
  });

  it('the HTML export carries the verdict in its header', async () => {
    const response = await t.http().get(`/journeys/${tampered}/export?format=html`).set('Authorization', auth).expect(200);
    expect(response.headers['x-journey-integrity']).toBe('broken; first-bad-revision=9');
  });

  it('a fact recorded after the verified head is checked too (the tail, from the cached head)', async () => {
    await t.http().get(`/journeys/${sound}`).set('Authorization', auth).expect(200);
    const preference = { ...fact('PreferenceRecorded').data, topic: 'later', value: 'later' };
    await t
      .http()
      .post(`/journeys/${sound}/events`)
      .set('Authorization', auth)
      .send({ type: 'PreferenceRecorded', data: preference })
      .expect(201);
    const response = await t.http().get(`/journeys/${sound}/history`).set('Authorization', auth).expect(200);
    expect([response.body.events.length, response.body.integrity]).toEqual([6, { sound: true }]);
  });

  it('a HEAD of a journey is logged as a read', async () => {
    const auditor = await bearer('auditor-1', 'auditor');
    await t.http().head(`/journeys/${sound}`).set('Authorization', auth).expect(200);
    const log = await t.http().get(`/audit/access?journey=${sound}&limit=1000`).set('Authorization', auditor).expect(200);
    const routes = (log.body.entries as Array<{ route: string; actor: { id: string } }>).map((entry) => `${entry.actor.id} ${entry.route}`);
    expect(routes).toContain('case-worker-1 HEAD /journeys/:id');
  });

  it("answers with Cache-Control: no-store wherever a person's data may be, errors included; not on /health", async () => {
    const person = await bearer(PERSON, 'person');
    for (const response of [
      await t.http().get(`/journeys/${sound}`).set('Authorization', auth),
      await t.http().get(`/journeys/${sound}/access`).set('Authorization', person),
      await t.http().get('/journeys').set('Authorization', auth),
      await t.http().get(`/journeys/${sound}/nothing-here`).set('Authorization', auth),
      await t.http().get(`/journeys/${sound}`),
      await t
        .http()
        .post('/journeys')
        .set('Authorization', auth)
        .send({ data: fact('ReferralReceived').data }),
    ]) {
      expect([response.status, response.headers['cache-control']]).toEqual([response.status, 'no-store']);
    }
    expect((await t.http().get('/health/live')).headers['cache-control']).toBeUndefined();
  });
});
