import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { assertMayAccess } from '../access';
import type { Actor } from '../auth/actor';
import { CurrentActor } from '../auth/current-actor.decorator';
import { JourneyIdPipe } from '../journeys/journey-id.pipe';
import { JourneysService } from '../journeys/journeys.service';
import { decisionsView, preferencesView, type DecisionsView, type PreferencesView } from './advocacy-views';

/**
 * What an advocate (or the person, or anyone who may see the journey) reads before contesting a
 * decision. Access is the one policy every journey route uses (`assertMayAccess`).
 */
@ApiTags('advocacy')
@ApiBearerAuth()
@Controller('journeys')
export class AdvocacyController {
  constructor(private readonly journeys: JourneysService) {}

  @Get(':id/decisions')
  @ApiOperation({
    summary: 'Each decision: who, role, when, reasons, the facts it rested on, preferences followed or overridden, challenges',
  })
  async decisions(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<DecisionsView> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    return decisionsView(journey);
  }

  @Get(':id/preferences')
  @ApiOperation({ summary: 'Each preference in the person’s words, and every later decision that followed it or went against it' })
  async preferences(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<PreferencesView> {
    const journey = await this.journeys.load(id);
    assertMayAccess(actor, journey);
    return preferencesView(journey);
  }
}
