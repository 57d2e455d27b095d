import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal, readScope } from '@ledger/auth';
import { ApiV1Errors } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IntegerParam, ReadParams, StringParam } from '../shared/query-params';
import { ReadYourWritesInterceptor } from '../shared/read-your-writes.interceptor';
import { RunCallDoc } from '../shared/stevora.schemas';
import { GetSessionCalls } from './get-session-calls.query';

export class SessionCallsParams extends ReadParams {
  @IntegerParam({ min: 1, max: 1000, default: 100, description: 'Calls per page.' })
  calls_limit = 100;

  @StringParam({ maxLength: 512, description: 'The opaque `data.nextCallsCursor` of the previous page.' })
  calls_cursor?: string;
}

class SessionCallDoc extends RunCallDoc {
  @ApiProperty({ type: 'number', nullable: true, description: 'The call’s own `reported_cost_usd`; null when it reported none. Never replaces costUsd.' })
  reportedCostUsd: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The exact decimal behind the number.' }) reportedCostUsdExact: string | null;
  @ApiProperty({ type: 'number', nullable: true, description: 'Computed minus reported; null unless the call has both (a partly priced call is not reconciled).' })
  costDriftUsd: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'The exact decimal behind the number.' }) costDriftUsdExact: string | null;
}

class SessionCallsData {
  @ApiProperty() sessionId: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The session’s execution (workflow run); null when it names none.' }) workflowRunId: string | null;
  @ApiProperty({ type: [SessionCallDoc], description: 'The session’s TokenUsed calls, oldest first; a page of `calls_limit`.' }) calls: SessionCallDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as calls_cursor for the next page.' }) nextCallsCursor: string | null;
}

class SessionCallsResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: SessionCallsData }) data: SessionCallsData;
}

/** A session's calls in the Stevora family's shape: what a run's page of calls says, per call with the runtime's reported cost beside it. */
@ApiTags('stevora')
@ApiV1Errors(400, 401)
@Controller('v1/sessions')
@UseInterceptors(ReadYourWritesInterceptor)
export class SessionCallsController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':session_id/calls')
  @ApiOperation({ summary: 'Extension: a session’s model calls, oldest first, each with its cost, the runtime’s reported cost and the drift between them' })
  @ApiOkResponse({ type: SessionCallsResponse })
  @ApiV1Errors(404, 409)
  async calls(@Param('session_id') sessionId: string, @Query() q: SessionCallsParams, @CurrentPrincipal() p: Principal) {
    return { success: true, data: await this.queries.execute(new GetSessionCalls(readScope(p, q.workspace_id), sessionId, q.calls_limit, q.calls_cursor)) };
  }
}
