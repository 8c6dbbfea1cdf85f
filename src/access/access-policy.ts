/**
 * Who may see which journeys: the one access policy, as pure functions over the actor (from the
 * verified token) and the journey's relations (from its own events).
 *
 * Reading and recording share one relationship rule: you may act on a journey only if you may
 * see it. *What* you may record there is the workflow's policy (`rolesPerEvent`, and its guard
 * that an advocate is appointed), not this file's: one source for "may record".
 *
 * | role                                  | journeys they may see                                      |
 * |---------------------------------------|------------------------------------------------------------|
 * | case-worker, approver, senior-approver| their organisation's (see ORGANISATION below)              |
 * | advocate                              | where appointed and not withdrawn                          |
 * | person                                | their own (token subject = the referral's personId)        |
 * | auditor                               | every journey                                              |
 * | system                                | none from outside (no token may claim it)                  |
 *
 * ORGANISATION: a journey belongs to the organisation of the case worker who recorded its
 * referral (`metadata.actor.organisation` of ReferralReceived). A journey recorded without one
 * (a single-council deployment whose tokens carry no `org`) is seen only by staff whose token
 * carries no organisation either; staff with an organisation never see it, and the reverse. So a
 * deployment that starts issuing `org` claims cannot leak its earlier journeys to every council,
 * nor hide the new ones from nobody.
 *
 * REFUSALS: someone with no relationship to a journey is told it does not exist (404, the same
 * answer as for a journey that really does not exist), because a 403 would confirm that a
 * journey exists for that person. An advocate whose appointment was withdrawn already knows the
 * journey exists; they get a 403 that says their access ended.
 */
import type { Actor, Role } from '../auth/actor';
import { AccessEndedError, ForbiddenActionError, JourneyNotFoundError } from '../errors/domain-errors';

/** What the policy needs to know about a journey. */
export interface JourneyRelations {
  id: string;
  /** The organisation of whoever recorded the referral; null when none was recorded. */
  organisation: string | null;
  /** The person the journey is about (ReferralReceived `personId`). */
  personId: string | null;
  /** Advocates appointed and not withdrawn, by advocate id. */
  advocates: readonly string[];
  /** Advocates once appointed whose appointment has since been withdrawn. */
  formerAdvocates: readonly string[];
}

export type JourneyAccess = 'granted' | 'hidden' | 'ended';

const STAFF: readonly Role[] = ['case-worker', 'approver', 'senior-approver'];

/** May this actor see (and so act on) this journey, and if not, how is the refusal told? */
export function journeyAccess(actor: Actor, journey: JourneyRelations): JourneyAccess {
  switch (actor.role) {
    case 'case-worker':
    case 'approver':
    case 'senior-approver':
      return (actor.organisation ?? null) === journey.organisation ? 'granted' : 'hidden';
    case 'advocate':
      if (journey.advocates.includes(actor.id)) return 'granted';
      return journey.formerAdvocates.includes(actor.id) ? 'ended' : 'hidden';
    case 'person':
      return journey.personId !== null && sameId(journey.personId, actor.id) ? 'granted' : 'hidden';
    case 'auditor':
      return 'granted';
    case 'system':
      // The scheduler works inside the engine; a request from outside can never be `system`.
      return 'hidden';
    default: {
      const unexpected: never = actor.role;
      throw new Error(`no access rule for role ${String(unexpected)}`);
    }
  }
}

/** Throws the refusal `journeyAccess` decides: 404 when hidden, 403 when an appointment ended. */
export function assertJourneyAccess(actor: Actor, journey: JourneyRelations): void {
  const access = journeyAccess(actor, journey);
  if (access === 'hidden') throw new JourneyNotFoundError(journey.id);
  if (access === 'ended') throw new AccessEndedError(journey.id);
}

/**
 * What only some roles may do, beyond seeing a journey: verifying the record and searching the
 * access log are the auditors'; reading who has looked at a journey is for the person it is about
 * and an advocate appointed to it (a person's right to know who read their record, exercised by
 * them or for them) and for auditors. Staff who work a journey see it, but not who else read it.
 * A refusal is a 403 naming the role and the action, decided on the role alone, before any journey
 * is read, so it says nothing about whether one exists.
 */
const RESTRICTED_ACTIONS = {
  'verify a journey': ['auditor'],
  'search the access log': ['auditor'],
  'read who has looked at a journey': ['person', 'advocate', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type RestrictedAction = keyof typeof RESTRICTED_ACTIONS;

export function assertMayDo(actor: Actor, action: RestrictedAction): void {
  if (!(RESTRICTED_ACTIONS[action] as readonly Role[]).includes(actor.role)) throw new ForbiddenActionError(actor.role, action);
}

/**
 * The filter a cross-journey list (caseload, overdue clocks) applies for this actor: nothing for
 * the auditor, the actor's organisation for staff (null: journeys recorded without one, as
 * above). People and advocates get no list: they reach their journeys by id, and a list would
 * have to be built from relationships the read models do not keep. `system` never calls.
 */
export function listFilterFor(actor: Actor): { organisation?: string | null } {
  if (actor.role === 'auditor') return {};
  if (STAFF.includes(actor.role)) return { organisation: actor.organisation ?? null };
  throw new ForbiddenActionError(actor.role, 'list journeys across the caseload');
}

/**
 * Person ids are UUIDs, stored lower-case since facts are checked by the workflow; a token (or a
 * journey recorded before then) may spell one in upper case, which must not lock the person out.
 */
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
