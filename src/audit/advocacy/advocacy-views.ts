/**
 * The advocate's views of a journey: the workflow's own reading of its decisions and preferences
 * (workflows/support-planning/decisions.ts), with what only the store knows (when each fact was
 * recorded), links to the state the engine was in when each decision was made, and the warning
 * when the record does not verify.
 */
import { decisionsOf, preferencesOf, type DecisionEntry, type PreferenceEntry } from '../../../workflows/support-planning/decisions';
import { toMachineEvent } from '../../journeys/journey-records';
import type { LoadedJourney } from '../../journeys/journeys.service';
import { recordedAtOf } from '../export/journey-export';

/** What the views are built from: the stored events, the version they replay on, and the warning if any. */
export type ViewedJourney = Pick<LoadedJourney, 'id' | 'definition' | 'events' | 'revision'> & { warning: string | null };

export interface DecisionView extends DecisionEntry {
  recordedAt: string;
  links: {
    /** The journey as it stood just before the decision: what the decision-maker had before them. */
    stateBefore: string;
    /** The journey with the decision applied. */
    stateAfter: string;
    /** The journey as the engine knew it when the decision was recorded: the same moment, by time. */
    stateWhenRecorded: string;
  };
}

export interface DecisionsView {
  id: string;
  revision: number;
  /** Set when the journey does not verify: the decisions are as the record holds them now. */
  warning: string | null;
  decisions: DecisionView[];
}

export interface PreferencesView {
  id: string;
  revision: number;
  warning: string | null;
  preferences: Array<PreferenceEntry & { recordedAt: string }>;
}

function stateLink(journeyId: string, revision: number): string {
  return `/journeys/${journeyId}/state?revision=${revision}`;
}

/** Encoded, since an edited row can hold any text; `:` is left as is (legal in a query, and an ISO time stays readable). */
function stateAtLink(journeyId: string, at: string): string {
  return `/journeys/${journeyId}/state?at=${encodeURIComponent(at).replace(/%3A/gi, ':')}`;
}

export function decisionsView(journey: ViewedJourney): DecisionsView {
  const recordedAt = recordedAtOf(journey.events);
  const decisions = decisionsOf(journey.events.map(toMachineEvent), journey.definition.policy).map((decision) => ({
    ...decision,
    recordedAt: recordedAt(decision.revision),
    links: {
      // A decision is never revision 0 (the referral is), so the state before it always exists.
      stateBefore: stateLink(journey.id, decision.revision - 1),
      stateAfter: stateLink(journey.id, decision.revision),
      stateWhenRecorded: stateAtLink(journey.id, recordedAt(decision.revision)),
    },
  }));
  return { id: journey.id, revision: journey.revision, warning: journey.warning, decisions };
}

export function preferencesView(journey: ViewedJourney): PreferencesView {
  const recordedAt = recordedAtOf(journey.events);
  const preferences = preferencesOf(journey.events.map(toMachineEvent), journey.definition.policy).map((preference) => ({
    ...preference,
    recordedAt: recordedAt(preference.revision),
  }));
  return { id: journey.id, revision: journey.revision, warning: journey.warning, preferences };
}
