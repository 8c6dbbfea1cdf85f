import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { FUNDING_STREAMS, ROUTES } from '../../workflows';
import { ReadModelPageQuery } from './read-model-page-query.dto';

const STATUSES = ['awaiting-referral', 'open', 'not-eligible', 'closed'] as const;

export class CaseloadQuery extends ReadModelPageQuery {
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
}
