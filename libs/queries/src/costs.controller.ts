import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal } from '@ledger/auth';
import { ApiSyntropicErrors } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CostSummaryDoc, ExecutionCostDoc, SessionCostDoc } from './shared/syntropic.schemas';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { GetCostSummary } from './cost-summary/get-cost-summary.query';
import { GetExecutionCost } from './execution-cost/get-execution-cost.query';
import { ListExecutionCosts } from './execution-cost/list-execution-costs.query';
import { GetSessionCost } from './session-cost/get-session-cost.query';
import { ListSessionCosts } from './session-cost/list-session-costs.query';
import { decodeCursor } from './shared/cursor';
import { Page } from './shared/page';
import { BreakdownParams, PageParams, ReadParams, toBoolean } from './shared/query-params';
import { ReadYourWritesInterceptor } from './shared/read-your-writes.interceptor';
import { readScope } from './shared/scope';
import { CALL_GROUP_BY, CallGroupBy } from './workflow-run-cost/call-breakdown';

export class ListSessionsParams extends PageParams {
  @IsOptional() @IsString() @MaxLength(128)
  execution_id?: string;
}

export class SessionParams extends BreakdownParams {
  /** Extension: adds `breakdown`, the session's model calls grouped by step, model or phase, most expensive first. */
  @IsOptional() @IsIn(CALL_GROUP_BY, { message: 'group_by must be one of step, model, phase' })
  group_by?: CallGroupBy;
}

export class ExecutionParams extends BreakdownParams {
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'include_session_ids must be true or false' })
  include_session_ids = false;
}

/** Keeps the seed's bare-array response and points to the next page with `Link: <…>; rel="next"`. */
function linkNext<T>(req: Request, res: Response, page: Page<T>): T[] {
  if (page.nextCursor) {
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.set('cursor', page.nextCursor);
    res.setHeader('Link', `<${req.path}?${params.toString()}>; rel="next"`);
  }
  return page.items;
}

/** The Syntropic137 `/costs` API, shape for shape. */
@ApiTags('syntropic137')
@ApiSyntropicErrors(401, 422)
@Controller('costs')
@UseInterceptors(ReadYourWritesInterceptor)
export class CostsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions')
  @ApiOperation({ summary: 'Session costs, newest first; the next page is in the Link header' })
  @ApiOkResponse({ type: [SessionCostDoc] })
  async listSessions(@Query() q: ListSessionsParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = await this.queries.execute(new ListSessionCosts(readScope(p, q.workspace_id), q.execution_id, q.limit, decodeCursor(q.cursor)));
    return linkNext(req, res, page);
  }

  @Get('sessions/:session_id')
  @ApiOperation({ summary: 'One session’s cost' })
  @ApiOkResponse({ type: SessionCostDoc })
  @ApiSyntropicErrors(404, 409)
  getSession(@Param('session_id') sessionId: string, @Query() q: SessionParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetSessionCost(readScope(p, q.workspace_id), sessionId, q.include_breakdown, q.group_by));
  }

  @Get('executions')
  @ApiOperation({ summary: 'Execution (workflow run) costs, newest first; the next page is in the Link header' })
  @ApiOkResponse({ type: [ExecutionCostDoc] })
  async listExecutions(@Query() q: PageParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = await this.queries.execute(new ListExecutionCosts(readScope(p, q.workspace_id), q.limit, decodeCursor(q.cursor)));
    return linkNext(req, res, page);
  }

  @Get('executions/:execution_id')
  @ApiOperation({ summary: 'One execution’s cost, summed over its sessions' })
  @ApiOkResponse({ type: ExecutionCostDoc })
  @ApiSyntropicErrors(404, 409)
  getExecution(@Param('execution_id') executionId: string, @Query() q: ExecutionParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetExecutionCost(readScope(p, q.workspace_id), executionId, q.include_breakdown, q.include_session_ids));
  }

  @Get('summary')
  @ApiOperation({ summary: 'Workspace totals with the top models and sessions' })
  @ApiOkResponse({ type: CostSummaryDoc })
  summary(@Query() q: ReadParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetCostSummary(readScope(p, q.workspace_id)));
  }
}
