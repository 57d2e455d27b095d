import Big from 'big.js';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { TOTAL_FIELDS, toolTokenShare, UsageField } from '@ledger/pricing';
import { costDrift } from '../reconciliation/reconciled-calls';
import { ClassSum, CLASSES_OF_FACT, costByClass, CostByClass, usageCounts, usageSelect } from '../shared/usage-classes';

const S = READ_MODEL_SCHEMA;

/** `[dimension, key, token_cost, compute_cost, tool_tokens, tool_token_cost, calls, attributions, unpriced_calls]` */
export type BreakdownTuple = [string, string, string, string, number, string, number, number, number];

interface SessionSums {
  workspace_id: string;
  session_id: string;
  execution_id: string | null;
  workflow_id: string | null;
  phase_id: string | null;
  total_cost: string;
  token_cost: string;
  compute_cost: string;
  reported_cost: string | null;
  cost_drift: string | null;
  total_tokens: string;
  tool_calls: number;
  token_events: number;
  unpriced_events: number;
  final_num_turns: number | null;
  final_duration_ms: string | null;
  is_finalized: boolean;
  started_at: Date;
  completed_at: Date | null;
  last_event_at: Date;
  breakdown: BreakdownTuple[] | null;
}
export type SessionRow = SessionSums & Record<UsageField, string>;

/** Money leaves as a plain decimal string without trailing zeros (`trim_scale`). */
export const money = (col: string) => `trim_scale(${col})::text`;

/**
 * A session's breakdown tuples, summed from its facts (a session has tens of
 * calls): per model, per tool (compute cost of ToolCalled, and tokens and cost
 * attributed by TokenUsed.tool_tokens: each tool's share of a priced call's cost,
 * `toolTokenShare`; an unpriced call attributes nothing), per phase, and per usage class (the
 * `cost_<class>` parts of the calls' cost, for each class a call used: `calls` counts those calls,
 * `unpriced_calls` those whose part has no price). `sessions` is a SQL expression for the set of
 * (workspace_id, session_id) to include.
 */
export const breakdownFromFacts = (sessions: string) => `(
  SELECT json_agg(json_build_array(dimension, key, ${money('token_cost')}, ${money('compute_cost')}, tool_tokens,
    ${money('tool_token_cost')}, calls, attributions, unpriced_calls) ORDER BY dimension, key)
  FROM (
    SELECT d.dimension, d.key, COALESCE(sum(d.token_cost), 0) AS token_cost, sum(d.compute_cost) AS compute_cost,
           sum(d.tool_tokens) AS tool_tokens, sum(d.tool_token_cost) AS tool_token_cost, sum(d.calls)::int AS calls,
           sum(d.attributions)::int AS attributions, sum(d.unpriced_calls)::int AS unpriced_calls
    -- Fenced (OFFSET 0), so each call is priced once, not once for every branch below that reads its cost.
    FROM (SELECT *, ${TOTAL_FIELDS.join(' + ')} AS all_tokens FROM ${S}.priced_facts
          WHERE (workspace_id, session_id) IN (${sessions}) OFFSET 0) f
    CROSS JOIN LATERAL (
      SELECT 'model' AS dimension, f.model AS key, f.token_cost, 0::numeric AS compute_cost, 0::bigint AS tool_tokens,
             0::numeric AS tool_token_cost, 1 AS calls, 0 AS attributions, f.unpriced::int AS unpriced_calls
      WHERE f.event_type = 'TokenUsed'
      UNION ALL
      SELECT 'phase', COALESCE(f.phase_id, 'unattributed'), f.token_cost, f.compute_cost, 0, 0, 1, 0, f.unpriced::int
      WHERE f.event_type <> 'SessionFinalized'
      UNION ALL
      SELECT 'tool', f.tool_name, 0, f.compute_cost, 0, 0, 1, 0, 0
      WHERE f.event_type = 'ToolCalled'
      UNION ALL
      SELECT 'tool', t.key, 0, 0, t.value::bigint,
        CASE WHEN f.token_cost IS NULL OR f.all_tokens = 0 THEN 0 ELSE ${toolTokenShare('f.token_cost', 't.value::bigint', 'f.all_tokens')} END, 0, 1, 0
      FROM jsonb_each_text(COALESCE(f.tool_tokens, '{}'::jsonb)) AS t
      WHERE f.event_type = 'TokenUsed'
      UNION ALL
      SELECT 'class', c.key, COALESCE(c.cost, 0), 0, 0, 0, 1, 0, (c.cost IS NULL)::int
      FROM ${CLASSES_OF_FACT}
      WHERE f.event_type = 'TokenUsed' AND c.units > 0
    ) d
    GROUP BY d.dimension, d.key) b)`;

export const SESSION_COLUMNS = `s.workspace_id, s.session_id, s.execution_id, s.workflow_id, s.phase_id,
  ${money('s.total_cost')} AS total_cost, ${money('s.token_cost')} AS token_cost, ${money('s.compute_cost')} AS compute_cost,
  ${money('s.reported_cost')} AS reported_cost, ${costDrift('f.workspace_id = s.workspace_id AND f.session_id = s.session_id')} AS cost_drift,
  ${usageSelect('s')}, s.total_tokens, s.tool_calls, s.token_events, s.unpriced_events, s.final_num_turns, s.final_duration_ms, s.is_finalized,
  s.started_at, s.completed_at, s.last_event_at`;

/** Maps of one dimension, as the Syntropic views carry them. */
export interface Breakdown {
  cost_by_model: Record<string, string>;
  cost_by_tool: Record<string, string>;
  tokens_by_tool: Record<string, number>;
  cost_by_tool_tokens: Record<string, string>;
  cost_by_phase: Record<string, string>;
  cost_by_class: CostByClass;
  unpriced_models: string[];
}

const addMoney = (a: string | undefined, b: string): string => (a === undefined ? b : new Big(a).plus(b).toFixed());

export function foldBreakdown(tuples: readonly BreakdownTuple[]): Breakdown {
  const out: Breakdown = {
    cost_by_model: {}, cost_by_tool: {}, tokens_by_tool: {}, cost_by_tool_tokens: {}, cost_by_phase: {}, cost_by_class: {}, unpriced_models: [],
  };
  const unpriced = new Set<string>();
  const classes: ClassSum[] = [];
  for (const [dimension, key, tokenCost, computeCost, toolTokens, toolTokenCost, calls, attributions, unpricedCalls] of tuples) {
    if (dimension === 'model') {
      // A model with no priced call has no cost to show; it is listed in unpriced_models.
      if (calls > unpricedCalls) out.cost_by_model[key] = addMoney(out.cost_by_model[key], tokenCost);
      if (unpricedCalls > 0) unpriced.add(key);
    } else if (dimension === 'tool') {
      if (calls > 0) out.cost_by_tool[key] = addMoney(out.cost_by_tool[key], computeCost);
      if (attributions > 0) {
        out.tokens_by_tool[key] = (out.tokens_by_tool[key] ?? 0) + Number(toolTokens);
        out.cost_by_tool_tokens[key] = addMoney(out.cost_by_tool_tokens[key], toolTokenCost);
      }
    } else if (dimension === 'phase') {
      out.cost_by_phase[key] = addMoney(out.cost_by_phase[key], new Big(tokenCost).plus(computeCost).toFixed());
    } else if (dimension === 'class') {
      classes.push({ key, cost: tokenCost, calls, unpricedCalls });
    }
  }
  out.cost_by_class = costByClass(classes);
  out.unpriced_models = [...unpriced].sort();
  return out;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function pricingStatus(unpricedEvents: number, unpricedModels: readonly string[]) {
  return { pricing_status: unpricedEvents > 0 ? ('partial' as const) : ('complete' as const), unpriced_models: unpricedModels };
}

/** The Syntropic137 session shape, field for field, plus pricing extras. */
export function toSessionView(row: SessionRow, includeBreakdown: boolean, pricingVersion: number) {
  const b = foldBreakdown(row.breakdown ?? []);
  const end = row.completed_at ?? row.last_event_at;
  return {
    session_id: row.session_id,
    execution_id: row.execution_id,
    workflow_id: row.workflow_id,
    phase_id: row.phase_id,
    workspace_id: row.workspace_id,
    total_cost_usd: row.total_cost,
    token_cost_usd: row.token_cost,
    compute_cost_usd: row.compute_cost,
    ...usageCounts(row),
    total_tokens: Number(row.total_tokens),
    tool_calls: row.tool_calls,
    turns: row.final_num_turns ?? row.token_events,
    duration_ms: row.final_duration_ms !== null ? Number(row.final_duration_ms) : end.getTime() - row.started_at.getTime(),
    cost_by_model: includeBreakdown ? b.cost_by_model : {},
    cost_by_tool: includeBreakdown ? b.cost_by_tool : {},
    tokens_by_tool: includeBreakdown ? b.tokens_by_tool : {},
    cost_by_tool_tokens: includeBreakdown ? b.cost_by_tool_tokens : {},
    cost_by_class: includeBreakdown ? b.cost_by_class : {},
    is_finalized: row.is_finalized,
    started_at: row.started_at.toISOString(),
    completed_at: iso(row.completed_at),
    ...pricingStatus(row.unpriced_events, b.unpriced_models),
    pricing_version: pricingVersion,
    reported_cost_usd: row.reported_cost,
    cost_drift_usd: row.cost_drift,
  };
}

export type SessionView = ReturnType<typeof toSessionView>;
