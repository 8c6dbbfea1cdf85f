/**
 * The shape of every fact, checked at run time by the workflow itself (zod schemas, one per event
 * type and version). The HTTP layer is one road in; the CLI, store:copy and other adapters are
 * others, so the workflow never folds a fact whose shape it has not checked: a nested array where
 * an object belongs, blank words where a reason belongs, a key it does not know.
 *
 * Each schema `satisfies` the event's data interface in events.ts, so the compiler keeps the
 * runtime shape and the static type in step.
 */
import { z } from 'zod';
import {
  BUDGET_PERIODS,
  CHALLENGE_OUTCOMES,
  CLOSURE_REASONS,
  DEPLOYMENTS,
  ELIGIBILITY_OUTCOMES,
  FUNDERS,
  FUNDING_STREAMS,
  PERSON_AGREEMENT,
  REVIEW_OUTCOMES,
  ROUTES,
  type AppointmentBasis,
  type EventDataMap,
  type EventType,
  type Setting,
} from './events';

export const SHORT_TEXT = 200;
export const LONG_TEXT = 10_000;
/** £100m a period: far above any real budget, well inside integer precision. */
export const MAX_PENCE = 10_000_000_000;

/** White space and the characters that render as nothing (zero-width space, joiners, BOM...). */
const INVISIBLE = /[\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu;

/** One character that is not INVISIBLE: found without building the text with them removed. */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}]/u;

/** True when the text holds at least one character a reader can see. */
export function hasVisibleText(text: unknown): boolean {
  return typeof text === 'string' && VISIBLE.test(text);
}

/**
 * A code as the rules compare it: `Alcohol`, `ALCOHOL `, `debt repayment` and `debt_repayment`
 * read as `alcohol` and `debt-repayment`, so spelling cannot dodge a rule.
 */
export function normaliseCode(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, ' ')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** An ISO-8601 date-time with a zone (Z or ±hh:mm); seconds and fractions optional. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The date part names a real day (no 31 February), so `Date.parse` reads it as written. */
function isRealDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

export function isTimestamp(value: unknown): value is string {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  return match !== null && isRealDay(match[1], match[2], match[3]) && Number.isFinite(Date.parse(value as string));
}

export function isCalendarDate(value: unknown): value is string {
  const match = typeof value === 'string' ? CALENDAR_DATE.exec(value) : null;
  return match !== null && isRealDay(match[1], match[2], match[3]);
}

/** A rule name travels with each refinement so a refusal names it (`hasVisibleText`, `isTimestamp`...). */
function rule(name: string, message: string) {
  return { params: { rule: name }, message };
}

/** Required words: a string of at most `max` characters holding something visible. */
export function text(max: number) {
  return z.string().max(max).refine(hasVisibleText, rule('hasVisibleText', 'must contain visible characters, not only spaces'));
}

export const timestamp = z
  .string()
  .refine(isTimestamp, rule('isTimestamp', 'must be an ISO-8601 date-time with a zone, e.g. 2026-01-05T09:00:00Z'));
const dateOrTimestamp = z
  .string()
  .refine(
    (value) => isCalendarDate(value) || isTimestamp(value),
    rule('isDateOrTimestamp', 'must be an ISO-8601 date (2026-03-01) or date-time with a zone'),
  );

/** Ids are compared and stored in one canonical form (lower case), so case cannot lock anyone out. */
const uuid = z
  .string()
  .refine((value) => UUID.test(value), rule('isUuid', 'must be a UUID'))
  .transform((value) => value.toLowerCase());

const pence = z.int().min(0).max(MAX_PENCE);
const revision = z.int().min(0);
const planVersion = z.int().min(1).max(1_000_000);

const MAX_RECORD_KEYS = 50;
const recordKey = z.string().min(1).max(100).refine(hasVisibleText, rule('hasVisibleText', 'keys must contain visible characters'));
/** `{ topic: choice }`, both words. */
const choices = z
  .record(recordKey, text(1_000))
  .refine((value) => Object.keys(value).length <= MAX_RECORD_KEYS, rule('maxKeys', `at most ${MAX_RECORD_KEYS} entries`));
/** An allocation tool's inputs: `{ name: string | number | boolean }`. */
const flatRecord = z
  .record(recordKey, z.union([text(1_000), z.number().finite(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= MAX_RECORD_KEYS, rule('maxKeys', `at most ${MAX_RECORD_KEYS} entries`));

const preferenceOverride = z.strictObject({ topic: text(SHORT_TEXT), reason: text(LONG_TEXT) });
const overrides = z.array(preferenceOverride).max(50);

/** Each funder once, so shares cannot be counted twice. */
function fundingShares() {
  return z
    .array(z.strictObject({ funder: z.enum(FUNDERS), amountPence: pence }))
    .max(FUNDERS.length)
    .refine(
      (shares) => new Set(shares.map((share) => share.funder)).size === shares.length,
      rule('uniqueFunders', 'names each funder at most once'),
    );
}

/** The per-version pieces a schema set is built from. */
export interface FactShapeOptions {
  /** A closed list of support categories (v2), or free words (v1). */
  supportCategories?: readonly string[];
  /** The bases on which an advocate or representative is appointed. */
  appointmentBases: readonly string[];
}

export type FactSchemas = { [K in EventType]?: z.ZodType<EventDataMap[K], unknown> };

function supportSchema(options: FactShapeOptions) {
  const category = options.supportCategories ? z.enum(options.supportCategories as [string, ...string[]]) : text(SHORT_TEXT);
  return z.strictObject({
    description: text(LONG_TEXT),
    category,
    costPence: pence,
    provider: text(SHORT_TEXT).optional(),
    heldAs: z.enum(DEPLOYMENTS).optional(),
    fundedBy: z.enum(FUNDERS).optional(),
  });
}

/** Version 1's facts: the vocabulary of DOMAIN.md with free-word support categories. */
export function factSchemasV1(options: FactShapeOptions) {
  return {
    ReferralReceived: z.strictObject({
      personId: uuid,
      fundingStream: z.enum(FUNDING_STREAMS),
      route: z.enum(ROUTES),
      source: text(SHORT_TEXT),
      summary: text(LONG_TEXT),
    }),
    AssessmentStarted: z.strictObject({ assessor: text(SHORT_TEXT) }),
    AssessmentCompleted: z.strictObject({
      eligible: z.boolean(),
      eligibleOutcomes: z.array(z.enum(ELIGIBILITY_OUTCOMES)).max(ELIGIBILITY_OUTCOMES.length),
      summary: text(LONG_TEXT),
      personViews: text(LONG_TEXT),
      reasons: text(LONG_TEXT),
      choices: choices.optional(),
      overridesPreference: overrides.optional(),
    }),
    IndicativeBudgetSet: z.strictObject({
      amountPence: pence,
      period: z.enum(BUDGET_PERIODS),
      method: z.strictObject({ tool: text(SHORT_TEXT), version: text(SHORT_TEXT) }),
      inputs: flatRecord,
    }),
    SupportPlanDrafted: z.strictObject({
      outcomes: z.array(text(LONG_TEXT)).max(100),
      supports: z.array(supportSchema(options)).max(200),
      period: z.enum(BUDGET_PERIODS),
      deployment: z.enum(DEPLOYMENTS),
      fundingShares: fundingShares().optional(),
      choices: choices.optional(),
      overBudgetReason: text(LONG_TEXT).optional(),
    }),
    SupportPlanSubmitted: z.strictObject({
      planVersion,
      personAgreement: z.enum(PERSON_AGREEMENT),
      personViews: text(LONG_TEXT).optional(),
    }),
    SupportPlanReturned: z.strictObject({
      planVersion,
      reasons: text(LONG_TEXT),
      changesRequested: z.array(text(LONG_TEXT)).min(1).max(100),
    }),
    SupportPlanApproved: z.strictObject({
      planVersion,
      finalBudgetPence: pence,
      period: z.enum(BUDGET_PERIODS),
      fundingShares: fundingShares().optional(),
      reasons: text(LONG_TEXT),
      budgetDifferenceReason: text(LONG_TEXT).optional(),
      choices: choices.optional(),
      overridesPreference: overrides.optional(),
    }),
    SupportStarted: z.strictObject({ startDate: dateOrTimestamp }),
    ReviewRequested: z.strictObject({ requestedBy: text(SHORT_TEXT), why: text(LONG_TEXT) }),
    ReviewStarted: z.strictObject({ reviewer: text(SHORT_TEXT) }),
    ReviewCompleted: z.strictObject({
      outcome: z.enum(REVIEW_OUTCOMES),
      reasons: text(LONG_TEXT),
      choices: choices.optional(),
      overridesPreference: overrides.optional(),
    }),
    PreferenceRecorded: z.strictObject({ topic: text(SHORT_TEXT), value: text(SHORT_TEXT), inTheirWords: text(LONG_TEXT) }),
    AdvocateAppointed: z.strictObject({
      advocateId: text(SHORT_TEXT),
      basis: z.enum(options.appointmentBases as [AppointmentBasis, ...AppointmentBasis[]]),
      notes: text(LONG_TEXT).optional(),
    }),
    AdvocateWithdrawn: z.strictObject({ advocateId: text(SHORT_TEXT), basis: text(LONG_TEXT) }),
    DecisionChallenged: z.strictObject({ decisionRevision: revision, grounds: text(LONG_TEXT), raisedBy: text(SHORT_TEXT) }),
    ChallengeResolved: z.strictObject({
      challengeRevision: revision,
      outcome: z.enum(CHALLENGE_OUTCOMES),
      reasons: text(LONG_TEXT),
      remedy: text(LONG_TEXT).optional(),
    }),
    DeadlineMissed: z.strictObject({ clock: text(SHORT_TEXT), dueAt: timestamp }),
    JourneyClosed: z.strictObject({ reason: z.enum(CLOSURE_REASONS), details: text(LONG_TEXT).optional() }),
  } satisfies FactSchemas;
}

/**
 * Version 2's facts: v1's, with a closed list of support categories, the plan's setting, advice
 * when not eligible, more bases of appointment, optional Client Level Data detail, and the events
 * of subject access. (A migration is the runtime's event, not a version's: workflows/migration.ts.)
 */
export function factSchemasV2(options: FactShapeOptions & { supportCategories: readonly string[] }) {
  const v1 = factSchemasV1(options);
  const support = supportSchema(options).extend(cldSupportFields());
  return {
    ...v1,
    ReferralReceived: v1.ReferralReceived.extend({ routeOfAccess: text(SHORT_TEXT).optional() }),
    AssessmentCompleted: v1.AssessmentCompleted.extend({
      adviceGiven: text(LONG_TEXT).optional(),
      assessmentType: text(SHORT_TEXT).optional(),
      method: text(SHORT_TEXT).optional(),
    }),
    ReviewCompleted: v1.ReviewCompleted.extend({ method: text(SHORT_TEXT).optional(), outcomesAchieved: text(SHORT_TEXT).optional() }),
    SupportPlanDrafted: v1.SupportPlanDrafted.extend({ supports: z.array(support).max(200), setting: z.enum(SETTINGS).optional() }),
    SupportPlanSubmitted: v1.SupportPlanSubmitted.extend({ overridesPreference: overrides.optional() }),
    AccessRequested: z.strictObject({ requestedBy: text(SHORT_TEXT), what: text(LONG_TEXT).optional() }),
    AccessRequestAnswered: z.strictObject({ requestRevision: revision, given: text(LONG_TEXT) }),
  } satisfies FactSchemas;
}

/** Where care is given: compared with the person's `place-of-care` and `place-of-death` wishes (v2). */
export const SETTINGS = ['home', 'care-home', 'nursing-home', 'hospice', 'hospital'] as const satisfies readonly Setting[];

/** Optional detail on a support that fills the Client Level Data return's service columns (v2). */
function cldSupportFields() {
  return {
    serviceType: text(SHORT_TEXT).optional(),
    serviceComponent: text(SHORT_TEXT).optional(),
    unitCostPence: pence.optional(),
    unitType: text(SHORT_TEXT).optional(),
    plannedUnitsPerWeek: z.number().finite().min(0).max(10_000).optional(),
  };
}

/** One broken rule of a fact, naming the field as a caller sent it (`data.supports.0.category`, `occurredAt`). */
export interface FactIssue {
  field: string;
  rule: string;
  message: string;
}

export type FactCheck = { ok: true; data: unknown } | { ok: false; issues: FactIssue[] };

/** Check a fact's data against its version's schema; the parsed data is what gets stored. */
export function checkFactShape(schemas: FactSchemas, type: EventType, data: unknown): FactCheck {
  const schema = schemas[type];
  if (!schema)
    return { ok: false, issues: [{ field: 'type', rule: 'unknownEvent', message: `${type} is not an event of this workflow version` }] };
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: result.error.issues.flatMap(issuesOf) };
}

function issuesOf(issue: z.core.$ZodIssue): FactIssue[] {
  const field = ['data', ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: `${field}.${key}`,
      rule: 'whitelistValidation',
      message: `property ${field}.${key} should not exist`,
    }));
  }
  return [{ field, rule: ruleOf(issue), message: `${field} ${issue.message}` }];
}

const TYPE_RULES: Record<string, string> = {
  string: 'isString',
  number: 'isNumber',
  int: 'isInt',
  boolean: 'isBoolean',
  array: 'isArray',
  object: 'isObject',
};

/** Rule names in class-validator's words, which the API has always answered with. */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_RULES[issue.expected] ?? `is${issue.expected}`;
    case 'too_big':
      return issue.origin === 'string' ? 'maxLength' : issue.origin === 'array' ? 'arrayMaxSize' : 'max';
    case 'too_small':
      return issue.origin === 'string' ? 'minLength' : issue.origin === 'array' ? 'arrayMinSize' : 'min';
    case 'invalid_value':
      return 'isIn';
    case 'custom':
      return (issue.params as { rule?: string } | undefined)?.rule ?? 'invalid';
    default:
      return issue.code;
  }
}
