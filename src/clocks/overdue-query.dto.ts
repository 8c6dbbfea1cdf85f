import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { FUNDING_STREAMS } from '../../workflows';

/** The filters of every clock list: GET /clocks/late-entries takes exactly these. */
export class ClockListQuery {
  @ApiPropertyOptional({ description: 'Only this clock, e.g. fast-track-care-in-place' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  clock?: string;

  @ApiPropertyOptional({ enum: FUNDING_STREAMS })
  @IsOptional()
  @IsIn(FUNDING_STREAMS)
  fundingStream?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}

export class OverdueQuery extends ClockListQuery {
  @ApiPropertyOptional({ default: 24, description: 'Also list running clocks due within this many hours' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(24 * 90)
  withinHours = 24;
}
