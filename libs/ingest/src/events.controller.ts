import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal } from '@ledger/auth';
import { Clock } from '@ledger/config';
import { ForbiddenError } from '@ledger/http';
import { parseUsageBatch } from './parse-usage-batch';
import { RecordUsageEvents } from './record-usage.command';

@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(202)
  async record(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    if (principal.kind !== 'workspace') throw new ForbiddenError('usage events are recorded with a workspace key; the admin key has no workspace');
    const events = parseUsageBatch(body, principal.workspaceId, this.clock.now());
    const result = await this.commands.execute(new RecordUsageEvents(principal.workspaceId, events));
    return { success: true, data: result };
  }
}
