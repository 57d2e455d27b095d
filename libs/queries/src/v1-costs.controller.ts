import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CurrentPrincipal, Principal, readScope } from '@ledger/auth';
import { ApiV1Errors } from '@ledger/http';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CostRangeSummaryResponse, CostReconciliationResponse, CostTimeseriesResponse, WorkflowRunCostResponse } from './shared/stevora.schemas';
import { GetCostRangeSummary } from './cost-range-summary/get-cost-range-summary.query';
import { GROUP_DIMENSIONS, GroupDimension } from './cost-range-summary/rollup-range';
import { GetCostTimeseries } from './cost-timeseries/get-cost-timeseries.query';
import { Granularity, GRANULARITIES } from './cost-timeseries/time-buckets';
import { CALL_GROUP_BY, CallGroupBy } from './workflow-run-cost/call-breakdown';
import { GetWorkflowRunCost } from './workflow-run-cost/get-workflow-run-cost.query';
import { GetCostReconciliation, RECONCILIATION_GROUP_BY, ReconciliationGroupBy } from './reconciliation/get-cost-reconciliation.query';
import { IntegerParam, OneOfParam, ReadParams, StringParam } from './shared/query-params';
import { ReadYourWritesInterceptor } from './shared/read-your-writes.interceptor';

export class WorkflowRunCostParams extends ReadParams {
  @IntegerParam({ min: 1, max: 1000, default: 100, description: 'Extension: calls per page. Totals always cover the whole run.' })
  calls_limit = 100;

  @StringParam({ maxLength: 512, description: 'Extension: the opaque `data.nextCallsCursor` of the previous page.' })
  calls_cursor?: string;

  @OneOfParam({ values: CALL_GROUP_BY, description: 'Extension: adds `data.breakdown`, the run’s calls grouped by step, model, phase or price (the catalog row, model@effective_from, that priced them), most expensive first.' })
  group_by?: CallGroupBy;
}

export class CostRangeParams extends ReadParams {
  @StringParam({ maxLength: 64, format: 'date-time', what: 'a single ISO-8601 date-time', description: 'ISO-8601 date-time with a timezone, inclusive.' })
  from?: string;

  @StringParam({ maxLength: 64, format: 'date-time', what: 'a single ISO-8601 date-time', description: 'ISO-8601 date-time with a timezone, inclusive.' })
  to?: string;
}

/** How the groups of a dimension partition usage: where the usage without a key goes. */
const GROUPS_DOC =
  'Usage without a workflow or phase id is the group with key null, as are the tool calls grouping by model and the model calls grouping by tool. ' +
  '`service_tier` and `speed` group by what the provider served; the default (`standard`) is the remainder: the calls served by default, ' +
  'and the tool calls (ToolCalled has no tier or speed), so the groups always add up to the total.';

export class CostSummaryParams extends CostRangeParams {
  @OneOfParam({ values: GROUP_DIMENSIONS, description: `Extension: adds \`groups\`, the range's usage per model, workflow, phase, tool, service tier or speed. ${GROUPS_DOC}` })
  group_by?: GroupDimension;
}

export class CostTimeseriesParams extends CostRangeParams {
  @OneOfParam({ values: GRANULARITIES, default: 'day', description: 'The length of a period.' })
  granularity: Granularity = 'day';

  @OneOfParam({ values: GROUP_DIMENSIONS, description: `Split each period per model, workflow, phase, tool, service tier or speed. ${GROUPS_DOC}` })
  group_by?: GroupDimension;

  @StringParam({ maxLength: 64, default: 'UTC', what: 'a single IANA time zone name', description: 'IANA time zone the periods follow (Area/City), daylight-saving changes included.' })
  tz = 'UTC';
}

export class CostReconciliationParams extends CostRangeParams {
  @OneOfParam({
    values: RECONCILIATION_GROUP_BY,
    default: 'model',
    description: 'Groups per model (as sent), workflow or phase; `none` gives the total alone.',
  })
  group_by: ReconciliationGroupBy = 'model';
}

/**
 * The Stevora cost API (`/v1`, `{"success":true,"data":…}`), plus the time series. Money is a JSON number
 * in this family because the Stevora shape says so; each figure is converted once from its exact decimal,
 * which rides along as a `…Exact` decimal string.
 */
@ApiTags('stevora')
@ApiV1Errors(400, 401, 503)
@Controller('v1')
@UseInterceptors(ReadYourWritesInterceptor)
export class V1CostsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('workflow-runs/:id/cost')
  @ApiOperation({ summary: 'Cost of a workflow run (an execution) with its calls, paged by calls_limit/calls_cursor' })
  @ApiOkResponse({ type: WorkflowRunCostResponse })
  @ApiV1Errors(404, 409)
  async workflowRunCost(@Param('id') id: string, @Query() q: WorkflowRunCostParams, @CurrentPrincipal() p: Principal) {
    const data = await this.queries.execute(new GetWorkflowRunCost(readScope(p, q.workspace_id), id, q.calls_limit, q.calls_cursor, q.group_by));
    return { success: true, data };
  }

  @Get('cost/summary')
  @ApiOperation({ summary: 'Workspace cost summary, exact to the millisecond for any inclusive from/to range' })
  @ApiOkResponse({ type: CostRangeSummaryResponse })
  async summary(@Query() q: CostSummaryParams, @CurrentPrincipal() p: Principal) {
    return { success: true, data: await this.queries.execute(new GetCostRangeSummary(readScope(p, q.workspace_id), q.from, q.to, q.group_by)) };
  }

  @Get('cost/reconciliation')
  @ApiOperation({
    summary: 'Extension: the ledger’s cost beside the runtimes’ reported cost (reported_cost_usd) over an inclusive from/to range, per model, workflow or phase, with the calls that differ most',
  })
  @ApiOkResponse({ type: CostReconciliationResponse })
  async reconciliation(@Query() q: CostReconciliationParams, @CurrentPrincipal() p: Principal) {
    return { success: true, data: await this.queries.execute(new GetCostReconciliation(readScope(p, q.workspace_id), q.from, q.to, q.group_by)) };
  }

  @Get('cost/timeseries')
  @ApiOperation({ summary: 'Cost per period (hour, day, week, month) in a time zone, optionally per model, workflow, phase, tool, service tier or speed' })
  @ApiOkResponse({ type: CostTimeseriesResponse })
  async timeseries(@Query() q: CostTimeseriesParams, @CurrentPrincipal() p: Principal) {
    const query = new GetCostTimeseries(readScope(p, q.workspace_id), q.from, q.to, q.granularity, q.group_by, q.tz);
    return { success: true, data: await this.queries.execute(query) };
  }
}
