/**
 * The export as one standalone HTML file: opens in any browser with nothing else, years from now.
 * No scripts that run, no external resources (a Content-Security-Policy of `default-src 'none'`
 * says so to the browser too), CSS inline, and every piece of recorded text escaped, since the
 * record holds free text typed by many people. The JSON export is embedded, inert
 * (`type="application/json"`), so the file is also the machine-readable copy to check later.
 */
import type { ChallengeRecord, DecisionEntry, FactReference, PreferenceCheck } from '../../../workflows/support-planning/decisions';
import type { JourneyExport, RecordedWords, TimelineEntry } from './journey-export';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/** JSON that cannot close its <script> element or open a comment: every `<` becomes `\u003c`. */
export function inertJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/</g, '\\u003c');
}

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #eee; }
  .decision { border: 1px solid #ccc; border-radius: 4px; padding: .5rem 1rem; margin: 1rem 0; }
  .against { border-color: #b00020; border-width: 2px; } .flag { color: #b00020; font-weight: bold; }
  blockquote { margin: .3rem 0 .3rem 1rem; padding-left: .7rem; border-left: 3px solid #6a8; font-style: italic; }
  code, .hash { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; }
  .ok { color: #126b12; } .broken { color: #b00020; font-weight: bold; }
`;

export function renderExportHtml(document: JourneyExport): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Journey ${escapeHtml(document.journeyId)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    renderHeader(document),
    renderWords(document.personsWords),
    renderDecisions(document.decisions),
    renderTimeline(document.timeline),
    `<script type="application/json" id="journey-export">${inertJson(document)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderHeader(document: JourneyExport): string {
  const { verification } = document;
  const chain = verification.chain.intact
    ? '<span class="ok">intact</span>'
    : `<span class="broken">broken at revision ${verification.chain.revision} (${escapeHtml(verification.chain.problem)})</span>`;
  const replay = verification.replay.consistent
    ? '<span class="ok">consistent</span>'
    : `<span class="broken">refused at revision ${verification.replay.revision} (${escapeHtml(verification.replay.reason)})</span>`;
  const workflow = document.workflow ? `${escapeHtml(document.workflow.id)} v${document.workflow.version}` : 'unknown';
  return `<header>
<h1>Journey <code>${escapeHtml(document.journeyId)}</code></h1>
${document.warning ? `<p class="broken" id="warning">WARNING: ${escapeHtml(document.warning)}</p>` : ''}
<table>
<tr><th>State</th><td id="state">${escapeHtml(document.state ?? 'unknown')}</td></tr>
<tr><th>Workflow</th><td>${workflow}</td></tr>
<tr><th>Exported at</th><td>${escapeHtml(document.exportedAt)}</td></tr>
<tr><th>Events</th><td>${verification.events}</td></tr>
<tr><th>Hash chain</th><td>${chain}</td></tr>
<tr><th>Workflow replay</th><td>${replay}</td></tr>
<tr><th>Chain head</th><td id="chain-head">revision ${verification.head.revision}, <span class="hash">${escapeHtml(verification.head.hash ?? 'none')}</span></td></tr>
</table>
<p>To check this copy later: the chain head above must match the journey's event at that revision in the engine (GET /journeys/:id/history) or in a signed checkpoint; the embedded JSON holds every stored event, so the chain can be recomputed from this file alone.</p>
</header>`;
}

function renderWords(words: readonly RecordedWords[]): string {
  const items = words.map(
    (
      word,
    ) => `<li>Revision ${word.revision}, ${escapeHtml(word.occurredAt)}, ${escapeHtml(word.about)} (recorded by ${escapeHtml(word.by.id)}, ${escapeHtml(word.by.role)}):
<blockquote>${escapeHtml(word.words)}</blockquote></li>`,
  );
  return `<section id="persons-words"><h2>In the person's own words</h2>${items.length ? `<ul>\n${items.join('\n')}\n</ul>` : '<p>None recorded.</p>'}</section>`;
}

function renderDecisions(decisions: JourneyExport['decisions']): string {
  const cards = decisions.map(renderDecision);
  return `<section id="decisions"><h2>Decisions</h2>${cards.length ? cards.join('\n') : '<p>No decisions yet.</p>'}</section>`;
}

function renderDecision(decision: DecisionEntry & { recordedAt: string }): string {
  const against = decision.wentAgainstPreference;
  return `<article class="decision${against ? ' against' : ''}" id="decision-${decision.revision}">
<h3>Revision ${decision.revision}: ${escapeHtml(decision.type)} — ${escapeHtml(decision.outcome)}</h3>
${against ? '<p class="flag">This decision went against a preference the person recorded.</p>' : ''}
<table>
<tr><th>Decided by</th><td>${escapeHtml(decision.actor.id)} (${escapeHtml(decision.actor.role)})${decision.actor.onBehalfOf ? `, for ${escapeHtml(decision.actor.onBehalfOf)}` : ''}</td></tr>
<tr><th>When</th><td>happened ${escapeHtml(decision.occurredAt)}, recorded ${escapeHtml(decision.recordedAt)}</td></tr>
<tr><th>Reasons</th><td>${escapeHtml(decision.reasons)}${decision.recordReason ? `<br>Recorded with: ${escapeHtml(decision.recordReason)}` : ''}</td></tr>
<tr><th>Rested on</th><td>${renderReferences(decision.restsOn)}</td></tr>
<tr><th>Preferences</th><td>${renderChecks(decision.preferences)}</td></tr>
<tr><th>The person's words</th><td>${decision.personsWords.map((word) => `<blockquote>${escapeHtml(word.words)}</blockquote>`).join('') || 'none before this decision'}</td></tr>
<tr><th>Challenges</th><td>${renderChallenges(decision.challenges)}</td></tr>
</table>
</article>`;
}

function renderReferences(references: readonly FactReference[]): string {
  if (references.length === 0) return 'nothing earlier';
  return references
    .map((reference) => `${escapeHtml(reference.as)} (revision ${reference.revision}, ${escapeHtml(reference.type)})`)
    .join('; ');
}

function renderChecks(checks: readonly PreferenceCheck[]): string {
  if (checks.length === 0) return 'no choice on a topic with a recorded preference';
  return checks
    .map((check) =>
      check.followed
        ? `followed the preference on ${escapeHtml(check.topic)} (${escapeHtml(check.preferred)})`
        : `<span class="flag">went against</span> the preference on ${escapeHtml(check.topic)}: wanted ${escapeHtml(check.preferred)}, decided ${escapeHtml(check.chosen)}; reason given: ${escapeHtml(check.overrideReason ?? 'none')}`,
    )
    .join('<br>');
}

function renderChallenges(challenges: readonly ChallengeRecord[]): string {
  if (challenges.length === 0) return 'not challenged';
  return challenges
    .map((challenge) => {
      const outcome = challenge.resolution
        ? `${escapeHtml(challenge.resolution.outcome)} by ${escapeHtml(challenge.resolution.resolvedBy.id)}: ${escapeHtml(challenge.resolution.reasons)}`
        : 'not yet resolved';
      return `challenged at revision ${challenge.challengeRevision} by ${escapeHtml(challenge.raisedBy.id)} (${escapeHtml(challenge.raisedBy.role)}): <blockquote>${escapeHtml(challenge.grounds)}</blockquote>outcome: ${outcome}`;
    })
    .join('<br>');
}

function renderTimeline(timeline: readonly TimelineEntry[]): string {
  const rows = timeline.map(
    (entry) =>
      `<tr id="event-${entry.revision}"><td>${entry.revision}</td><td>${escapeHtml(entry.occurredAt)}</td><td>${escapeHtml(entry.type)}</td><td>${escapeHtml(entry.summary)}${entry.reason ? `<br>Reason: ${escapeHtml(entry.reason)}` : ''}</td><td>${escapeHtml(entry.actor.id)} (${escapeHtml(entry.actor.role)})</td><td class="hash">${escapeHtml((entry.hash ?? '').slice(0, 16))}</td></tr>`,
  );
  return `<section id="timeline"><h2>Timeline</h2>
<table>
<thead><tr><th>Rev.</th><th>Happened</th><th>Event</th><th>What</th><th>By</th><th>Hash</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}
