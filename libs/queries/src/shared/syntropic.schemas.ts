import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { COST_BY_CLASS_DOC, documentUsageCounts } from './usage-classes';

/** OpenAPI shapes of the Syntropic137 `/costs` views, field for field, plus the ledger's extras. */
const money = (description?: string) => ApiProperty({ type: 'string', example: '0.0342', description: description ?? 'USD, exact decimal string.' });
const moneyMap = (description: string) => ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description });
const nullableString = () => ApiProperty({ type: 'string', nullable: true });
const reported = () =>
  ApiProperty({
    type: 'string', nullable: true, example: '0.0118',
    description: 'Extension: the sum of the costs the runtime reported (`reported_cost_usd` of TokenUsed), over the calls that reported one; null when none did. ' +
      'For reconciliation only: the costs above are always the ledger’s own.',
  });
const drift = () =>
  ApiProperty({
    type: 'string', nullable: true, example: '-0.00005',
    description: 'Extension: computed minus reported cost, summed over the calls that have both (a call only partly priced is not one); ' +
      'null when no call has both. See `GET /v1/cost/reconciliation`.',
  });

class PricingExtras {
  @ApiProperty({ enum: ['complete', 'partial'], description: '`partial` when some usage is of a model with no price.' }) pricing_status: string;
  @ApiProperty({ type: [String] }) unpriced_models: string[];
  @ApiProperty({ description: 'The pricing catalog version the figures were computed with.' }) pricing_version: number;
}

export class SessionCostDoc extends PricingExtras {
  @ApiProperty() session_id: string;
  @nullableString() execution_id: string | null;
  @nullableString() workflow_id: string | null;
  @nullableString() phase_id: string | null;
  @ApiProperty() workspace_id: string;
  @money('token_cost_usd + compute_cost_usd.') total_cost_usd: string;
  @money('Priced TokenUsed costs.') token_cost_usd: string;
  @money('ToolCalled compute costs.') compute_cost_usd: string;
  @ApiProperty({ description: 'input + output + cache_creation + cache_read (reasoning and 1-hour cache writes are inside output and cache_creation).' })
  total_tokens: number;
  @ApiProperty() tool_calls: number;
  @ApiProperty() turns: number;
  @ApiProperty() duration_ms: number;
  @moneyMap('Priced token cost per model.') cost_by_model: Record<string, string>;
  @moneyMap('Compute cost per tool.') cost_by_tool: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } }) tokens_by_tool: Record<string, number>;
  @moneyMap('Token cost attributed to each tool by token share (18 decimal places).') cost_by_tool_tokens: Record<string, string>;
  @ApiProperty({ ...COST_BY_CLASS_DOC, description: `${COST_BY_CLASS_DOC.description} Empty with include_breakdown=false, like the other maps.` })
  cost_by_class: Record<string, string>;
  @ApiProperty() is_finalized: boolean;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: string | null;
  @reported() reported_cost_usd: string | null;
  @drift() cost_drift_usd: string | null;
  @ApiPropertyOptional({ description: 'With group_by: a compact breakdown.', type: 'array', items: { type: 'object' } }) breakdown?: unknown[];
}

export class ExecutionCostDoc extends PricingExtras {
  @ApiProperty() execution_id: string;
  @nullableString() workflow_id: string | null;
  @ApiProperty() session_count: number;
  @ApiProperty({ type: [String], description: 'The execution’s sessions, oldest first: always in the list, with include_session_ids=true on one execution.' })
  session_ids: string[];
  @money() total_cost_usd: string;
  @money() token_cost_usd: string;
  @money() compute_cost_usd: string;
  @ApiProperty() total_tokens: number;
  @ApiProperty() tool_calls: number;
  @ApiProperty() turns: number;
  @ApiProperty() duration_ms: number;
  @moneyMap('Cost per phase; usage with no phase is `unattributed`.') cost_by_phase: Record<string, string>;
  @moneyMap('Priced token cost per model.') cost_by_model: Record<string, string>;
  @moneyMap('Compute cost per tool.') cost_by_tool: Record<string, string>;
  @ApiProperty({ ...COST_BY_CLASS_DOC, description: `${COST_BY_CLASS_DOC.description} Empty with include_breakdown=false, like the other maps.` })
  cost_by_class: Record<string, string>;
  @ApiProperty() is_complete: boolean;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty() workspace_id: string;
  @reported() reported_cost_usd: string | null;
  @drift() cost_drift_usd: string | null;
}

/** Every usage class's count (the seed's four, then the 2026 classes: `reasoning_tokens`, `cache_creation_1h_tokens`, `web_search_requests`). */
documentUsageCounts(SessionCostDoc, (f) => f);
documentUsageCounts(ExecutionCostDoc, (f) => f, (d) => `Summed over the execution's sessions. ${d}`);

class TopModelDoc {
  @ApiProperty() model: string;
  @money() total_cost_usd: string;
  @money('The same as total_cost_usd, under the key Syntropic137’s CLI reads.') cost: string;
  @ApiProperty() total_tokens: number;
  @ApiProperty() calls: number;
  @ApiProperty() unpriced_calls: number;
}

class TopSessionDoc {
  @ApiProperty() session_id: string;
  @nullableString() execution_id: string | null;
  @money() total_cost_usd: string;
  @money('The same as total_cost_usd, under the key Syntropic137’s CLI reads.') cost: string;
  @ApiProperty() total_tokens: number;
  @ApiProperty() workspace_id: string;
}

export class CostSummaryDoc {
  @money() total_cost_usd: string;
  @ApiProperty() total_sessions: number;
  @ApiProperty() total_executions: number;
  @ApiProperty() total_tokens: number;
  @ApiProperty() total_tool_calls: number;
  @ApiProperty({ type: [TopModelDoc], description: 'The 10 costliest models.' }) top_models: TopModelDoc[];
  @ApiProperty({ type: [TopSessionDoc], description: 'The 10 costliest sessions.' }) top_sessions: TopSessionDoc[];
}
