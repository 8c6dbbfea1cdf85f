import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { EVENT_TYPES, type EventType } from '../../../workflows';
import { IsTimestamp } from './record-validators';

/**
 * `POST /journeys/:id/events`. The shape is checked here; `data` is checked against the class
 * for its `type` (event-data.dto.ts) once the type is known to be valid.
 */
export class RecordEventBody {
  @ApiProperty({ enum: EVENT_TYPES })
  @IsIn(EVENT_TYPES)
  type!: EventType;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The fact, as its event type defines it' })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'When it happened in the world (ISO-8601 UTC); defaults to now' })
  @IsOptional()
  @IsTimestamp()
  occurredAt?: string;

  @ApiPropertyOptional({ description: 'The reason given for recording it' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  reason?: string;
}

/** `POST /journeys`: opens a journey with its ReferralReceived fact. */
export class OpenJourneyBody {
  @ApiPropertyOptional({ enum: ['ReferralReceived'] })
  @IsOptional()
  @IsIn(['ReferralReceived'])
  type?: 'ReferralReceived';

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The ReferralReceived fact' })
  @IsObject()
  data!: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsTimestamp()
  occurredAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  reason?: string;
}
