import { Module } from '@nestjs/common';
import { ProjectionWatermarkModule } from '@ledger/projections';
import { CostsController } from './costs.controller';
import { GetCostRangeSummaryHandler } from './cost-range-summary/get-cost-range-summary.query';
import { GetCostTimeseriesHandler } from './cost-timeseries/get-cost-timeseries.query';
import { GetCostSummaryHandler } from './cost-summary/get-cost-summary.query';
import { GetExecutionCostHandler } from './execution-cost/get-execution-cost.query';
import { ListExecutionCostsHandler } from './execution-cost/list-execution-costs.query';
import { ListExecutionCostsSortedHandler } from './execution-cost/list-execution-costs-sorted.query';
import { SessionCallsController } from './session-calls/session-calls.controller';
import { GetSessionCallsHandler } from './session-calls/get-session-calls.query';
import { ListSessionCostsSortedHandler } from './session-cost/list-session-costs-sorted.query';
import { GetSessionCostHandler } from './session-cost/get-session-cost.query';
import { ListSessionCostsHandler } from './session-cost/list-session-costs.query';
import { GetCostReconciliationHandler } from './reconciliation/get-cost-reconciliation.query';
import { V1CostsController } from './v1-costs.controller';
import { GetWorkflowRunCostHandler } from './workflow-run-cost/get-workflow-run-cost.query';

@Module({
  imports: [ProjectionWatermarkModule],
  controllers: [CostsController, V1CostsController, SessionCallsController],
  providers: [
    GetSessionCostHandler, ListSessionCostsHandler, GetExecutionCostHandler, ListExecutionCostsHandler, GetCostSummaryHandler,
    GetWorkflowRunCostHandler, GetCostRangeSummaryHandler, GetCostTimeseriesHandler,
    GetCostReconciliationHandler,
    ListExecutionCostsSortedHandler, ListSessionCostsSortedHandler, GetSessionCallsHandler,
  ],
})
export class QueriesModule {}
