import { actorAsSubject, describeFact, formatDate, formatDateTime, formatMoney } from './plain-english';

describe('the record in plain English', () => {
  it('writes dates as GOV.UK does, in UK time', () => {
    expect(formatDate('2026-12-02T10:00:00Z')).toBe('2 December 2026');
    // 11:30pm UTC on 1 June is 12:30am on 2 June in London (summer time).
    expect(formatDate('2026-06-01T23:30:00Z')).toBe('2 June 2026');
    expect(formatDateTime('2026-03-02T16:00:00Z')).toBe('4pm on 2 March 2026');
    expect(formatDateTime('2026-03-02T09:30:00Z')).toBe('9:30am on 2 March 2026');
    expect(formatDateTime('2026-03-02T12:00:00Z')).toBe('midday on 2 March 2026');
    expect(formatDateTime('2026-03-02T00:00:00Z')).toBe('midnight on 2 March 2026');
  });

  it('writes money as pounds from integer pence, pence only when there are some', () => {
    expect(formatMoney(175_000)).toBe('£1,750');
    expect(formatMoney(175_050)).toBe('£1,750.50');
    expect(formatMoney(5)).toBe('£0.05');
    expect(formatMoney(123_456_789)).toBe('£1,234,567.89');
  });

  it('says who did what, with the role set off by commas', () => {
    const approval = describeFact({
      type: 'SupportPlanApproved',
      data: { planVersion: 1, finalBudgetPence: 175_000, period: 'week', reasons: 'r' },
    });
    expect(`${actorAsSubject({ id: 'Sam Patel', role: 'approver' })} ${approval}`).toBe(
      'Sam Patel, approver, signed off the plan with a final budget of £1,750 a week',
    );
    expect(actorAsSubject({ id: 'p-1', role: 'person' })).toBe('The person (or their representative)');
  });
});
