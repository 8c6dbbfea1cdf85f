/**
 * What the fault tests send and expect, in one place: a case worker opening journeys and
 * recording preferences (words a log must never show), and the 503 and log line a store fault
 * must give.
 */
import type { Response } from 'supertest';
import { fact } from '../../workflows/testing/facts';
import type { CapturedLogger } from '../support/captured-logger';
import { bearer, type TestApp } from '../support/test-app';

/** The person's words in every preference: no log line may contain them. */
export const PERSONAL_WORDS = 'What the person said';

export const STORE_UNAVAILABLE_BODY = {
  statusCode: 503,
  error: 'STORE.UNAVAILABLE',
  message: 'the event store is unavailable; try again shortly',
};

export function faultCaseWorker(): Promise<string> {
  return bearer('fault-case-worker', 'case-worker', { organisation: 'council-a' });
}

export function openJourney(t: TestApp, auth: string): Promise<Response> {
  return t
    .http()
    .post('/journeys')
    .set('Authorization', auth)
    .send({ data: fact('ReferralReceived').data });
}

export function recordPreference(t: TestApp, auth: string, journeyId: string, n: number): Promise<Response> {
  const data = { topic: `topic-${n}`, value: `value-${n}`, inTheirWords: `${PERSONAL_WORDS}, number ${n}` };
  return t.http().post(`/journeys/${journeyId}/events`).set('Authorization', auth).send({ type: 'PreferenceRecorded', data });
}

/** The first line of each error the app logged (the rest is the stack). */
export function errorLines(logger: CapturedLogger): string[] {
  return logger.lines.filter((line) => line.startsWith('error:')).map((line) => line.split('\n')[0]);
}

/** A store fault's answer: 503, the store's own code and message, and when to try again. */
export function expectStoreUnavailable(response: Response | undefined): void {
  expect(response?.status).toBe(503);
  expect(response?.headers['retry-after']).toBe('5');
  expect(response?.body).toEqual(STORE_UNAVAILABLE_BODY);
}
