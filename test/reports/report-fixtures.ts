/**
 * Journeys for the statutory-return tests, each a story whose CLD rows and PHB counts the specs
 * write out by hand. Facts are sealed as the engine seals them (`sealEvent`: metadata and hash
 * chain), each with the day it happened and, where a story needs it, a later day it was recorded,
 * and appended to a real SQLite event file. Every journey is replayed on the workflow first, so a
 * fixture can never hold a fact the engine would have refused.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPPORT_PLANNING, WorkflowRegistry, replay } from '../../workflows';
import { fact, toEvents, type Fact } from '../../workflows/testing/facts';
import type { NewEvent, StoredEvent } from '../../src/event-store/event-store';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store';
import { sealFact, streamIdOf } from '../../src/journeys/journey-records';

const definition = new WorkflowRegistry().get(SUPPORT_PLANNING, 2);

export interface Story {
  journeyId: string;
  personId: string;
  facts: Fact[];
  /** Revision → when the engine recorded it, for facts typed in later than they happened. */
  recordedLate?: Record<number, string>;
  /** A broken record (written around the engine): not replayed before sealing. */
  refusedByWorkflow?: boolean;
}

/** A fact on a day (09:00 UTC), and optionally with v2's optional fields in its data. */
function on<K extends Fact['type']>(day: string, type: K, data: Record<string, unknown> = {}, by?: Fact['actor']): Fact<K> {
  return fact(type, data as never, { at: `${day}T09:00:00.000Z`, by });
}

const council = {
  fundingShares: [
    { funder: 'council', amountPence: 15_000 },
    { funder: 'nhs', amountPence: 10_000 },
  ],
};

/** Through assessment, budget, plan and sign-off to live support, on the days given. */
function toLiveSupport(
  days: { referral: string; assessed: [string, string]; approved: string; started: string },
  referral: Record<string, unknown>,
  plan: Record<string, unknown>,
  approval: Record<string, unknown> = {},
  assessment: Record<string, unknown> = {},
): Fact[] {
  return [
    on(days.referral, 'ReferralReceived', referral),
    on(days.assessed[0], 'AssessmentStarted'),
    on(days.assessed[1], 'AssessmentCompleted', assessment),
    on(days.assessed[1], 'IndicativeBudgetSet'),
    on(days.approved, 'SupportPlanDrafted', plan),
    on(days.approved, 'SupportPlanSubmitted'),
    on(days.approved, 'SupportPlanApproved', approval),
    on(days.started, 'SupportStarted', { startDate: days.started }),
  ];
}

export const PEOPLE = {
  a: 'a0000000-0000-4000-8000-00000000000a',
  b: 'b0000000-0000-4000-8000-00000000000b',
  c: 'c0000000-0000-4000-8000-00000000000c',
  d: 'd0000000-0000-4000-8000-00000000000d',
  e: 'e0000000-0000-4000-8000-00000000000e',
  f: 'f0000000-0000-4000-8000-00000000000f',
};

export const JOURNEYS = {
  a: '1a000000-0000-4000-8000-000000000001',
  b: '1b000000-0000-4000-8000-000000000002',
  c: '1c000000-0000-4000-8000-000000000003',
  d: '1d000000-0000-4000-8000-000000000004',
  e: '1e000000-0000-4000-8000-000000000005',
  f: '1f000000-0000-4000-8000-000000000006',
};

/**
 * A: social care, out of hospital, everything v2 can say: a clean request, assessment, service and
 * a planned review in the quarter. Its review was typed in on 2 October.
 */
export function storyA(): Story {
  return {
    journeyId: JOURNEYS.a,
    personId: PEOPLE.a,
    facts: [
      ...toLiveSupport(
        { referral: '2026-06-20', assessed: ['2026-07-02', '2026-07-10'], approved: '2026-07-20', started: '2026-08-01' },
        { personId: PEOPLE.a, routeOfAccess: 'Discharge from Hospital' },
        {
          supports: [
            {
              description: 'Home care, 10 hours a week',
              category: 'personal-care',
              costPence: 24_000,
              provider: 'Agency A',
              unitCostPence: 2_400,
              unitType: 'Hourly',
              plannedUnitsPerWeek: 10,
            },
          ],
          setting: 'home',
        },
        {},
        { assessmentType: 'Long term assessment', method: 'Face to face' },
      ),
      on('2026-09-20', 'ReviewStarted'),
      on('2026-09-22', 'ReviewCompleted', { outcome: 'continue', outcomesAchieved: 'Fully achieved', method: 'Telephone' }),
    ],
    recordedLate: { 9: '2026-10-02T10:00:00.000Z' },
  };
}

/** B: social care on v1's facts only, found not eligible; the decision was typed in on 5 October. */
export function storyB(): Story {
  return {
    journeyId: JOURNEYS.b,
    personId: PEOPLE.b,
    facts: [
      on('2026-07-05', 'ReferralReceived', { personId: PEOPLE.b }),
      on('2026-07-06', 'AssessmentStarted'),
      // Typed in three months late (recordedLate), so v2 asks why (maxBackdatingDays).
      {
        ...on('2026-07-08', 'AssessmentCompleted', {
          eligible: false,
          eligibleOutcomes: ['nutrition'],
          reasons: 'One outcome only: reg. 2 needs two',
          adviceGiven: 'Meals at home service and the falls clinic: leaflets given',
        }),
        reason: 'Entered from the paper file after the case system outage',
      },
    ],
    recordedLate: { 2: '2026-10-05T16:30:00.000Z' },
  };
}

/** C: NHS CHC, a notional budget live since June: a PHB, not in the council's CLD. */
export function storyC(): Story {
  return {
    journeyId: JOURNEYS.c,
    personId: PEOPLE.c,
    facts: toLiveSupport(
      { referral: '2026-05-01', assessed: ['2026-05-02', '2026-05-05'], approved: '2026-05-20', started: '2026-06-01' },
      { personId: PEOPLE.c, fundingStream: 'nhs-chc' },
      { deployment: 'notional' },
    ),
  };
}

/** D: integrated, held by a provider (an ISF), live since May; its community nursing has no CLD component. */
export function storyD(): Story {
  return {
    journeyId: JOURNEYS.d,
    personId: PEOPLE.d,
    facts: toLiveSupport(
      { referral: '2026-04-01', assessed: ['2026-04-02', '2026-04-10'], approved: '2026-05-01', started: '2026-05-15' },
      { personId: PEOPLE.d, fundingStream: 'integrated' },
      {
        deployment: 'third-party',
        supports: [{ description: 'Community nursing visits', category: 'community-nursing', costPence: 24_000 }],
        ...council,
      },
      council,
    ),
  };
}

/** E: NHS CHC by direct payment from June; the person died on 10 September. */
export function storyE(): Story {
  return {
    journeyId: JOURNEYS.e,
    personId: PEOPLE.e,
    facts: [
      ...toLiveSupport(
        { referral: '2026-05-10', assessed: ['2026-05-11', '2026-05-14'], approved: '2026-05-25', started: '2026-06-05' },
        { personId: PEOPLE.e, fundingStream: 'nhs-chc' },
        { deployment: 'direct-payment' },
      ),
      on('2026-09-10', 'JourneyClosed', { reason: 'died' }),
    ],
  };
}

/** F: NHS CHC, mixed, support from 15 September, but the start was typed in on 3 October. */
export function storyF(): Story {
  return {
    journeyId: JOURNEYS.f,
    personId: PEOPLE.f,
    facts: toLiveSupport(
      { referral: '2026-08-01', assessed: ['2026-08-02', '2026-08-10'], approved: '2026-09-01', started: '2026-09-15' },
      { personId: PEOPLE.f, fundingStream: 'nhs-chc' },
      {
        deployment: 'mixed',
        supports: [{ description: 'Personal assistant', category: 'personal-care', costPence: 24_000, heldAs: 'direct-payment' }],
      },
    ),
    recordedLate: { 7: '2026-10-03T08:00:00.000Z' },
  };
}

/** The story's facts as stored events: recorded a minute after they happened, unless recorded late. */
export function sealStory(story: Story): NewEvent[] {
  const events = toEvents(story.facts);
  if (!story.refusedByWorkflow) replay(definition, events);
  const streamId = streamIdOf(story.journeyId);
  const sealed: NewEvent[] = [];
  let previous: StoredEvent | undefined;
  events.forEach((event, revision) => {
    const correlationId = `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`;
    const next = sealFact(
      {
        journeyId: story.journeyId,
        revision,
        id: `${story.journeyId.slice(0, 8)}-0000-4000-9000-${String(revision).padStart(12, '0')}`,
        type: event.type,
        data: event.data as unknown as Record<string, unknown>,
        actor: event.meta.actor,
        occurredAt: event.meta.occurredAt,
        recordedAt: story.recordedLate?.[revision] ?? new Date(Date.parse(event.meta.occurredAt) + 60_000).toISOString(),
        reason: event.meta.reason,
        correlationId,
        workflow: { id: definition.id, version: definition.version },
      },
      previous,
    );
    sealed.push(next);
    previous = { ...next, streamId, revision, position: BigInt(revision) };
  });
  return sealed;
}

/** A fresh event file holding the stories, each appended whole, in order. */
export async function seedStore(stories: readonly Story[]): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'reports-')), 'events.db');
  const store = new SqliteEventStore(file);
  try {
    for (const story of stories) await store.appendToStream(streamIdOf(story.journeyId), sealStory(story), 'no-stream');
  } finally {
    await store.close();
  }
  return file;
}

/** G: support recorded as started straight after the referral, which the workflow refuses. */
export function storyG(): Story {
  return {
    journeyId: '1a900000-0000-4000-8000-000000000007',
    personId: 'a9000000-0000-4000-8000-000000000009',
    facts: [
      on('2026-07-01', 'ReferralReceived', { personId: 'a9000000-0000-4000-8000-000000000009' }),
      on('2026-07-02', 'SupportStarted', { startDate: '2026-07-02' }),
    ],
    refusedByWorkflow: true,
  };
}

export const allStories = (): Story[] => [storyA(), storyB(), storyC(), storyD(), storyE(), storyF()];
