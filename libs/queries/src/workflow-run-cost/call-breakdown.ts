import { READ_MODEL_SCHEMA } from '@ledger/database';
import type { Pool } from 'pg';
import { Statement } from '../shared/statement';

const S = READ_MODEL_SCHEMA;

/** The attribute a compact breakdown groups a set of model calls by. */
export type CallGroupBy = 'step' | 'model' | 'phase' | 'price';
export const CALL_GROUP_BY: readonly CallGroupBy[] = ['step', 'model', 'phase', 'price'];

/**
 * A call's step is its `step_name`, else its phase, as `stepName` shows it in the run view; its price is the
 * catalog row (and tier) that priced it, which names the catalog model its name resolved to (`model@effective_from`).
 */
const KEY_SQL: Record<CallGroupBy, string> = { step: 'COALESCE(f.step_name, f.phase_id)', model: 'f.model', phase: 'f.phase_id', price: 'f.price_ref' };

export interface CallGroup {
  /** Null: calls without the attribute. */
  readonly key: string | null;
  /** Exact decimal token cost of the group's priced calls; null when none of them is priced. */
  readonly cost: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly calls: number;
  readonly unpricedCalls: number;
}

type Of = 'execution_id' | 'session_id';

const breakdownSql = (of: Of, groupBy: CallGroupBy) => new Statement(`
SELECT ${KEY_SQL[groupBy]} AS key, trim_scale(sum(f.token_cost))::text AS cost,
  sum(f.input_tokens)::text AS input_tokens, sum(f.output_tokens)::text AS output_tokens,
  count(*)::int AS calls, count(*) FILTER (WHERE f.unpriced)::int AS unpriced_calls
FROM ${S}.priced_facts f
WHERE f.workspace_id = $1 AND f.${of} = $2 AND f.event_type = 'TokenUsed'
GROUP BY 1
ORDER BY sum(f.token_cost) DESC NULLS LAST, 1 NULLS LAST`);

const statementsOf = (of: Of) => Object.fromEntries(CALL_GROUP_BY.map((g) => [g, breakdownSql(of, g)])) as Record<CallGroupBy, Statement>;
export const STATEMENTS: Record<Of, Record<CallGroupBy, Statement>> = { execution_id: statementsOf('execution_id'), session_id: statementsOf('session_id') };

/**
 * The model calls (TokenUsed) of one run or one session, grouped, most expensive first. It reads every call
 * of the run or session once, through the `(workspace_id, execution_id, …)` or `(workspace_id, session_id)`
 * index of `cost_facts`, so it is opt-in (`group_by`).
 */
export async function readCallBreakdown(pool: Pool, workspaceId: string, of: Of, id: string, groupBy: CallGroupBy): Promise<CallGroup[]> {
  const rows = await STATEMENTS[of][groupBy].rows<{
    key: string | null; cost: string | null; input_tokens: string; output_tokens: string; calls: number; unpriced_calls: number;
  }>(pool, [workspaceId, id]);
  return rows.map((r) => ({
    key: r.key,
    cost: r.cost,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    calls: r.calls,
    unpricedCalls: r.unpriced_calls,
  }));
}
