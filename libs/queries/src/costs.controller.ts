import { Controller, Get, Param, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal, readScope } from '@ledger/auth';
import { ApiSyntropicErrors, FastApiQuery } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CostSummaryDoc, ExecutionCostDoc, SessionCostDoc } from './shared/syntropic.schemas';
import type { Request, Response } from 'express';
import { GetCostSummary } from './cost-summary/get-cost-summary.query';
import { GetExecutionCost } from './execution-cost/get-execution-cost.query';
import { ListExecutionCosts } from './execution-cost/list-execution-costs.query';
import { ListExecutionCostsSorted } from './execution-cost/list-execution-costs-sorted.query';
import { DEFAULT_LIST_SORT, LIST_SORTS, ListSort, SORT_DESCRIPTION } from './shared/list-sort';
import { GetSessionCost } from './session-cost/get-session-cost.query';
import { ListSessionCosts } from './session-cost/list-session-costs.query';
import { ListSessionCostsSorted } from './session-cost/list-session-costs-sorted.query';
import { decodeCursor } from './shared/cursor';
import { Page } from './shared/page';
import { BooleanParam, BreakdownParams, OneOfParam, PageParams, ReadParams, StringParam } from './shared/query-params';
import { ReadYourWritesInterceptor } from './shared/read-your-writes.interceptor';
import { CALL_GROUP_BY, CallGroupBy } from './workflow-run-cost/call-breakdown';

@FastApiQuery()
export class ListSessionsParams extends PageParams {
  @StringParam({ maxLength: 128, emptyIsAbsent: true, description: 'Filter by execution ID; empty means no filter' })
  execution_id?: string;

  @OneOfParam({ values: LIST_SORTS, default: DEFAULT_LIST_SORT, description: SORT_DESCRIPTION })
  sort: ListSort = DEFAULT_LIST_SORT;
}

@FastApiQuery()
export class SessionParams extends BreakdownParams {
  @OneOfParam({ values: CALL_GROUP_BY, description: 'Extension: adds `breakdown`, the session’s model calls grouped by step, model, phase or price (the catalog row, model@effective_from, that priced them), most expensive first.' })
  group_by?: CallGroupBy;
}

@FastApiQuery()
export class ExecutionParams extends BreakdownParams {
  @BooleanParam({ default: false, description: 'Include list of session IDs.' })
  include_session_ids = false;
}

@FastApiQuery()
export class ListExecutionsParams extends PageParams {
  @OneOfParam({ values: LIST_SORTS, default: DEFAULT_LIST_SORT, description: SORT_DESCRIPTION })
  sort: ListSort = DEFAULT_LIST_SORT;
}

@FastApiQuery()
export class SummaryParams extends ReadParams {}

/** Keeps the seed's bare-array response and points to the next page with `Link: <…>; rel="next"`. */
function linkNext<T>(req: Request, res: Response, page: Page<T>): T[] {
  if (page.nextCursor) {
    // A repeated parameter counts by its last value (FastAPI), so the next page's link carries that one.
    const params = new URLSearchParams(Object.entries(req.query).map(([k, v]): [string, string] => [k, String(Array.isArray(v) ? v[v.length - 1] : v)]));
    params.set('cursor', page.nextCursor);
    res.setHeader('Link', `<${req.path}?${params.toString()}>; rel="next"`);
  }
  return page.items;
}

/**
 * The Syntropic137 `/costs` API, shape for shape, also under `/api/v1/costs`, where Syntropic137's own
 * CLI asks unless told `SYN_NO_PREFIX=1`.
 */
@ApiTags('syntropic137')
@ApiSyntropicErrors(401, 403, 422, 503)
@Controller(['costs', 'api/v1/costs'])
@UseInterceptors(ReadYourWritesInterceptor)
export class CostsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions')
  @ApiOperation({ summary: 'Session costs, newest first or as `sort` says; the next page is in the Link header' })
  @ApiOkResponse({ type: [SessionCostDoc] })
  async listSessions(@Query() q: ListSessionsParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const scope = readScope(p, q.workspace_id);
    const page =
      q.sort === DEFAULT_LIST_SORT
        ? await this.queries.execute(new ListSessionCosts(scope, q.execution_id, q.limit, decodeCursor(q.cursor)))
        : await this.queries.execute(new ListSessionCostsSorted(scope, q.execution_id, q.sort, q.limit, q.cursor));
    return linkNext(req, res, page);
  }

  @Get('sessions/:session_id')
  @ApiOperation({ summary: 'One session’s cost; a unique prefix of its id is enough (409 lists the candidates when several match)' })
  @ApiOkResponse({ type: SessionCostDoc })
  @ApiSyntropicErrors(404, 409)
  getSession(@Param('session_id') sessionId: string, @Query() q: SessionParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetSessionCost(readScope(p, q.workspace_id), sessionId, q.include_breakdown, q.group_by));
  }

  @Get('executions')
  @ApiOperation({ summary: 'Execution (workflow run) costs, newest first or as `sort` says; the next page is in the Link header' })
  @ApiOkResponse({ type: [ExecutionCostDoc] })
  async listExecutions(@Query() q: ListExecutionsParams, @CurrentPrincipal() p: Principal, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const scope = readScope(p, q.workspace_id);
    const page =
      q.sort === DEFAULT_LIST_SORT
        ? await this.queries.execute(new ListExecutionCosts(scope, q.limit, decodeCursor(q.cursor)))
        : await this.queries.execute(new ListExecutionCostsSorted(scope, q.sort, q.limit, q.cursor));
    return linkNext(req, res, page);
  }

  @Get('executions/:execution_id')
  @ApiOperation({ summary: 'One execution’s cost, summed over its sessions; a unique prefix of its id is enough (409 lists the candidates when several match)' })
  @ApiOkResponse({ type: ExecutionCostDoc })
  @ApiSyntropicErrors(404, 409)
  getExecution(@Param('execution_id') executionId: string, @Query() q: ExecutionParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetExecutionCost(readScope(p, q.workspace_id), executionId, q.include_breakdown, q.include_session_ids));
  }

  @Get('summary')
  @ApiOperation({ summary: 'Workspace totals with the top models and sessions' })
  @ApiOkResponse({ type: CostSummaryDoc })
  summary(@Query() q: SummaryParams, @CurrentPrincipal() p: Principal) {
    return this.queries.execute(new GetCostSummary(readScope(p, q.workspace_id)));
  }
}
