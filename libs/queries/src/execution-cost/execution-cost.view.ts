import { READ_MODEL_SCHEMA } from '@ledger/database';
import type { UsageField } from '@ledger/pricing';
import { usageCounts, usageSelect } from '../shared/usage-classes';
import { costDrift } from '../reconciliation/reconciled-calls';
import { BreakdownTuple, breakdownFromFacts, foldBreakdown, money, pricingStatus } from '../session-cost/session-cost.view';

const S = READ_MODEL_SCHEMA;

interface ExecutionSums {
  workspace_id: string;
  execution_id: string;
  workflow_id: string | null;
  session_count: number;
  finalized_count: number;
  session_ids: string[];
  total_cost: string;
  token_cost: string;
  compute_cost: string;
  reported_cost: string | null;
  cost_drift: string | null;
  total_tokens: string;
  tool_calls: string;
  turns: string;
  unpriced_events: string;
  started_at: Date;
  completed_at: Date | null;
  last_event_at: Date;
  breakdown: BreakdownTuple[] | null;
  pricing_version: string | null;
}
export type ExecutionRow = ExecutionSums & Record<UsageField, string>;

/**
 * An execution's workflow: that of its earliest session naming one (ties by session id), over session rows `s`.
 * Read, not stored, so it cannot depend on the order in which sessions joined the execution.
 */
export const EXECUTION_WORKFLOW = `(array_agg(s.workflow_id ORDER BY s.started_at, s.session_id) FILTER (WHERE s.workflow_id IS NOT NULL))[1]`;

/**
 * An execution's figures are the sums over its sessions, computed at read time
 * from the session rows (a run has a handful), so the two views never disagree.
 * Every event of a session counts under the session's execution (ADR 0016), so these
 * are also the sums of the run's rollup rows and calls (`/v1/workflow-runs/{id}/cost`).
 * `workspace` and `execution` are SQL expressions naming the execution.
 */
export const executionAggregate = (workspace: string, execution: string) => `
  SELECT s.workspace_id, s.execution_id, ${EXECUTION_WORKFLOW} AS workflow_id,
    count(*)::int AS session_count, count(*) FILTER (WHERE s.is_finalized)::int AS finalized_count,
    array_agg(s.session_id ORDER BY s.started_at, s.session_id) AS session_ids,
    ${money('sum(s.total_cost)')} AS total_cost, ${money('sum(s.token_cost)')} AS token_cost, ${money('sum(s.compute_cost)')} AS compute_cost,
    ${money('sum(s.reported_cost)')} AS reported_cost,
    ${costDrift(`f.workspace_id = ${workspace} AND f.execution_id = ${execution}`)} AS cost_drift,
    ${usageSelect('s', (c) => `sum(${c})`)}, sum(s.total_tokens) AS total_tokens, sum(s.tool_calls) AS tool_calls,
    sum(COALESCE(s.final_num_turns, s.token_events)) AS turns, sum(s.unpriced_events) AS unpriced_events,
    min(s.started_at) AS started_at, max(s.completed_at) AS completed_at, max(GREATEST(s.last_event_at, s.completed_at)) AS last_event_at,
    ${breakdownFromFacts(`SELECT bs.workspace_id, bs.session_id FROM ${S}.session_costs bs WHERE bs.workspace_id = s.workspace_id AND bs.execution_id = s.execution_id`)} AS breakdown,
    (SELECT pricing_version FROM ${S}.checkpoint WHERE projection = 'costs') AS pricing_version
  FROM ${S}.session_costs s
  WHERE s.workspace_id = ${workspace} AND s.execution_id = ${execution}
  GROUP BY s.workspace_id, s.execution_id`;

/** The Syntropic137 execution shape, field for field, plus pricing extras. */
export function toExecutionView(row: ExecutionRow, includeBreakdown: boolean, includeSessionIds: boolean) {
  const b = foldBreakdown(row.breakdown ?? []);
  const isComplete = row.session_count > 0 && row.finalized_count === row.session_count;
  const end = isComplete && row.completed_at ? row.completed_at : row.last_event_at;
  return {
    execution_id: row.execution_id,
    workflow_id: row.workflow_id,
    session_count: row.session_count,
    session_ids: includeSessionIds ? row.session_ids : [],
    total_cost_usd: row.total_cost,
    token_cost_usd: row.token_cost,
    compute_cost_usd: row.compute_cost,
    ...usageCounts(row),
    total_tokens: Number(row.total_tokens),
    tool_calls: Number(row.tool_calls),
    turns: Number(row.turns),
    duration_ms: end.getTime() - row.started_at.getTime(),
    cost_by_phase: includeBreakdown ? b.cost_by_phase : {},
    cost_by_model: includeBreakdown ? b.cost_by_model : {},
    cost_by_tool: includeBreakdown ? b.cost_by_tool : {},
    cost_by_class: includeBreakdown ? b.cost_by_class : {},
    is_complete: isComplete,
    started_at: row.started_at.toISOString(),
    completed_at: isComplete && row.completed_at ? row.completed_at.toISOString() : null,
    workspace_id: row.workspace_id,
    ...pricingStatus(Number(row.unpriced_events), b.unpriced_models),
    pricing_version: Number(row.pricing_version ?? 0),
    reported_cost_usd: row.reported_cost,
    cost_drift_usd: row.cost_drift,
  };
}

export type ExecutionView = ReturnType<typeof toExecutionView>;
