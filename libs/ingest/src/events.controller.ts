import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal } from '@ledger/auth';
import { Clock } from '@ledger/config';
import { ApiV1Errors, ForbiddenError, LedgerError } from '@ledger/http';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RecordUsageResponse, SessionFinalizedBody, TokenUsedBody, ToolCalledBody, UsageBatchBody } from './usage-batch.dto';
import { IngestMetrics } from './ingest.metrics';
import { parseUsageBatch } from './parse-usage-batch';
import { RecordUsageEvents } from './record-usage.command';

@ApiTags('ingestion')
@ApiExtraModels(TokenUsedBody, ToolCalledBody, SessionFinalizedBody)
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly metrics: IngestMetrics,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Record 1 to 1000 usage events', description: 'Answers only after every event is durably appended. Idempotent by event_id; nothing of a refused batch is stored.' })
  @ApiBody({ type: UsageBatchBody })
  @ApiAcceptedResponse({ type: RecordUsageResponse })
  @ApiV1Errors(400, 401, 403, 409, 413, 415)
  async record(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    try {
      if (principal.kind !== 'workspace') throw new ForbiddenError('usage events are recorded with a workspace key; the admin key has no workspace');
      const events = parseUsageBatch(body, principal.workspaceId, this.clock.now());
      this.metrics.batch(events.length);
      const result = await this.commands.execute(new RecordUsageEvents(principal.workspaceId, events));
      return { success: true, data: result };
    } catch (err) {
      if (err instanceof LedgerError && err.status < 500) this.metrics.refused(body);
      throw err;
    }
  }
}
