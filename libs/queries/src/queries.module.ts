import { Module } from '@nestjs/common';
import { ProjectionWatermark } from '@ledger/projections';
import { CostsController } from './costs.controller';
import { GetCostSummaryHandler } from './cost-summary/get-cost-summary.query';
import { GetExecutionCostHandler } from './execution-cost/get-execution-cost.query';
import { ListExecutionCostsHandler } from './execution-cost/list-execution-costs.query';
import { GetSessionCostHandler } from './session-cost/get-session-cost.query';
import { ListSessionCostsHandler } from './session-cost/list-session-costs.query';

@Module({
  controllers: [CostsController],
  providers: [ProjectionWatermark, GetSessionCostHandler, ListSessionCostsHandler, GetExecutionCostHandler, ListExecutionCostsHandler, GetCostSummaryHandler],
})
export class QueriesModule {}
