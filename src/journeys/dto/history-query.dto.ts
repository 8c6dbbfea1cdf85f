import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Facts in one page of history unless the caller asks for fewer: a page, not the whole of a long journey. */
export const DEFAULT_HISTORY_PAGE = 200;
export const MAX_HISTORY_PAGE = 1000;

/** `GET /journeys/:id/history?limit=&after=<revision>`: one page of facts, after a revision. */
export class HistoryQuery {
  @ApiPropertyOptional({ default: DEFAULT_HISTORY_PAGE, maximum: MAX_HISTORY_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HISTORY_PAGE)
  limit = DEFAULT_HISTORY_PAGE;

  @ApiPropertyOptional({ description: 'The `next` of the previous page: facts after this revision' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  after?: number;
}
