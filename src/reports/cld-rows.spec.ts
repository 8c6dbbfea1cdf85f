/**
 * The episodes a journey gives the return, on facts built with the workflow tests' builders and
 * replayed on the real machine first (so every history here is one the engine accepts).
 */
import { SUPPORT_PLANNING, WorkflowRegistry, replay } from '../../workflows';
import { fact, pathTo, toEvents, type Fact } from '../../workflows/testing/facts';
import { cldRowsOf, poundsOf } from './cld-rows';
import { timelineOf } from './journey-timeline';
import { phbInForce } from './phb';

const definition = new WorkflowRegistry().get(SUPPORT_PLANNING, 2);
const Q3 = { period: { from: '2026-07-01', to: '2026-09-30' }, laCode: 'E06000999' };

function timeline(facts: Fact[]) {
  const events = toEvents(facts);
  replay(definition, events);
  return timelineOf('j-1', events);
}

const at = (day: string) => ({ at: `${day}T09:00:00.000Z` });

/** Live support from 1 July on the default plan (personal care, direct payment, weekly). */
function liveFromJuly(): Fact[] {
  return pathTo
    .liveSupport()
    .map((f) =>
      f.type === 'SupportStarted'
        ? fact('SupportStarted', { startDate: '2026-07-01' }, at('2026-07-01'))
        : { ...f, at: '2026-06-01T09:00:00.000Z' },
    );
}

describe('CLD rows of a journey', () => {
  it('a revision approved during live support ends the first service the day it takes over, and starts its own', () => {
    const facts = [
      ...liveFromJuly(),
      fact('ReviewStarted', {}, at('2026-08-01')),
      fact('ReviewCompleted', { outcome: 'revise-plan' }, at('2026-08-02')),
      fact(
        'SupportPlanDrafted',
        { deployment: 'notional', supports: [{ description: 'Day centre', category: 'day-care', costPence: 20_000 }] },
        at('2026-08-03'),
      ),
      fact('SupportPlanSubmitted', { planVersion: 2 }, at('2026-08-04')),
      fact('SupportPlanApproved', { planVersion: 2 }, at('2026-08-10')),
    ];
    const services = cldRowsOf(timeline(facts), Q3).filter((row) => row['Event Type'] === 'Service');
    expect(
      services.map((row) => [
        row['Event Reference'],
        row['Event Start Date'],
        row['Event End Date'],
        row['Service Component'],
        row['Delivery Mechanism'],
        row['Unit Cost'],
      ]),
    ).toEqual([
      ['j-1/r6/s1', '2026-07-01', '2026-08-10', 'Home support or domiciliary care', 'Direct payment', '240.00'],
      ['j-1/r12/s1', '2026-08-10', '', 'Day support', 'CASSR managed personal budget', '200.00'],
    ]);
  });

  it('a review someone asked for is unplanned; one that ends support ends the service with it', () => {
    const facts = [
      ...liveFromJuly(),
      fact('ReviewRequested', {}, at('2026-08-01')),
      fact('ReviewStarted', {}, at('2026-08-02')),
      fact('ReviewCompleted', { outcome: 'end-support' }, at('2026-08-05')),
    ];
    const rows = cldRowsOf(timeline(facts), Q3);
    const review = rows.find((row) => row['Event Type'] === 'Review');
    expect([review?.['Review Reason'], review?.['Event Outcome']]).toEqual(['Unplanned', 'NFA: Support ended for other reason']);
    const service = rows.find((row) => row['Event Type'] === 'Service');
    expect([service?.['Event End Date'], service?.['Event Outcome']]).toEqual(['2026-08-05', 'NFA: Support ended for other reason']);
  });

  it('a death gives the date of death on every row and ends the service as deceased', () => {
    const rows = cldRowsOf(timeline([...liveFromJuly(), fact('JourneyClosed', { reason: 'died' }, at('2026-09-10'))]), Q3);
    expect(rows.map((row) => [row['Event Type'], row['Date of Death'], row['Event End Date'], row['Event Outcome']])).toEqual([
      ['Service', '2026-09-10', '2026-09-10', 'NFA: Deceased'],
    ]);
  });

  it('a request closed before any assessment ends with the closure, and a request still open gives no row', () => {
    const closed = timeline([
      fact('ReferralReceived', {}, at('2026-07-01')),
      fact('JourneyClosed', { reason: 'moved-away' }, at('2026-07-03')),
    ]);
    expect(cldRowsOf(closed, Q3).map((row) => [row['Event End Date'], row['Event Outcome']])).toEqual([
      ['2026-07-03', 'NFA: Responsibility moved to another local authority'],
    ]);
    expect(cldRowsOf(timeline([fact('ReferralReceived', {}, at('2026-07-01'))]), Q3)).toEqual([]);
  });

  it('events that ended before the period give no row; a service still in force does', () => {
    const rows = cldRowsOf(timeline(liveFromJuly()), { ...Q3, period: { from: '2026-10-01', to: '2026-12-31' } });
    expect(rows.map((row) => row['Event Type'])).toEqual(['Service']);
  });

  it('a plan approved but replaced before support started was never delivered: one service, and a PHB only while NHS-funded', () => {
    const facts = [
      fact('ReferralReceived', { fundingStream: 'nhs-chc' }, at('2026-06-01')),
      fact('AssessmentStarted', {}, at('2026-06-01')),
      fact('AssessmentCompleted', {}, at('2026-06-02')),
      fact('IndicativeBudgetSet', {}, at('2026-06-02')),
      fact('SupportPlanDrafted', { deployment: 'notional' }, at('2026-06-03')),
      fact('SupportPlanSubmitted', {}, at('2026-06-03')),
      fact('SupportPlanApproved', {}, at('2026-06-04')),
      fact('SupportStarted', { startDate: '2026-06-10' }, at('2026-06-10')),
    ];
    const journey = timeline(facts);
    expect(journey.services.map((service) => [service.from, service.to])).toEqual([['2026-06-10', null]]);
    expect(phbInForce(journey, '2026-06-09')).toBeNull();
    expect(phbInForce(journey, '2026-06-10')).toEqual({ journeyId: 'j-1', type: 'notional', cohort: 'CHC', revision: 6 });
  });

  it('pence are written as pounds with two decimals, without floating point', () => {
    expect([poundsOf(0), poundsOf(5), poundsOf(2_400), poundsOf(123_456_789), poundsOf(-150)]).toEqual([
      '0.00',
      '0.05',
      '24.00',
      '1234567.89',
      '-1.50',
    ]);
  });
});
