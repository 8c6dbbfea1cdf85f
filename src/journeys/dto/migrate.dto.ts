import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, MaxLength, Min } from 'class-validator';

/** `POST /journeys/:id/migrations`: move a journey to a later workflow version, and say why. */
export class MigrateJourneyBody {
  @ApiProperty({ description: 'The workflow version to move the journey to', example: 2 })
  @IsInt()
  @Min(1)
  to!: number;

  @ApiProperty({ description: 'Why the journey moves: recorded on the WorkflowMigrated event' })
  @IsString()
  @MaxLength(10_000)
  reason!: string;
}
