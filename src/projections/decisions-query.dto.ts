import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsPosition } from './position.validator';
import { DECISION_TYPES, type DecisionType } from './decisions.projection';

/** `true` / `false` as query strings; anything else is left as it came, for IsBoolean to refuse. */
function booleanFromQuery({ value }: { value: unknown }): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export class DecisionsQuery {
  @ApiPropertyOptional({ enum: DECISION_TYPES })
  @IsOptional()
  @IsIn(DECISION_TYPES)
  type?: DecisionType;

  @ApiPropertyOptional({ description: 'Only decisions made by this actor (the id their token carried)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Only decisions that were (true) or were never (false) challenged' })
  @IsOptional()
  @Transform(booleanFromQuery)
  @IsBoolean()
  challenged?: boolean;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  offset = 0;

  @ApiPropertyOptional({ description: 'A position from a write response: wait until the index includes it' })
  @IsOptional()
  @IsPosition()
  after?: string;

  @ApiPropertyOptional({ default: 2000, maximum: 10000, description: 'How long to wait for `after` (ms)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  waitMs = 2000;
}
