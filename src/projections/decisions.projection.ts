/**
 * The decision index: one row per decision recorded on any journey, for auditors and approvers
 * who ask "which decisions did this person make", "which went against what the person wanted",
 * "which were challenged, and how did that end" without replaying every stream.
 *
 * It is built from the stored facts alone (no workflow replay): a decision's row is written when
 * the decision is recorded, and updated when a later DecisionChallenged names its revision and
 * when the ChallengeResolved that answers that challenge is recorded. The workflow already refused
 * anything inconsistent (a challenge naming a non-decision, two open challenges on one decision),
 * so the projection only follows the references the facts carry.
 */
import type Database from 'better-sqlite3';
import type { ChallengeOutcome } from '../../workflows';
import type { WorkflowRegistry } from '../../workflows';
import { closureIsDecision, READ_DECISION_TYPES, type ReadDecisionType } from '../../workflows/support-planning/decisions';
import type { StoredEvent } from '../event-store/event-store';
import { journeyIdOf, metadataOf } from '../journeys/journey-records';
import { prepared } from './prepared';
import type { Projection } from './projection';

// The workflow's own list of decision facts (the five a person may challenge, the resolution of a
// challenge, itself a decision someone is accountable for, and a closure where the journey's
// version makes it one): one list for the engine.
export const DECISION_TYPES = READ_DECISION_TYPES;
export type DecisionType = ReadDecisionType;

function isListedType(type: string): type is DecisionType {
  return (DECISION_TYPES as readonly string[]).includes(type);
}

export interface DecisionRow {
  journeyId: string;
  /** The decision's revision in its journey: what a challenge names. */
  revision: number;
  type: DecisionType;
  actor: { id: string; role: string; onBehalfOf?: string };
  occurredAt: string;
  recordedAt: string;
  /** The decision went against a preference the person recorded (and said why). */
  overridesPreference: boolean;
  /** The preference topics it overrode, e.g. `place-of-care`. */
  overriddenTopics: string[];
  challenged: boolean;
  /** The latest challenge to it: a decision may be challenged again once a challenge is resolved. */
  challenge: { revision: number; count: number; outcome: ChallengeOutcome | null } | null;
  /** Global position of the decision event. */
  position: string;
}

export interface DecisionFilter {
  type?: DecisionType;
  /** The id of the actor who made the decision. */
  actorId?: string;
  challenged?: boolean;
  /** Journeys of this organisation only (null: recorded without one), as the caseload table says. */
  organisation?: string | null;
}

interface StoredDecision {
  journey_id: string;
  revision: number;
  type: DecisionType;
  actor_id: string;
  actor_role: string;
  on_behalf_of: string | null;
  occurred_at: string;
  recorded_at: string;
  overridden_topics: string;
  challenge_count: number;
  challenge_revision: number | null;
  challenge_outcome: ChallengeOutcome | null;
  position: string;
}

const COLUMNS = `journey_id, revision, type, actor_id, actor_role, on_behalf_of, occurred_at, recorded_at, overridden_topics,
  challenge_count, challenge_revision, challenge_outcome, CAST(position AS TEXT) AS position`;

export class DecisionsProjection implements Projection {
  readonly name = 'decisions';
  // 2: closures that the journey's version lets be challenged are decisions too.
  readonly version = 2;

  constructor(private readonly registry: WorkflowRegistry) {}

  setup(db: Database.Database): void {
    // position is an INTEGER (bound as a bigint) so that the index orders it numerically;
    // it is read back as text, which keeps every digit whatever its size.
    db.exec(`
      CREATE TABLE IF NOT EXISTS decisions (
        journey_id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        on_behalf_of TEXT,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        overridden_topics TEXT NOT NULL,
        challenge_count INTEGER NOT NULL DEFAULT 0,
        challenge_revision INTEGER,
        challenge_outcome TEXT,
        position INTEGER NOT NULL,
        PRIMARY KEY (journey_id, revision)
      );
      CREATE INDEX IF NOT EXISTS decisions_position ON decisions (position);
      CREATE INDEX IF NOT EXISTS decisions_type ON decisions (type, position);
      CREATE INDEX IF NOT EXISTS decisions_actor ON decisions (actor_id, position);
      CREATE INDEX IF NOT EXISTS decisions_challenge ON decisions (journey_id, challenge_revision);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS decisions');
  }

  apply(db: Database.Database, event: StoredEvent): void {
    if (event.type === 'DecisionChallenged') this.recordChallenge(db, event);
    if (event.type === 'ChallengeResolved') this.recordResolution(db, event);
    if (isListedType(event.type) && this.isDecision(event)) this.recordDecision(db, event, event.type);
  }

  /** A closure is listed only where the version it was recorded on makes it a decision (v2 rule 9). */
  private isDecision(event: StoredEvent): boolean {
    if (event.type !== 'JourneyClosed') return true;
    const { workflow } = metadataOf(event);
    return closureIsDecision(this.registry.get(workflow.id, workflow.version).policy);
  }

  list(db: Database.Database, filter: DecisionFilter, page: { limit: number; offset: number }): { total: number; items: DecisionRow[] } {
    const { where, parameters } = whereClause(filter);
    const total = (db.prepare(`SELECT COUNT(*) AS n FROM decisions ${where}`).get(parameters) as { n: number }).n;
    const rows = db
      .prepare(`SELECT ${COLUMNS} FROM decisions ${where} ORDER BY decisions.position LIMIT @limit OFFSET @offset`)
      .all({ ...parameters, ...page }) as StoredDecision[];
    return { total, items: rows.map(toDecisionRow) };
  }

  private recordDecision(db: Database.Database, event: StoredEvent, type: DecisionType): void {
    const { actor, occurredAt, recordedAt } = metadataOf(event);
    prepared(
      db,
      `INSERT INTO decisions (journey_id, revision, type, actor_id, actor_role, on_behalf_of, occurred_at, recorded_at,
         overridden_topics, position)
       VALUES (@journeyId, @revision, @type, @actorId, @actorRole, @onBehalfOf, @occurredAt, @recordedAt, @overriddenTopics, @position)`,
    ).run({
      journeyId: journeyIdOf(event.streamId),
      revision: event.revision,
      type,
      actorId: actor.id,
      actorRole: actor.role,
      onBehalfOf: actor.onBehalfOf ?? null,
      occurredAt,
      recordedAt,
      overriddenTopics: JSON.stringify(overriddenTopicsOf(event.data)),
      position: event.position,
    });
  }

  /** A new challenge supersedes the outcome of an earlier one: the decision is contested again. */
  private recordChallenge(db: Database.Database, event: StoredEvent): void {
    prepared(
      db,
      `UPDATE decisions SET challenge_count = challenge_count + 1, challenge_revision = @challengeRevision, challenge_outcome = NULL
       WHERE journey_id = @journeyId AND revision = @decisionRevision`,
    ).run({
      journeyId: journeyIdOf(event.streamId),
      challengeRevision: event.revision,
      decisionRevision: Number(event.data.decisionRevision),
    });
  }

  /** The resolution names the challenge by its revision; the decision is the one that challenge is open on. */
  private recordResolution(db: Database.Database, event: StoredEvent): void {
    prepared(
      db,
      `UPDATE decisions SET challenge_outcome = @outcome
       WHERE journey_id = @journeyId AND challenge_revision = @challengeRevision`,
    ).run({
      journeyId: journeyIdOf(event.streamId),
      challengeRevision: Number(event.data.challengeRevision),
      outcome: String(event.data.outcome),
    });
  }
}

/** The topics of `data.overridesPreference`; an absent or empty list overrides nothing. */
function overriddenTopicsOf(data: Record<string, unknown>): string[] {
  const overrides = data.overridesPreference;
  if (!Array.isArray(overrides)) return [];
  return overrides.map((override) => {
    const topic = (override as { topic?: unknown }).topic;
    return typeof topic === 'string' ? topic : '';
  });
}

function whereClause(filter: DecisionFilter): { where: string; parameters: Record<string, unknown> } {
  const conditions: string[] = [];
  const parameters: Record<string, unknown> = {};
  if (filter.type !== undefined) {
    conditions.push('type = @type');
    parameters.type = filter.type;
  }
  if (filter.actorId !== undefined) {
    conditions.push('actor_id = @actorId');
    parameters.actorId = filter.actorId;
  }
  if (filter.challenged !== undefined) conditions.push(filter.challenged ? 'challenge_count > 0' : 'challenge_count = 0');
  if (filter.organisation !== undefined) {
    // The organisation lives in the caseload read model (same database, same batches), so the
    // decisions are not given a copy of it that could disagree. IS: null finds journeys without one.
    conditions.push('journey_id IN (SELECT journey_id FROM caseload WHERE organisation IS @organisation)');
    parameters.organisation = filter.organisation;
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', parameters };
}

function toDecisionRow(row: StoredDecision): DecisionRow {
  const overriddenTopics = JSON.parse(row.overridden_topics) as string[];
  return {
    journeyId: row.journey_id,
    revision: row.revision,
    type: row.type,
    actor: { id: row.actor_id, role: row.actor_role, ...(row.on_behalf_of === null ? {} : { onBehalfOf: row.on_behalf_of }) },
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    overridesPreference: overriddenTopics.length > 0,
    overriddenTopics,
    challenged: row.challenge_count > 0,
    challenge:
      row.challenge_revision === null
        ? null
        : { revision: row.challenge_revision, count: row.challenge_count, outcome: row.challenge_outcome },
    position: row.position,
  };
}
