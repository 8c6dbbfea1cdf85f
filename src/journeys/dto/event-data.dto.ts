/**
 * One class per event type, validating the `data` of a recorded fact. Each implements the
 * workflow's own data interface, so the compiler keeps the two in step. Money is integer pence,
 * never negative; free text is bounded so a record cannot be flooded.
 */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
  ValidateNested,
  Max,
} from 'class-validator';
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
  type AdvocateAppointedData,
  type AdvocateWithdrawnData,
  type AssessmentCompletedData,
  type AssessmentStartedData,
  type BudgetPeriod,
  type ChallengeOutcome,
  type ChallengeResolvedData,
  type ClosureReason,
  type DeadlineMissedData,
  type DecisionChallengedData,
  type Deployment,
  type EligibilityOutcome,
  type EventType,
  type Funder,
  type FundingShare,
  type FundingStream,
  type IndicativeBudgetSetData,
  type JourneyClosedData,
  type PersonAgreement,
  type PreferenceOverride,
  type PreferenceRecordedData,
  type ReferralReceivedData,
  type ReviewCompletedData,
  type ReviewOutcome,
  type ReviewRequestedData,
  type ReviewStartedData,
  type Route,
  type Support,
  type SupportPlanApprovedData,
  type SupportPlanDraftedData,
  type SupportPlanReturnedData,
  type SupportPlanSubmittedData,
  type SupportStartedData,
} from '../../../workflows';
import { IsChoices, IsDateOrTimestamp, IsFlatRecord, IsTimestamp } from './record-validators';

const SHORT = 200;
const LONG = 10_000;
/** £100m a period: far above any real budget, well inside integer precision. */
const MAX_PENCE = 10_000_000_000;

export class ReferralReceivedDto implements ReferralReceivedData {
  @IsUUID() personId!: string;
  @IsIn(FUNDING_STREAMS) fundingStream!: FundingStream;
  @IsIn(ROUTES) route!: Route;
  @IsString() @IsNotEmpty() @MaxLength(SHORT) source!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) summary!: string;
}

export class AssessmentStartedDto implements AssessmentStartedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) assessor!: string;
}

export class PreferenceOverrideDto implements PreferenceOverride {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) topic!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) reason!: string;
}

export class AssessmentCompletedDto implements AssessmentCompletedData {
  @IsBoolean() eligible!: boolean;
  @IsIn(ELIGIBILITY_OUTCOMES, { each: true }) @ArrayMaxSize(ELIGIBILITY_OUTCOMES.length) eligibleOutcomes!: EligibilityOutcome[];
  @IsString() @IsNotEmpty() @MaxLength(LONG) summary!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) personViews!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) reasons!: string;
  @IsOptional() @IsChoices() choices?: Record<string, string>;
  @IsOptional() @ValidateNested({ each: true }) @ArrayMaxSize(50) @Type(() => PreferenceOverrideDto)
  overridesPreference?: PreferenceOverrideDto[];
}

export class AllocationMethodDto {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) tool!: string;
  @IsString() @IsNotEmpty() @MaxLength(SHORT) version!: string;
}

export class IndicativeBudgetSetDto implements IndicativeBudgetSetData {
  @IsInt() @Min(0) @Max(MAX_PENCE) amountPence!: number;
  @IsIn(BUDGET_PERIODS) period!: BudgetPeriod;
  @ValidateNested() @Type(() => AllocationMethodDto) @IsObject() method!: AllocationMethodDto;
  @IsFlatRecord() inputs!: Record<string, string | number | boolean>;
}

export class SupportDto implements Support {
  @IsString() @IsNotEmpty() @MaxLength(LONG) description!: string;
  @IsString() @IsNotEmpty() @MaxLength(SHORT) category!: string;
  @IsInt() @Min(0) @Max(MAX_PENCE) costPence!: number;
  @IsOptional() @IsString() @MaxLength(SHORT) provider?: string;
  @IsOptional() @IsIn(DEPLOYMENTS) heldAs?: Deployment;
  @IsOptional() @IsIn(FUNDERS) fundedBy?: Funder;
}

export class FundingShareDto implements FundingShare {
  @IsIn(FUNDERS) funder!: Funder;
  @IsInt() @Min(0) @Max(MAX_PENCE) amountPence!: number;
}

export class SupportPlanDraftedDto implements SupportPlanDraftedData {
  @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(LONG, { each: true }) @ArrayMaxSize(100) outcomes!: string[];
  @ValidateNested({ each: true }) @ArrayMaxSize(200) @Type(() => SupportDto) supports!: SupportDto[];
  @IsIn(BUDGET_PERIODS) period!: BudgetPeriod;
  @IsIn(DEPLOYMENTS) deployment!: Deployment;
  @IsOptional() @ValidateNested({ each: true }) @ArrayMaxSize(2) @Type(() => FundingShareDto) fundingShares?: FundingShareDto[];
  @IsOptional() @IsChoices() choices?: Record<string, string>;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(LONG) overBudgetReason?: string;
}

export class SupportPlanSubmittedDto implements SupportPlanSubmittedData {
  @IsInt() @Min(1) planVersion!: number;
  @IsIn(PERSON_AGREEMENT) personAgreement!: PersonAgreement;
  @IsOptional() @IsString() @MaxLength(LONG) personViews?: string;
}

export class SupportPlanReturnedDto implements SupportPlanReturnedData {
  @IsInt() @Min(1) planVersion!: number;
  @IsString() @IsNotEmpty() @MaxLength(LONG) reasons!: string;
  @IsString({ each: true }) @IsNotEmpty({ each: true }) @ArrayMinSize(1) @ArrayMaxSize(100) changesRequested!: string[];
}

export class SupportPlanApprovedDto implements SupportPlanApprovedData {
  @IsInt() @Min(1) planVersion!: number;
  @IsInt() @Min(0) @Max(MAX_PENCE) finalBudgetPence!: number;
  @IsIn(BUDGET_PERIODS) period!: BudgetPeriod;
  @IsOptional() @ValidateNested({ each: true }) @ArrayMaxSize(2) @Type(() => FundingShareDto) fundingShares?: FundingShareDto[];
  @IsString() @IsNotEmpty() @MaxLength(LONG) reasons!: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(LONG) budgetDifferenceReason?: string;
  @IsOptional() @IsChoices() choices?: Record<string, string>;
  @IsOptional() @ValidateNested({ each: true }) @ArrayMaxSize(50) @Type(() => PreferenceOverrideDto)
  overridesPreference?: PreferenceOverrideDto[];
}

export class SupportStartedDto implements SupportStartedData {
  @IsDateOrTimestamp() startDate!: string;
}

export class ReviewRequestedDto implements ReviewRequestedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) requestedBy!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) why!: string;
}

export class ReviewStartedDto implements ReviewStartedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) reviewer!: string;
}

export class ReviewCompletedDto implements ReviewCompletedData {
  @IsIn(REVIEW_OUTCOMES) outcome!: ReviewOutcome;
  @IsString() @IsNotEmpty() @MaxLength(LONG) reasons!: string;
  @IsOptional() @IsChoices() choices?: Record<string, string>;
  @IsOptional() @ValidateNested({ each: true }) @ArrayMaxSize(50) @Type(() => PreferenceOverrideDto)
  overridesPreference?: PreferenceOverrideDto[];
}

export class PreferenceRecordedDto implements PreferenceRecordedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) topic!: string;
  @IsString() @IsNotEmpty() @MaxLength(SHORT) value!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) inTheirWords!: string;
}

export class AdvocateAppointedDto implements AdvocateAppointedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) advocateId!: string;
  @IsIn(['care-act-s67', 'chosen-by-person', 'other']) basis!: AdvocateAppointedData['basis'];
  @IsOptional() @IsString() @MaxLength(LONG) notes?: string;
}

export class AdvocateWithdrawnDto implements AdvocateWithdrawnData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) advocateId!: string;
  @IsString() @IsNotEmpty() @MaxLength(LONG) basis!: string;
}

export class DecisionChallengedDto implements DecisionChallengedData {
  @IsInt() @Min(0) decisionRevision!: number;
  @IsString() @IsNotEmpty() @MaxLength(LONG) grounds!: string;
  @IsString() @IsNotEmpty() @MaxLength(SHORT) raisedBy!: string;
}

export class ChallengeResolvedDto implements ChallengeResolvedData {
  @IsInt() @Min(0) challengeRevision!: number;
  @IsIn(CHALLENGE_OUTCOMES) outcome!: ChallengeOutcome;
  @IsString() @IsNotEmpty() @MaxLength(LONG) reasons!: string;
  @IsOptional() @IsString() @MaxLength(LONG) remedy?: string;
}

export class DeadlineMissedDto implements DeadlineMissedData {
  @IsString() @IsNotEmpty() @MaxLength(SHORT) clock!: string;
  @IsTimestamp() dueAt!: string;
}

export class JourneyClosedDto implements JourneyClosedData {
  @IsIn(CLOSURE_REASONS) reason!: ClosureReason;
  @IsOptional() @IsString() @MaxLength(LONG) details?: string;
}

/** The validating class for each event type's data. */
export const EVENT_DATA_DTOS: Record<EventType, new () => object> = {
  ReferralReceived: ReferralReceivedDto,
  AssessmentStarted: AssessmentStartedDto,
  AssessmentCompleted: AssessmentCompletedDto,
  IndicativeBudgetSet: IndicativeBudgetSetDto,
  SupportPlanDrafted: SupportPlanDraftedDto,
  SupportPlanSubmitted: SupportPlanSubmittedDto,
  SupportPlanReturned: SupportPlanReturnedDto,
  SupportPlanApproved: SupportPlanApprovedDto,
  SupportStarted: SupportStartedDto,
  ReviewRequested: ReviewRequestedDto,
  ReviewStarted: ReviewStartedDto,
  ReviewCompleted: ReviewCompletedDto,
  PreferenceRecorded: PreferenceRecordedDto,
  AdvocateAppointed: AdvocateAppointedDto,
  AdvocateWithdrawn: AdvocateWithdrawnDto,
  DecisionChallenged: DecisionChallengedDto,
  ChallengeResolved: ChallengeResolvedDto,
  DeadlineMissed: DeadlineMissedDto,
  JourneyClosed: JourneyClosedDto,
};
