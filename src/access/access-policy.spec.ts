import { replay, WorkflowRegistry, SUPPORT_PLANNING } from '../../workflows';
import { fact, toEvents, type Fact } from '../../workflows/testing/facts';
import type { Actor } from '../auth/actor';
import { AccessEndedError, ForbiddenActionError, JourneyNotFoundError } from '../errors/domain-errors';
import type { StoredEvent } from '../event-store/event-store';
import { assertJourneyAccess, journeyAccess, listFilterFor, type JourneyAccess, type JourneyRelations } from './access-policy';
import { assertMayAccess, relationsOf } from './journey-relations';

/** A council-a journey with one advocate appointed and one withdrawn; and a journey recorded with no organisation. */
const COUNCIL_A: JourneyRelations = {
  id: '11111111-1111-4111-8111-111111111111',
  organisation: 'council-a',
  personId: 'person-1',
  advocates: ['advocate-1'],
  formerAdvocates: ['advocate-2'],
};
const NO_ORGANISATION: JourneyRelations = {
  id: '22222222-2222-4222-8222-222222222222',
  organisation: null,
  personId: 'person-2',
  advocates: [],
  formerAdvocates: [],
};

const actor = (id: string, role: Actor['role'], organisation?: string): Actor => ({ id, role, ...(organisation ? { organisation } : {}) });

/** The expected answer for each actor on each journey, written out: the policy is checked against this, not against itself. */
const MATRIX: Array<[string, Actor, JourneyAccess, JourneyAccess]> = [
  // label                                    actor                                              council-a  no organisation
  ['case worker of council-a', actor('cw-a', 'case-worker', 'council-a'), 'granted', 'hidden'],
  ['case worker of council-b', actor('cw-b', 'case-worker', 'council-b'), 'hidden', 'hidden'],
  ['case worker with no organisation', actor('cw-0', 'case-worker'), 'hidden', 'granted'],
  ['approver of council-a', actor('ap-a', 'approver', 'council-a'), 'granted', 'hidden'],
  ['approver of council-b', actor('ap-b', 'approver', 'council-b'), 'hidden', 'hidden'],
  ['approver with no organisation', actor('ap-0', 'approver'), 'hidden', 'granted'],
  ['senior approver of council-a', actor('sap-a', 'senior-approver', 'council-a'), 'granted', 'hidden'],
  ['senior approver of council-b', actor('sap-b', 'senior-approver', 'council-b'), 'hidden', 'hidden'],
  ['appointed advocate', actor('advocate-1', 'advocate'), 'granted', 'hidden'],
  ['withdrawn advocate', actor('advocate-2', 'advocate'), 'ended', 'hidden'],
  ['advocate never appointed', actor('advocate-3', 'advocate'), 'hidden', 'hidden'],
  ['advocate never appointed, of the same organisation', actor('advocate-4', 'advocate', 'council-a'), 'hidden', 'hidden'],
  ['the person of the council-a journey', actor('person-1', 'person'), 'granted', 'hidden'],
  ['the person of the other journey', actor('person-2', 'person'), 'hidden', 'granted'],
  ['a person claiming council-a', actor('person-3', 'person', 'council-a'), 'hidden', 'hidden'],
  ['a person whose id is an appointed advocate’s', actor('advocate-1', 'person'), 'hidden', 'hidden'],
  ['an advocate whose id is the person’s', actor('person-1', 'advocate'), 'hidden', 'hidden'],
  ['auditor', actor('auditor-1', 'auditor'), 'granted', 'granted'],
  ['auditor of council-b', actor('auditor-2', 'auditor', 'council-b'), 'granted', 'granted'],
  ['system (never from outside)', actor('scheduler', 'system'), 'hidden', 'hidden'],
];

describe('journeyAccess: the matrix', () => {
  it.each(MATRIX)('%s', (_label, who, onCouncilA, onNoOrganisation) => {
    expect([journeyAccess(who, COUNCIL_A), journeyAccess(who, NO_ORGANISATION)]).toEqual([onCouncilA, onNoOrganisation]);
  });

  it('a journey whose person is not known yet is nobody’s own', () => {
    expect(journeyAccess(actor('person-1', 'person'), { ...COUNCIL_A, personId: null })).toBe('hidden');
  });
});

describe('assertJourneyAccess', () => {
  it('hides a journey with exactly the answer a missing journey gets', () => {
    const refusal = (() => {
      try {
        assertJourneyAccess(actor('cw-b', 'case-worker', 'council-b'), COUNCIL_A);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toEqual(new JourneyNotFoundError(COUNCIL_A.id));
  });

  it('tells a withdrawn advocate their access ended', () => {
    expect(() => assertJourneyAccess(actor('advocate-2', 'advocate'), COUNCIL_A)).toThrow(AccessEndedError);
  });

  it('lets a related actor through', () => {
    expect(() => assertJourneyAccess(actor('person-1', 'person'), COUNCIL_A)).not.toThrow();
  });
});

describe('listFilterFor', () => {
  it.each<[string, Actor, { organisation?: string | null }]>([
    ['auditor: every journey', actor('auditor-1', 'auditor', 'council-b'), {}],
    ['case worker: their organisation', actor('cw-a', 'case-worker', 'council-a'), { organisation: 'council-a' }],
    ['approver: their organisation', actor('ap-b', 'approver', 'council-b'), { organisation: 'council-b' }],
    ['senior approver: their organisation', actor('sap-a', 'senior-approver', 'council-a'), { organisation: 'council-a' }],
    ['staff with no organisation: journeys recorded without one', actor('cw-0', 'case-worker'), { organisation: null }],
  ])('%s', (_label, who, filter) => {
    expect(listFilterFor(who)).toEqual(filter);
  });

  it.each([actor('person-1', 'person'), actor('advocate-1', 'advocate', 'council-a'), actor('scheduler', 'system')])(
    'refuses $role a cross-journey list (403)',
    (who) => {
      expect(() => listFilterFor(who)).toThrow(ForbiddenActionError);
    },
  );
});

describe('relationsOf: read from the journey’s own events', () => {
  const definition = new WorkflowRegistry().get(SUPPORT_PLANNING, 1);
  const JOURNEY_ID = '33333333-3333-4333-8333-333333333333';

  /** Stored events as the journeys service writes them: the organisation rides on the actor in metadata. */
  function journeyOf(facts: Fact[], organisation?: string) {
    const machineEvents = toEvents(facts);
    const events: StoredEvent[] = machineEvents.map((event, revision) => ({
      id: `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`,
      streamId: `journey-${JOURNEY_ID}`,
      revision,
      position: BigInt(revision),
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata: { actor: { ...event.meta.actor, ...(organisation && revision === 0 ? { organisation } : {}) } },
    }));
    return { id: JOURNEY_ID, events, snapshot: replay(definition, machineEvents) };
  }

  it('takes the organisation from the referral, the person from its data, advocates appointed and withdrawn', () => {
    const journey = journeyOf(
      [
        fact('ReferralReceived', { personId: '9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a' }),
        fact('AdvocateAppointed', { advocateId: 'advocate-1' }),
        fact('AdvocateAppointed', { advocateId: 'advocate-2' }),
        fact('AdvocateWithdrawn', { advocateId: 'advocate-2' }),
      ],
      'council-a',
    );
    expect(relationsOf(journey)).toEqual({
      id: JOURNEY_ID,
      organisation: 'council-a',
      personId: '9e8d7c6b-5a49-4382-b716-0f1e2d3c4b5a',
      advocates: ['advocate-1'],
      formerAdvocates: ['advocate-2'],
    });
  });

  it('an advocate appointed again after a withdrawal is appointed, not former', () => {
    const journey = journeyOf([fact('ReferralReceived'), fact('AdvocateAppointed'), fact('AdvocateWithdrawn'), fact('AdvocateAppointed')]);
    expect(relationsOf(journey)).toMatchObject({ organisation: null, advocates: ['advocate-1'], formerAdvocates: [] });
  });

  it('assertMayAccess: the advocate reads until the withdrawal, then is told access ended', () => {
    const advocate = actor('advocate-1', 'advocate');
    const appointed = journeyOf([fact('ReferralReceived'), fact('AdvocateAppointed')]);
    const withdrawn = journeyOf([fact('ReferralReceived'), fact('AdvocateAppointed'), fact('AdvocateWithdrawn')]);
    expect(() => assertMayAccess(advocate, appointed)).not.toThrow();
    expect(() => assertMayAccess(advocate, withdrawn)).toThrow(AccessEndedError);
  });
});
