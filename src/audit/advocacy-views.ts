/**
 * The advocate's views of a loaded journey: the workflow's own reading of its decisions and
 * preferences (workflows/support-planning/decisions.ts), with what only the store knows (when each
 * fact was recorded) and links to the state the engine was in when each decision was made.
 */
import { decisionsOf, preferencesOf, type DecisionEntry, type PreferenceEntry } from '../../workflows/support-planning/decisions';
import { metadataOf, toMachineEvent } from '../journeys/journey-records';
import type { LoadedJourney } from '../journeys/journeys.service';

export interface DecisionView extends DecisionEntry {
  recordedAt: string;
  links: {
    /** The journey as it stood just before the decision: what the decision-maker had before them. */
    stateBefore: string;
    /** The journey with the decision applied. */
    stateAfter: string;
  };
}

export interface DecisionsView {
  id: string;
  revision: number;
  decisions: DecisionView[];
}

export interface PreferencesView {
  id: string;
  revision: number;
  preferences: Array<PreferenceEntry & { recordedAt: string }>;
}

function stateLink(journeyId: string, revision: number): string {
  return `/journeys/${journeyId}/state?revision=${revision}`;
}

function recordedAtOf(journey: LoadedJourney): (revision: number) => string {
  return (revision) => metadataOf(journey.events[revision]).recordedAt;
}

export function decisionsView(journey: LoadedJourney): DecisionsView {
  const recordedAt = recordedAtOf(journey);
  const decisions = decisionsOf(journey.events.map(toMachineEvent), journey.definition.policy).map((decision) => ({
    ...decision,
    recordedAt: recordedAt(decision.revision),
    // A decision is never revision 0 (the referral is), so the state before it always exists.
    links: { stateBefore: stateLink(journey.id, decision.revision - 1), stateAfter: stateLink(journey.id, decision.revision) },
  }));
  return { id: journey.id, revision: journey.revision, decisions };
}

export function preferencesView(journey: LoadedJourney): PreferencesView {
  const recordedAt = recordedAtOf(journey);
  const preferences = preferencesOf(journey.events.map(toMachineEvent), journey.definition.policy).map((preference) => ({
    ...preference,
    recordedAt: recordedAt(preference.revision),
  }));
  return { id: journey.id, revision: journey.revision, preferences };
}
