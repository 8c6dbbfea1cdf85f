import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsPosition } from './position.validator';

/** The paging and read-your-writes parameters of every list served from the read models. */
export class ReadModelPageQuery {
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
