import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { TOTAL_FIELDS } from '@ledger/pricing';
import type { Pool } from 'pg';
import { money } from '../session-cost/session-cost.view';
import { Statement } from '../shared/statement';

const S = READ_MODEL_SCHEMA;

export interface CostSummaryView {
  total_cost_usd: string;
  total_sessions: number;
  total_executions: number;
  total_tokens: number;
  total_tool_calls: number;
  /** `cost` repeats `total_cost_usd`: Syntropic137's CLI reads `cost`. */
  top_models: { model: string; total_cost_usd: string; cost: string; total_tokens: number; calls: number; unpriced_calls: number }[];
  top_sessions: { session_id: string; execution_id: string | null; total_cost_usd: string; cost: string; total_tokens: number; workspace_id: string }[];
}

export class GetCostSummary extends Query<CostSummaryView> {
  constructor(readonly scope: string | undefined) {
    super();
  }
}

/** `inWorkspace`: the condition on `workspace_id`; every workspace's totals for the admin key. */
const summarySql = (inWorkspace: string) => `WITH h AS (
     SELECT dimension, key, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
            sum(${TOTAL_FIELDS.join(' + ')}) AS tokens,
            sum(calls) AS calls, sum(tool_calls) AS tool_calls, sum(unpriced_calls) AS unpriced_calls
     FROM ${S}.daily_costs
     WHERE ${inWorkspace} AND dimension IN ('model', 'tool')
     GROUP BY dimension, key)
   SELECT
     (SELECT ${money('COALESCE(sum(token_cost + compute_cost), 0)')} FROM h) AS total_cost,
     (SELECT COALESCE(sum(tokens), 0) FROM h WHERE dimension = 'model') AS total_tokens,
     (SELECT COALESCE(sum(tool_calls), 0) FROM h WHERE dimension = 'tool') AS total_tool_calls,
     (SELECT count(*) FROM ${S}.session_costs WHERE ${inWorkspace}) AS total_sessions,
     (SELECT count(*) FROM ${S}.execution_index WHERE ${inWorkspace}) AS total_executions,
     (SELECT COALESCE(json_agg(json_build_object('model', key, 'total_cost_usd', ${money('token_cost')}, 'cost', ${money('token_cost')}, 'total_tokens', tokens,
               'calls', calls, 'unpriced_calls', unpriced_calls) ORDER BY token_cost DESC, key), '[]')
        FROM (SELECT * FROM h WHERE dimension = 'model' ORDER BY token_cost DESC, key LIMIT 10) m) AS top_models,
     (SELECT COALESCE(json_agg(json_build_object('session_id', session_id, 'execution_id', execution_id,
               'total_cost_usd', ${money('total_cost')}, 'cost', ${money('total_cost')}, 'total_tokens', total_tokens, 'workspace_id', workspace_id)
               ORDER BY total_cost DESC, session_id), '[]')
        FROM (SELECT * FROM ${S}.session_costs WHERE ${inWorkspace}
              ORDER BY total_cost DESC, session_id LIMIT 10) t) AS top_sessions`;
export const IN_WORKSPACE = new Statement(summarySql('workspace_id = $1'));
export const ALL_WORKSPACES = new Statement(summarySql('true'));

/** All-time totals of a workspace (every workspace for the admin key), from the daily rollup. */
@QueryHandler(GetCostSummary)
export class GetCostSummaryHandler implements IQueryHandler<GetCostSummary, CostSummaryView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope }: GetCostSummary): Promise<CostSummaryView> {
    const [row] = scope === undefined ? await ALL_WORKSPACES.rows(this.pool, []) : await IN_WORKSPACE.rows(this.pool, [scope]);
    return {
      total_cost_usd: row.total_cost,
      total_sessions: Number(row.total_sessions),
      total_executions: Number(row.total_executions),
      total_tokens: Number(row.total_tokens),
      total_tool_calls: Number(row.total_tool_calls),
      top_models: row.top_models,
      top_sessions: row.top_sessions,
    };
  }
}
