import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { DECISION_TYPES, type DecisionType } from './decisions.projection';
import { ReadModelPageQuery } from './read-model-page-query.dto';

/** `true` / `false` as query strings; anything else is left as it came, for IsBoolean to refuse. */
function booleanFromQuery({ value }: { value: unknown }): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export class DecisionsQuery extends ReadModelPageQuery {
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
}
