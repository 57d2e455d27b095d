import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI shapes of the Stevora `/v1` cost routes: the seed's fields, plus the ledger's extensions. */
const usd = (description = 'USD as a JSON number (the seed mandates it), converted once from the exact decimal.') =>
  ApiProperty({ type: 'number', nullable: true, description });
const exact = () => ApiProperty({ type: 'string', nullable: true, description: 'The exact decimal behind the number.' });

class RunCallDoc {
  @ApiProperty({ type: 'string', nullable: true, description: 'step_name, else phase_id, else null.' }) stepName: string | null;
  @ApiProperty() model: string;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @usd('Null when the call is unpriced.') costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
  @ApiProperty({ enum: ['priced', 'unpriced'] }) pricingStatus: string;
  @ApiProperty() eventId: string;
  @ApiProperty() sessionId: string;
}

class CostGroupDoc {
  @ApiProperty({ type: 'string', nullable: true }) key: string | null;
  @usd() costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() calls: number;
  @ApiProperty() unpricedCalls: number;
}

class WorkflowRunCostData {
  @ApiProperty() workflowRunId: string;
  @ApiProperty({ type: 'number', description: 'LLM cost of all the run’s calls (every page).' }) totalCostUsd: number;
  @ApiProperty() totalCostUsdExact: string;
  @ApiProperty() totalInputTokens: number;
  @ApiProperty() totalOutputTokens: number;
  @ApiProperty({ type: [RunCallDoc], description: 'Oldest first; a page of `calls_limit`.' }) calls: RunCallDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as calls_cursor for the next page.' }) nextCallsCursor: string | null;
  @ApiProperty() totalCacheCreationTokens: number;
  @ApiProperty() totalCacheReadTokens: number;
  @ApiProperty() totalCalls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ enum: ['complete', 'partial'] }) pricingStatus: string;
  @ApiProperty({ description: 'ToolCalled compute cost of the run, beside the LLM total.' }) computeCostUsdExact: string;
  @ApiProperty({ type: 'string', nullable: true }) workflowId: string | null;
  @ApiPropertyOptional({ type: [CostGroupDoc], description: 'With group_by=step|model|phase.' }) breakdown?: CostGroupDoc[];
}

export class WorkflowRunCostResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: WorkflowRunCostData }) data: WorkflowRunCostData;
}

class ModelCostDoc {
  @ApiProperty() model: string;
  @usd('Token cost of the model’s priced calls; null when none is priced.') costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
  @ApiProperty() calls: number;
  @ApiProperty() unpricedCalls: number;
}

class CostRangeSummaryData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to: string | null;
  @ApiProperty({ type: 'number', description: 'Token plus compute cost, priced calls only.' }) totalCostUsd: number;
  @ApiProperty() totalCostUsdExact: string;
  @ApiProperty() tokenCostUsdExact: string;
  @ApiProperty() computeCostUsdExact: string;
  @ApiProperty() totalInputTokens: number;
  @ApiProperty() totalOutputTokens: number;
  @ApiProperty() totalCacheCreationTokens: number;
  @ApiProperty() totalCacheReadTokens: number;
  @ApiProperty({ description: 'Runs with usage in the range.' }) totalRuns: number;
  @ApiProperty() totalCalls: number;
  @ApiProperty() totalToolCalls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ enum: ['complete', 'partial'] }) pricingStatus: string;
  @ApiProperty({ type: [ModelCostDoc], description: 'Sorted by cost, descending.' }) byModel: ModelCostDoc[];
}

export class CostRangeSummaryResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CostRangeSummaryData }) data: CostRangeSummaryData;
}

class SeriesGroupDoc extends CostGroupDoc {
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
}

class SeriesBucketDoc {
  @ApiProperty({ description: 'Local start of the period in tz, with its offset.' }) start: string;
  @ApiProperty({ description: 'Local end (exclusive).' }) end: string;
  @usd() costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
  @ApiProperty() calls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ type: [SeriesGroupDoc] }) groups: SeriesGroupDoc[];
}

class CostTimeseriesData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ enum: ['hour', 'day', 'week', 'month'] }) granularity: string;
  @ApiProperty({ example: 'Europe/Berlin' }) tz: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: 'string', nullable: true, enum: ['model', 'workflow', 'phase', 'tool', null] }) groupBy: string | null;
  @ApiProperty() totalCostUsd: number;
  @ApiProperty() totalCostUsdExact: string;
  @ApiProperty({ type: [SeriesBucketDoc], description: 'Every period, empty ones as zeros.' }) buckets: SeriesBucketDoc[];
}

export class CostTimeseriesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CostTimeseriesData }) data: CostTimeseriesData;
}
