import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { EVENT_TYPES, type EventType } from '../../../workflows';
import { IsTimestamp } from './record-validators';

/**
 * The fact's data exactly as sent: class-transformer would rebuild it and silently drop keys such
 * as `__proto__`, and the workflow (which checks every fact's shape against its version's schema)
 * must see, and refuse, whatever the caller really sent.
 */
const AsSent = () => Transform(({ obj }: { obj: Record<string, unknown> }) => obj.data, { toClassOnly: true });

/**
 * `POST /journeys/:id/events`. The envelope is checked here; `data` is checked by the workflow
 * version of the journey (workflows/support-planning/facts.ts), which knows its shape.
 */
export class RecordEventBody {
  @ApiProperty({ enum: EVENT_TYPES })
  @IsIn(EVENT_TYPES)
  type!: EventType;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The fact, as its event type defines it' })
  @AsSent()
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
  @AsSent()
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
