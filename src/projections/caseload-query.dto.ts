import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsPosition } from './position.validator';
import { FUNDING_STREAMS, ROUTES } from '../../workflows';

const STATUSES = ['awaiting-referral', 'open', 'not-eligible', 'closed'] as const;

export class CaseloadQuery {
  @ApiPropertyOptional({ description: 'Full state path, e.g. open.supportPlanning' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  state?: string;

  @ApiPropertyOptional({ description: 'Journey step (leaf state), e.g. signOff' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  step?: string;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: string;

  @ApiPropertyOptional({ enum: FUNDING_STREAMS })
  @IsOptional()
  @IsIn(FUNDING_STREAMS)
  fundingStream?: string;

  @ApiPropertyOptional({ enum: ROUTES })
  @IsOptional()
  @IsIn(ROUTES)
  route?: string;

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

  @ApiPropertyOptional({ description: 'A position from a write response: wait until the list includes it' })
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
