import { StreamConflictError } from '../../event-store/event-store';
import {
  ForbiddenActionError,
  InvalidInputError,
  RateLimitedError,
  StaleRevisionError,
  TransitionRefusedError,
} from '../../errors/domain-errors';
import { commandOutcomeOf, isRateLimitRefusal, routeTemplateOf, type FinishedRequest } from './request-outcome';

const finished = (overrides: Partial<FinishedRequest>): FinishedRequest => ({
  method: 'POST',
  route: '/journeys/:id/events',
  status: 201,
  body: { type: 'AssessmentStarted' },
  failure: undefined,
  ...overrides,
});

const refusal = (reason: string) => new TransitionRefusedError({ event: 'SupportPlanApproved', state: 'signOff', reason, allowed: [] });

describe('commandOutcomeOf', () => {
  it('counts a 201 on a command route as recorded, by event type', () => {
    expect(commandOutcomeOf(finished({}))).toEqual({ kind: 'recorded', eventType: 'AssessmentStarted' });
    expect(commandOutcomeOf(finished({ route: '/journeys', body: { data: {} } }))).toEqual({
      kind: 'recorded',
      eventType: 'ReferralReceived',
    });
  });

  it('names the rule that refused: the guard before the colon, the role policy, a stale revision', () => {
    const refused = (failure: unknown, status: number) =>
      commandOutcomeOf(finished({ status, failure, body: { type: 'SupportPlanApproved' } }));
    expect(refused(refusal('approverDidNotDraftPlan: an approver may not approve a plan they drafted'), 409)).toEqual({
      kind: 'refused',
      eventType: 'SupportPlanApproved',
      rule: 'approverDidNotDraftPlan',
    });
    expect(refused(new ForbiddenActionError('case-worker', 'record SupportPlanApproved'), 403)).toMatchObject({ rule: 'actorMayRecord' });
    expect(refused(new StaleRevisionError(3, 4), 412)).toMatchObject({ rule: 'staleRevision' });
    expect(refused(new StreamConflictError('journey-x', 3, 4), 412)).toMatchObject({ rule: 'staleRevision' });
  });

  it('does not count input the engine could not read, or requests on other routes', () => {
    expect(commandOutcomeOf(finished({ status: 400, failure: new InvalidInputError([]) }))).toBeNull();
    expect(commandOutcomeOf(finished({ method: 'GET', route: '/journeys/:id', status: 200 }))).toBeNull();
  });

  it('never takes a label from free text: an unknown event type is `other`', () => {
    expect(commandOutcomeOf(finished({ body: { type: 'Mrs Smith fell over' } }))).toEqual({ kind: 'recorded', eventType: 'other' });
  });
});

describe('routeTemplateOf', () => {
  it('is the matched route, or `unmatched` for none or a wildcard route (the static files)', () => {
    expect(routeTemplateOf({ routeOptions: { url: '/journeys/:id' } })).toBe('/journeys/:id');
    expect(routeTemplateOf({})).toBe('unmatched');
    expect(routeTemplateOf({ routeOptions: { url: undefined } })).toBe('unmatched');
    expect(routeTemplateOf({ routeOptions: { url: '/assets/*' } })).toBe('unmatched');
  });
});

describe('isRateLimitRefusal', () => {
  it('is the rate limit guard’s error only', () => {
    expect(isRateLimitRefusal(new RateLimitedError(600, 12))).toBe(true);
    expect(isRateLimitRefusal(refusal('x: y'))).toBe(false);
  });
});
