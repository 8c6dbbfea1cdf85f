import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

/** `GET /journeys/:id/access`: a page of the access log, by `after`. */
export class JourneyAccessQuery {
  @ApiPropertyOptional({ description: 'The `next` of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}

/** `GET /audit/access?journey=<id>` or `?actor=<id>` (or both), paged like the journey's own. */
export class AccessQuery extends JourneyAccessQuery {
  @ApiPropertyOptional({ description: 'Reads of this journey' })
  @IsOptional()
  @IsUUID()
  journey?: string;

  @ApiPropertyOptional({ description: 'Reads by this actor (token subject)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;
}
