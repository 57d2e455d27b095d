import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GROUP_DIMENSIONS } from '../cost-range-summary/rollup-range';
import { RECONCILIATION_GROUP_BY, WORST_CALLS } from '../reconciliation/get-cost-reconciliation.query';
import { COST_BY_CLASS_DOC, documentCallModifiers, documentUsageCounts, stevoraName, stevoraTotalName } from './usage-classes';

/** OpenAPI shapes of the Stevora `/v1` cost routes: the seed's fields, plus the ledger's extensions. */
const usd = (description = 'USD as a JSON number (the seed mandates it), converted once from the exact decimal.') =>
  ApiProperty({ type: 'number', nullable: true, description });
const exact = () => ApiProperty({ type: 'string', nullable: true, description: 'The exact decimal behind the number.' });

export class RunCallDoc {
  @ApiProperty({ type: 'string', nullable: true, description: 'step_name, else phase_id, else null.' }) stepName: string | null;
  @ApiProperty({ description: 'The model name as the call sent it.' }) model: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Extension: the provider the call named; null when it named none.' }) provider: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Extension: the catalog model the name resolved to (ADR 0022); null when no price covers the call.' })
  pricedModel: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Extension: the price row (model@effective_from, >threshold for a tier) that priced the call.' })
  priceRef: string | null;
  @usd('Null when the call is unpriced; its known part when it is partial.') costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({
    enum: ['priced', 'partial', 'unpriced'],
    description: '`partial`: the call has a price but used a class with no rate in it (web search on a row without a web-search rate); costUsd is the known part.',
  })
  pricingStatus: string;
  @ApiProperty() eventId: string;
  @ApiProperty() sessionId: string;
}
/** Every usage class's count of the call (`inputTokens`, …, `webSearchRequests`) and its non-default modifiers. */
documentUsageCounts(RunCallDoc, stevoraName);
documentCallModifiers(RunCallDoc);

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
  @ApiProperty({ type: [RunCallDoc], description: 'Oldest first; a page of `calls_limit`.' }) calls: RunCallDoc[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as calls_cursor for the next page.' }) nextCallsCursor: string | null;
  @ApiProperty({ description: 'TokenUsed events of the run.' }) totalCalls: number;
  @ApiProperty({ description: 'Extension: ToolCalled events of the run.' }) totalToolCalls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ enum: ['complete', 'partial'] }) pricingStatus: string;
  @ApiProperty({ type: 'number', description: 'Extension: ToolCalled compute cost of the run, not in totalCostUsd.' }) toolComputeCostUsd: number;
  @ApiProperty() toolComputeCostUsdExact: string;
  @ApiProperty({ type: 'string', nullable: true }) workflowId: string | null;
  @ApiProperty({ ...COST_BY_CLASS_DOC, description: `${COST_BY_CLASS_DOC.description} Over every call of the run: it adds up to totalCostUsdExact.` })
  costByClass: Record<string, string>;
  @usd('Extension: the costs the runtime reported (`reported_cost_usd` of TokenUsed), summed over the run’s calls that reported one; null when none did. Never replaces totalCostUsd.')
  reportedCostUsd: number | null;
  @exact() reportedCostUsdExact: string | null;
  @usd('Extension: computed minus reported cost, summed over the calls that have both (a call only partly priced is not one); null when no call has both.')
  costDriftUsd: number | null;
  @exact() costDriftUsdExact: string | null;
  @ApiPropertyOptional({ type: [CostGroupDoc], description: 'With group_by=step|model|phase|price (price: the catalog row that priced the calls, model@effective_from).' }) breakdown?: CostGroupDoc[];
}
/** The run's total of every usage class (`totalInputTokens`, …, `totalWebSearchRequests`), over every call. */
documentUsageCounts(WorkflowRunCostData, stevoraTotalName, (d) => `Summed over every call of the run. ${d}`);

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

class SeriesGroupDoc extends CostGroupDoc {
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
  @ApiProperty({ description: 'ToolCalled events.' }) toolCalls: number;
  @usd('Extension: ToolCalled compute cost, not in costUsd.') toolComputeCostUsd: number;
  @ApiProperty() toolComputeCostUsdExact: string;
}

class CostRangeSummaryData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to: string | null;
  @ApiProperty({ type: 'number', description: 'LLM cost of the priced calls: exactly the sum of byModel[].costUsd; tool compute cost is apart.' })
  totalCostUsd: number;
  @ApiProperty() totalCostUsdExact: string;
  @ApiProperty({ type: 'number', description: 'Extension: ToolCalled compute cost, not in totalCostUsd.' }) toolComputeCostUsd: number;
  @ApiProperty() toolComputeCostUsdExact: string;
  @ApiProperty() totalInputTokens: number;
  @ApiProperty() totalOutputTokens: number;
  @ApiProperty() totalCacheCreationTokens: number;
  @ApiProperty() totalCacheReadTokens: number;
  @ApiProperty({ description: 'Runs with usage in the range.' }) totalRuns: number;
  @ApiProperty({ description: 'TokenUsed events (model calls), as calls counts them in the time series.' }) totalCalls: number;
  @ApiProperty({ description: 'ToolCalled events.' }) totalToolCalls: number;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ enum: ['complete', 'partial'] }) pricingStatus: string;
  @ApiProperty({ type: [ModelCostDoc], description: 'Sorted by cost, descending.' }) byModel: ModelCostDoc[];
  @ApiPropertyOptional({ enum: GROUP_DIMENSIONS, description: 'Extension: the group_by asked, if any.' }) groupBy?: string;
  @ApiPropertyOptional({ type: [SeriesGroupDoc], description: 'Extension, with group_by: the range’s usage per key, most expensive first (see group_by).' })
  groups?: SeriesGroupDoc[];
}

export class CostRangeSummaryResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CostRangeSummaryData }) data: CostRangeSummaryData;
}

class SeriesBucketDoc {
  @ApiProperty({ description: 'Local start of the period in tz, with its offset. The first period counts usage from `from` on only.' }) start: string;
  @ApiProperty({ description: 'Local end (exclusive). The last period counts usage up to `to` (inclusive) only.' }) end: string;
  @usd('LLM cost of the period’s priced calls.') costUsd: number | null;
  @exact() costUsdExact: string | null;
  @ApiProperty() inputTokens: number;
  @ApiProperty() outputTokens: number;
  @ApiProperty() cacheCreationTokens: number;
  @ApiProperty() cacheReadTokens: number;
  @ApiProperty({ description: 'TokenUsed events (model calls), as the summary’s totalCalls counts them.' }) calls: number;
  @ApiProperty({ description: 'ToolCalled events.' }) toolCalls: number;
  @usd('Extension: ToolCalled compute cost, not in costUsd.') toolComputeCostUsd: number;
  @ApiProperty() toolComputeCostUsdExact: string;
  @ApiProperty() unpricedCalls: number;
  @ApiProperty({ type: [SeriesGroupDoc] }) groups: SeriesGroupDoc[];
}

class CostTimeseriesData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ enum: ['hour', 'day', 'week', 'month'] }) granularity: string;
  @ApiProperty({ example: 'Europe/Berlin' }) tz: string;
  @ApiProperty({ description: 'The asked from, exactly: the first period is clipped to it.' }) from: string;
  @ApiProperty({ description: 'The asked to (inclusive), exactly: the last period is clipped to it.' }) to: string;
  @ApiProperty({ type: 'string', nullable: true, enum: [...GROUP_DIMENSIONS, null] }) groupBy: string | null;
  @ApiProperty({ description: 'LLM cost over [from, to]: the summary’s totalCostUsd for the same range.' }) totalCostUsd: number;
  @ApiProperty() totalCostUsdExact: string;
  @ApiProperty({ description: 'Extension: ToolCalled compute cost over [from, to].' }) toolComputeCostUsd: number;
  @ApiProperty() toolComputeCostUsdExact: string;
  @ApiProperty({ type: [SeriesBucketDoc], description: 'Every period, empty ones as zeros.' }) buckets: SeriesBucketDoc[];
}

export class CostTimeseriesResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CostTimeseriesData }) data: CostTimeseriesData;
}

class ReconciliationFiguresDoc {
  @ApiProperty({ description: 'TokenUsed calls in the range.' }) calls: number;
  @ApiProperty({ description: 'Calls with both a computed and a reported cost (a call only partly priced is not one): what computed, reported and drift are summed over.' })
  reconciledCalls: number;
  @usd('The ledger’s cost of the reconciled calls; null when there is none. The ledger’s figures are always its own: a reported cost never replaces one.')
  computedCostUsd: number | null;
  @exact() computedCostUsdExact: string | null;
  @usd('The cost the runtimes reported (`reported_cost_usd`) for the same calls.') reportedCostUsd: number | null;
  @exact() reportedCostUsdExact: string | null;
  @usd('computed − reported: positive when the ledger counts more than the runtime reported.') driftUsd: number | null;
  @exact() driftUsdExact: string | null;
  @ApiProperty({
    type: 'string', nullable: true, example: '0.05',
    description: 'drift ÷ reported, as an exact decimal rounded half-even to 6 places (0.05: the ledger is 5% above the runtime); null when reported is 0 or no call is reconciled.',
  })
  driftRatio: string | null;
  @ApiProperty({ description: 'Calls that reported a cost the ledger could not price: no price covers the model, or one of its classes has no rate.' })
  unpricedReportedCalls: number;
  @usd('What those calls reported; null when there is none.') unpricedReportedCostUsd: number | null;
  @exact() unpricedReportedCostUsdExact: string | null;
}

class ReconciliationGroupDoc extends ReconciliationFiguresDoc {
  @ApiProperty({ type: 'string', nullable: true, description: 'The model as sent, the workflow id or the phase id; null: calls without one.' }) key: string | null;
}

class WorstCallDoc {
  @ApiProperty() eventId: string;
  @ApiProperty() sessionId: string;
  @ApiProperty({ type: 'string', nullable: true }) workflowRunId: string | null;
  @ApiProperty({ description: 'As the call named it.' }) model: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ type: 'number' }) computedCostUsd: number;
  @ApiProperty() computedCostUsdExact: string;
  @ApiProperty({ type: 'number' }) reportedCostUsd: number;
  @ApiProperty() reportedCostUsdExact: string;
  @ApiProperty({ type: 'number', description: 'computed − reported.' }) driftUsd: number;
  @ApiProperty() driftUsdExact: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'drift ÷ reported, 6 places, half-even; null when the call reported 0.' }) driftRatio: string | null;
}

class CostReconciliationData {
  @ApiProperty() workspaceId: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) from: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) to: string | null;
  @ApiProperty({ enum: RECONCILIATION_GROUP_BY }) groupBy: string;
  @ApiProperty({ type: ReconciliationFiguresDoc, description: 'Every call in the range.' }) total: ReconciliationFiguresDoc;
  @ApiProperty({
    type: [ReconciliationGroupDoc],
    description: 'Every key with calls in the range, largest absolute drift first (keys with no reconciled call last); they add up to total. Empty with group_by=none.',
  })
  groups: ReconciliationGroupDoc[];
  @ApiProperty({ type: [WorstCallDoc], description: `The ${WORST_CALLS} reconciled calls with the largest absolute drift, ties oldest first.` })
  worstCalls: WorstCallDoc[];
}

export class CostReconciliationResponse {
  @ApiProperty({ enum: [true] }) success: boolean;
  @ApiProperty({ type: CostReconciliationData }) data: CostReconciliationData;
}
