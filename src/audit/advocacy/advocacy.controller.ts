import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { assertJourneyAccess } from '../../access';
import type { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { JourneyIdPipe } from '../../journeys/journey-id.pipe';
import { decisionsView, preferencesView, type DecisionsView, type PreferencesView } from './advocacy-views';
import { AuditedJourneys, journeyView } from '../audited-journeys';
import { LogsJourneyRead } from '../../access-log/access-log.interceptor';
import { ShowsIntegrity } from '../../integrity/integrity.interceptor';

/**
 * What an advocate (or the person, or anyone who may see the journey) reads before contesting a
 * decision. Access is the one policy every journey route uses; the journey is read as the audit
 * routes read it, so a record that does not verify is shown with its warning, not a 500.
 */
@ApiTags('advocacy')
@ApiBearerAuth()
@Controller('journeys')
export class AdvocacyController {
  constructor(private readonly journeys: AuditedJourneys) {}

  @Get(':id/decisions')
  @LogsJourneyRead()
  @ShowsIntegrity()
  @ApiOperation({
    summary: 'Each decision: who, role, when, reasons, the facts it rested on, preferences followed or overridden, challenges',
  })
  async decisions(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<DecisionsView> {
    const journey = await this.journeys.read(id);
    assertJourneyAccess(actor, journey.relations);
    return journeyView(journey, decisionsView);
  }

  @Get(':id/preferences')
  @LogsJourneyRead()
  @ShowsIntegrity()
  @ApiOperation({ summary: 'Each preference in the person’s words, and every later decision that followed it or went against it' })
  async preferences(@CurrentActor() actor: Actor, @Param('id', JourneyIdPipe) id: string): Promise<PreferencesView> {
    const journey = await this.journeys.read(id);
    assertJourneyAccess(actor, journey.relations);
    return journeyView(journey, preferencesView);
  }
}
