import { WorkflowRegistry } from '../../../workflows';
import { actors, fact, pathTo, type Fact } from '../../../workflows/testing/facts';
import { integrityOf, verifyChain } from '../../integrity/hash-chain';
import { toMachineEvent } from '../../journeys/journey-records';
import { escapeHtml, renderExportHtml } from './export-html';
import { buildExport, describe as describeEvent } from './journey-export';
import { readHtml } from '../testing/html-structure';
import { sealFacts } from '../testing/seal-facts';

const JOURNEY = '0b6f8a52-7c1d-4e3a-9f20-1a2b3c4d5e6f';
const registry = new WorkflowRegistry();
const EXPORTED_AT = new Date('2026-04-01T09:00:00Z');
const HOSTILE_WORDS = 'I want to stay at home <script>alert("x")</script> & nowhere else';

/** A home wish, then a nursing-home plan approved against it: the story the export must tell plainly. */
const story: Fact[] = [
  fact('ReferralReceived', { fundingStream: 'nhs-chc', route: 'fast-track' }),
  fact('PreferenceRecorded', { topic: 'place-of-care', value: 'home', inTheirWords: HOSTILE_WORDS }),
  fact('AssessmentStarted'),
  fact('AssessmentCompleted', { eligibleOutcomes: [], personViews: 'Home, please' }),
  fact('IndicativeBudgetSet', { amountPence: 180_000 }),
  fact('SupportPlanDrafted', {
    supports: [{ description: 'Nursing home', category: 'nursing-home-care', costPence: 175_000 }],
    deployment: 'notional',
    choices: { 'place-of-care': 'nursing-home' },
  }),
  fact('SupportPlanSubmitted', { personAgreement: 'disagrees', personViews: 'Not a nursing home' }),
  fact(
    'SupportPlanApproved',
    {
      finalBudgetPence: 175_000,
      budgetDifferenceReason: 'Placement cost',
      reasons: 'Safest placement available',
      overridesPreference: [{ topic: 'place-of-care', reason: 'No agency can staff 24-hour care' }],
    },
    { by: actors.seniorApprover, reason: 'Signed off at panel' },
  ),
];

describe('buildExport', () => {
  const events = sealFacts(JOURNEY, story);
  const document = buildExport(events, registry, EXPORTED_AT);

  it('holds the chain head, verified, so the copy can be checked later', () => {
    expect(document).toMatchObject({
      format: 'support-planning-engine/journey-export',
      journeyId: JOURNEY,
      exportedAt: '2026-04-01T09:00:00.000Z',
      workflow: { id: 'support-planning', version: 1 },
      state: 'open.approved',
      verification: {
        events: 8,
        chain: { intact: true },
        replay: { consistent: true },
        head: { revision: 7, hash: integrityOf(events[7].metadata)?.hash },
      },
    });
  });

  it('gathers the person’s words from wherever they were recorded', () => {
    expect(document.personsWords.map((words) => [words.revision, words.about, words.words])).toEqual([
      [1, 'preference: place-of-care', HOSTILE_WORDS],
      [3, 'views at assessment', 'Home, please'],
      [6, 'plan 1: disagrees', 'Not a nursing home'],
    ]);
  });

  it('every decision with actor, role, reasons and when it was recorded; the timeline says each fact in a line', () => {
    expect(document.decisions.map((d) => [d.revision, d.actor.id, d.actor.role, d.reasons, d.wentAgainstPreference, d.recordedAt])).toEqual(
      [
        [
          3,
          'case-worker-1',
          'case-worker',
          'Unable to achieve three outcomes; significant impact on wellbeing',
          false,
          events[3].metadata.recordedAt,
        ],
        [4, 'case-worker-1', 'case-worker', 'council-ras 2024.1', false, events[4].metadata.recordedAt],
        [7, 'senior-approver-1', 'senior-approver', 'Safest placement available', true, events[7].metadata.recordedAt],
      ],
    );
    expect(document.timeline[7]).toMatchObject({
      revision: 7,
      reason: 'Signed off at panel',
      summary: 'Plan 1 approved, final budget £1750.00 a week: Safest placement available',
    });
    expect(document.timeline[0].actor).toEqual(actors.caseWorker);
  });

  it('carries every stored event as stored, so the chain can be recomputed from the document alone', () => {
    expect(document.events).toEqual(events.map(({ position: _position, ...event }) => event));
    expect(verifyChain(document.events)).toBeNull();
    expect(document.warning).toBeNull();
  });

  it('a tampered journey is exported as it is, and says where it breaks, first', () => {
    const tampered = events.map((event) => (event.revision === 4 ? { ...event, data: { ...event.data, amountPence: 1 } } : event));
    const exported = buildExport(tampered, registry, EXPORTED_AT);
    expect(exported.verification.chain).toEqual({ intact: false, revision: 4, problem: 'hash-mismatch' });
    expect(exported.warning).toContain(`journey ${JOURNEY} does not verify: its hash chain breaks at revision 4 (hash-mismatch)`);
    expect(readHtml(renderExportHtml(exported)).byId('warning')?.text).toContain('does not verify');
    expect(verifyChain(exported.events)).toEqual({ revision: 4, problem: 'hash-mismatch' });
  });
});

describe('renderExportHtml', () => {
  const document = buildExport(sealFacts(JOURNEY, story), registry, EXPORTED_AT);
  const html = renderExportHtml(document);
  const page = readHtml(html);

  it('is one well-formed page with nothing external: no scripts that run, no links, no remote URLs', () => {
    expect(page.doctype).toBe(true);
    const names = new Set(page.elements.map((element) => element.name));
    ['link', 'img', 'iframe', 'object', 'embed', 'base', 'form'].forEach((name) => expect(names.has(name)).toBe(false));
    const scripts = page.elements.filter((element) => element.name === 'script');
    expect(scripts.map((script) => script.attributes)).toEqual([{ type: 'application/json', id: 'journey-export' }]);
    expect(page.elements.filter((element) => element.attributes.src !== undefined || element.attributes.href !== undefined)).toEqual([]);
    const policy = page.elements.find((element) => element.attributes['http-equiv'] === 'Content-Security-Policy');
    expect(policy?.attributes.content).toContain("default-src 'none'");
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.elements.find((element) => element.name === 'style')?.text).not.toMatch(/@import|url\(/);
  });

  it('escapes recorded text: words that look like markup show as words', () => {
    expect(page.elements.filter((element) => element.name === 'script')).toHaveLength(1);
    expect(page.visibleText).toContain(HOSTILE_WORDS);
    expect(html).toContain(escapeHtml(HOSTILE_WORDS));
  });

  it('shows the decision that went against her wish, who made it and the reason', () => {
    const approval = page.byId('decision-7');
    expect(approval?.attributes.class).toBe('decision against');
    expect(approval?.text).toContain('This decision went against a preference the person recorded.');
    expect(approval?.text).toContain('senior-approver-1 (senior-approver)');
    expect(approval?.text).toContain('Safest placement available');
    expect(approval?.text).toContain('reason given: No agency can staff 24-hour care');
    expect(page.byId('decision-3')?.attributes.class).toBe('decision');
  });

  it('carries the chain head and the whole export as inert JSON that parses back to the same document', () => {
    expect(page.byId('chain-head')?.text).toContain(document.verification.head.hash as string);
    const embedded = page.byId('journey-export')?.text ?? '';
    expect(embedded).not.toContain('</script');
    expect(JSON.parse(embedded)).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('the reader used here refuses markup that is not closed properly', () => {
    expect(() => readHtml('<!DOCTYPE html><div><p>x</div>')).toThrow('</div> closes <p>');
  });
});

describe('describe', () => {
  it('reads each fact in a line', () => {
    const lines = sealFacts(JOURNEY, pathTo.liveSupport()).map((event) => describeEvent(toMachineEvent(event)));
    expect(lines).toEqual([
      'Referral received (social-care, standard) from GP',
      'Assessment started by case-worker-1',
      'Assessed eligible (3 outcomes): Unable to achieve three outcomes; significant impact on wellbeing',
      'Indicative budget £250.00 a week (council-ras 2024.1)',
      'Support plan drafted: 1 supports, direct-payment',
      'Plan 1 submitted; the person agrees',
      'Plan 1 approved, final budget £250.00 a week: Plan meets the eligible needs within the indicative budget',
      'Support started on 2026-01-05',
    ]);
  });
});
