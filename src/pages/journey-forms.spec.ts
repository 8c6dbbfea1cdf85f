import { ForbiddenActionError, TransitionRefusedError } from '../errors/domain-errors';
import { parseChallenge, parsePreference, parseReviewRequest, refusalMessages } from './journey-forms';

const advocate = { id: 'advocate-1', role: 'advocate' as const };

describe('the person’s and advocate’s forms', () => {
  it('reads a preference in the person’s words, trimmed', () => {
    expect(parsePreference({ topic: 'place-of-care', value: ' home ', inTheirWords: ' I want to stay at home. ' })).toEqual({
      ok: true,
      data: { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to stay at home.' },
      values: { topic: 'place-of-care', value: 'home', inTheirWords: 'I want to stay at home.' },
    });
  });

  it('says what to fix, field by field, for an empty or too long form', () => {
    const parsed = parsePreference({ topic: 'astrology', value: 'x'.repeat(201), inTheirWords: '' });
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      { field: 'topic', text: 'Select what your preference is about' },
      { field: 'value', text: 'What you want must be 200 characters or fewer' },
      { field: 'inTheirWords', text: 'Enter what you want in your own words' },
    ]);
  });

  it('records who asked for a review and who raised a challenge from the signed-in actor, never from the form', () => {
    expect(parseReviewRequest({ why: 'Needs changed', requestedBy: 'someone-else' }, advocate)).toMatchObject({
      ok: true,
      data: { requestedBy: 'advocate-1', why: 'Needs changed' },
    });
    expect(parseChallenge({ decision: '7', grounds: 'Wrong', raisedBy: 'someone-else' }, advocate, ['7'])).toMatchObject({
      ok: true,
      data: { decisionRevision: 7, grounds: 'Wrong', raisedBy: 'advocate-1' },
    });
  });

  it('takes only a decision offered on the page', () => {
    const parsed = parseChallenge({ decision: '3', grounds: 'Wrong' }, advocate, ['7']);
    expect(parsed.ok ? [] : parsed.errors).toEqual([{ field: 'decision', text: 'Select the decision you want to challenge' }]);
  });

  it('turns the workflow’s refusal into words for the error summary, without the guard’s code name', () => {
    const guard = new TransitionRefusedError({
      event: 'DecisionChallenged',
      state: 'open.approved',
      reason: 'challengeNamesOpenableDecision: a challenge names a decision not already under challenge.',
      allowed: [],
    });
    expect(refusalMessages(guard, 'decision')).toEqual([
      { field: 'decision', text: 'This cannot be recorded now. A challenge names a decision not already under challenge.' },
    ]);
    const wrongStep = new TransitionRefusedError({
      event: 'ReviewRequested',
      state: 'open.approved',
      reason: 'wrong-state: ReviewRequested is not allowed in state open.approved',
      allowed: [],
    });
    expect(refusalMessages(wrongStep, 'why')).toEqual([
      { field: 'why', text: 'This cannot be recorded at this step of the journey (Plan signed off, support not started yet).' },
    ]);
    expect(refusalMessages(new ForbiddenActionError('person', 'record X'), 'why')).toEqual([
      { field: 'why', text: 'Your role cannot record this on the journey' },
    ]);
    expect(refusalMessages(new Error('disk full'), 'why')).toBeNull();
  });
});
