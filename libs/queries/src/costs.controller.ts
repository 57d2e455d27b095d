import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal } from '@ledger/auth';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
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

export class ListSessionsParams extends PageParams {
  @IsOptional() @IsString() @MaxLength(128)
  execution_id?: string;
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
@Controller('costs')
@UseInterceptors(ReadYourWritesInterceptor)
export class CostsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions')
  async listSessions(@Query() q: ListSessionsParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = await this.queries.execute(new ListSessionCosts(readScope(p, q.workspace_id), q.execution_id, q.limit, decodeCursor(q.cursor)));
    return linkNext(req, res, page);
  }

  @Get('sessions/:session_id')
  getSession(@Param('session_id') sessionId: string, @Query() q: BreakdownParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetSessionCost(readScope(p, q.workspace_id), sessionId, q.include_breakdown));
  }

  @Get('executions')
  async listExecutions(@Query() q: PageParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const page = await this.queries.execute(new ListExecutionCosts(readScope(p, q.workspace_id), q.limit, decodeCursor(q.cursor)));
    return linkNext(req, res, page);
  }

  @Get('executions/:execution_id')
  getExecution(@Param('execution_id') executionId: string, @Query() q: ExecutionParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetExecutionCost(readScope(p, q.workspace_id), executionId, q.include_breakdown, q.include_session_ids));
  }

  @Get('summary')
  summary(@Query() q: ReadParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetCostSummary(readScope(p, q.workspace_id)));
  }
}
