import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Actor } from './actor';
import { CurrentActor } from './current-actor.decorator';

/** Shows the caller who the engine takes them to be: the quickest check that a token works. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('auth')
export class WhoAmIController {
  @Get('whoami')
  @ApiOkResponse({ description: 'The actor the bearer token proves: id, role, organisation, onBehalfOf.' })
  @ApiUnauthorizedResponse({ description: 'No valid token; the body says why.' })
  whoAmI(@CurrentActor() actor: Actor): Actor {
    return actor;
  }
}
