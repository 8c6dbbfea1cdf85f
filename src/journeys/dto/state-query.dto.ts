import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsTimestamp } from './record-validators';

/** `?revision=<n>` or `?at=<ISO time>` (or both: whichever is earlier wins). */
export class StateQuery {
  @ApiPropertyOptional({ description: 'Revision to stop at (inclusive)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  revision?: number;

  @ApiPropertyOptional({ description: 'ISO-8601 time: what the engine had recorded by then' })
  @IsOptional()
  @IsTimestamp()
  at?: string;
}
