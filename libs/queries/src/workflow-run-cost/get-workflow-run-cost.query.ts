import Big from 'big.js';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { NotFoundError, unstorableText, ValidationError } from '@ledger/http';
import type { ModifierField, UsageField } from '@ledger/pricing';
import type { Pool } from 'pg';
import { EXECUTION_WORKFLOW } from '../execution-cost/execution-cost.view';
import { RECONCILED } from '../reconciliation/reconciled-calls';
import { soleWorkspace, workspacesHolding } from '../shared/scope';
import { Statement } from '../shared/statement';
import {
  CallModifiers, callModifiers, CamelUsageCounts, camelUsageCounts, ClassSum, CLASSES_OF_FACT, costByClass, CostByClass, MODIFIER_SELECT,
  TotalUsageCounts, totalUsageCounts, unitsByField, usageSelect,
} from '../shared/usage-classes';
import { CallGroupBy, readCallBreakdown } from './call-breakdown';

const S = READ_MODEL_SCHEMA;

/** Money leaves this family as a JSON number (the Stevora shape), converted once from the exact decimal. */
const usd = (exact: string | null) => (exact === null ? null : new Big(exact).toNumber());

/**
 * One model call of a run: a `TokenUsed` event, with its count of every usage class (`inputTokens`, …,
 * `webSearchRequests`) and the modifiers it was served with where they are not the default.
 */
export type RunCall = CamelUsageCounts & CallModifiers & {
  stepName: string | null;
  /** The model name as the call sent it. */
  model: string;
  /** The provider the call named; null when it named none. */
  provider: string | null;
  /** The catalog model the name resolved to, and the price row (and tier) that priced the call; null when unpriced. */
  pricedModel: string | null;
  priceRef: string | null;
  /** Null when the call is unpriced (no price covers its model at that instant); the known part when it is partial. */
  costUsd: number | null;
  costUsdExact: string | null;
  createdAt: string;
  /** `partial`: priced, but a class it used has no rate (web search on a row without one), so costUsd is its known part. */
  pricingStatus: 'priced' | 'partial' | 'unpriced';
  eventId: string;
  sessionId: string;
};

export interface RunCostGroup {
  key: string | null;
  costUsd: number | null;
  costUsdExact: string | null;
  inputTokens: number;
  outputTokens: number;
  calls: number;
  unpricedCalls: number;
}

/** The run's totals of every usage class: `totalInputTokens`, …, `totalWebSearchRequests`. */
export type WorkflowRunCostView = TotalUsageCounts & {
  workflowRunId: string;
  /** The sum of every call's exact cost (all pages), converted once; unpriced calls add nothing. */
  totalCostUsd: number;
  totalCostUsdExact: string;
  calls: RunCall[];
  nextCallsCursor: string | null;
  /** TokenUsed events of the run (every page). */
  totalCalls: number;
  /** ToolCalled events of the run. */
  totalToolCalls: number;
  unpricedCalls: number;
  pricingStatus: 'complete' | 'partial';
  /** ToolCalled compute cost of the run; not part of `totalCostUsd`, which is the LLM cost of `calls`. */
  toolComputeCostUsd: number;
  toolComputeCostUsdExact: string;
  workflowId: string | null;
  /** The run's token cost per usage class (every call), adding up to `totalCostUsdExact`: see `costByClass`. */
  costByClass: CostByClass;
  /** Extension: the runtime-reported costs summed over the calls that reported one; null when none did. Never replaces the cost. */
  reportedCostUsd: number | null;
  reportedCostUsdExact: string | null;
  /** Extension: computed minus reported, summed over the calls that have both; null when no call has both. */
  costDriftUsd: number | null;
  costDriftUsdExact: string | null;
  breakdown?: RunCostGroup[];
};

export class GetWorkflowRunCost extends Query<WorkflowRunCostView> {
  constructor(
    /** Undefined: the admin key without `workspace_id`, which reads the one workspace holding the run. */
    readonly scope: string | undefined,
    readonly runId: string,
    readonly callsLimit: number,
    /** Raw `calls_cursor` from a previous page's `nextCallsCursor`. */
    readonly callsCursor: string | undefined,
    readonly groupBy: CallGroupBy | undefined,
  ) {
    super();
  }
}

/** Keyset position of a call: `(occurred_at, event_id)`, the order of `calls`. */
interface CallKey {
  readonly at: string;
  readonly eventId: string;
}

export const encodeCallsCursor = (key: CallKey) => Buffer.from(JSON.stringify([key.at, key.eventId])).toString('base64url');

export function decodeCallsCursor(cursor: string | undefined): CallKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, eventId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    // A forged cursor can carry what PostgreSQL cannot store (a NUL), which would reach its query as a 500.
    if (typeof at === 'string' && typeof eventId === 'string' && !Number.isNaN(Date.parse(at)) && unstorableText([at, eventId]).length === 0) {
      return { at, eventId };
    }
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([{ field: 'calls_cursor', location: 'query', message: 'calls_cursor is not one this service issued; take it from data.nextCallsCursor' }]);
}

type RunRow = {
  token_cost: string;
  compute_cost: string;
  calls: string;
  tool_calls: string;
  unpriced_calls: string;
  workflow_id: string | null;
  reported_cost: string | null;
  cost_drift: string | null;
};

/**
 * The run (execution) and its totals (its units per class come from `CLASSES`). Totals come from the run's `execution` rows of the hourly rollup,
 * found through its partial index `(workspace_id, key, hour) WHERE dimension = 'execution'`: a run of
 * 100,000 calls over ten hours is ten rows. Those rows are built from the same per-call facts as `calls`,
 * so the totals are exactly the sums over every call. Its workflow is read from its sessions, as
 * `/costs/executions/{id}` reads it. Its reported cost and drift come from its calls that reported a cost,
 * read along the execution index of `cost_facts` (only those calls are priced).
 */
export const RUN = new Statement(`
SELECT t.*, r.*, (SELECT ${EXECUTION_WORKFLOW} FROM ${S}.session_costs s WHERE s.execution_id = e.execution_id AND s.workspace_id = e.workspace_id) AS workflow_id
FROM ${S}.execution_index e
CROSS JOIN LATERAL (
  SELECT trim_scale(COALESCE(sum(h.token_cost), 0))::text AS token_cost, trim_scale(COALESCE(sum(h.compute_cost), 0))::text AS compute_cost,
    COALESCE(sum(h.calls), 0)::text AS calls, COALESCE(sum(h.tool_calls), 0)::text AS tool_calls,
    COALESCE(sum(h.unpriced_calls), 0)::text AS unpriced_calls
  FROM ${S}.hourly_costs h
  WHERE h.workspace_id = e.workspace_id AND h.dimension = 'execution' AND h.key = e.execution_id) t
CROSS JOIN LATERAL (
  SELECT trim_scale(sum(f.reported_cost))::text AS reported_cost,
    trim_scale(sum(f.token_cost - f.reported_cost) FILTER (WHERE ${RECONCILED('f')}))::text AS cost_drift
  FROM ${S}.priced_facts f
  WHERE f.workspace_id = e.workspace_id AND f.execution_id = e.execution_id AND f.event_type = 'TokenUsed' AND f.reported_cost IS NOT NULL) r
WHERE e.execution_id = $1 AND e.workspace_id = $2`);
export const HOLDING = workspacesHolding(`${S}.execution_index`, 'execution_id');

export type CallRow = Record<UsageField, string> & Record<ModifierField, string | null> & {
  event_id: string;
  session_id: string;
  step_name: string | null;
  model: string;
  provider: string | null;
  priced_model: string | null;
  price_ref: string | null;
  cost: string | null;
  unpriced: boolean;
  occurred_at: Date;
  cursor_at: string;
};

/**
 * A page of the model calls of one execution (`by` execution_id, along the `(execution_id, workspace_id, occurred_at,
 * event_id)` index) or one session (along `(session_id, workspace_id)`), in `(occurred_at, event_id)` order; `more`
 * adds columns after the call's cost. Parameters: workspace, id, limit, and after a cursor its time and event id.
 */
export const callsSql = (by: 'execution_id' | 'session_id', after: boolean, more = '') =>
  new Statement(`
SELECT f.event_id, f.session_id, COALESCE(f.step_name, f.phase_id) AS step_name, f.model, NULLIF(f.provider, '') AS provider, f.priced_model, f.price_ref,
  ${usageSelect('f', (c) => `${c}::text`)}, ${MODIFIER_SELECT},
  trim_scale(f.token_cost)::text AS cost, f.unpriced, f.occurred_at,${more}
  to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
FROM ${S}.priced_facts f
WHERE f.workspace_id = $1 AND f.${by} = $2 AND f.event_type = 'TokenUsed'
  ${after ? 'AND (f.occurred_at, f.event_id) > ($4::timestamptz, $5::text)' : ''}
ORDER BY f.occurred_at, f.event_id
LIMIT $3`);
export const FIRST_CALLS = callsSql('execution_id', false);
export const CALLS_AFTER = callsSql('execution_id', true);

export const toCall = (r: CallRow): RunCall => ({
  stepName: r.step_name,
  model: r.model,
  provider: r.provider,
  pricedModel: r.priced_model,
  priceRef: r.price_ref,
  ...camelUsageCounts(r),
  costUsd: usd(r.cost),
  costUsdExact: r.cost,
  createdAt: r.occurred_at.toISOString(),
  pricingStatus: r.cost === null ? 'unpriced' : r.unpriced ? 'partial' : 'priced',
  eventId: r.event_id,
  sessionId: r.session_id,
  ...callModifiers(r),
});

/**
 * The run's cost and units per usage class, summed over every call (as the execution view's breakdowns are):
 * the rollups keep no per-class cost, since a class's cost depends on each call's band and modifiers, and
 * only the whole classes' units (ROLLUP_USAGE_COLUMNS).
 */
export const CLASSES = new Statement(`
SELECT c.key, trim_scale(COALESCE(sum(c.cost), 0))::text AS cost, sum(c.units)::text AS units, count(*)::int AS calls,
  count(*) FILTER (WHERE c.cost IS NULL)::int AS unpriced_calls
FROM ${S}.priced_facts f CROSS JOIN LATERAL ${CLASSES_OF_FACT}
WHERE f.workspace_id = $1 AND f.execution_id = $2 AND f.event_type = 'TokenUsed' AND c.units > 0
GROUP BY c.key`);

/** `GET /v1/workflow-runs/:id/cost`: a run's LLM cost with its calls, oldest first, a page at a time. */
@QueryHandler(GetWorkflowRunCost)
export class GetWorkflowRunCostHandler implements IQueryHandler<GetWorkflowRunCost, WorkflowRunCostView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, runId, callsLimit, callsCursor, groupBy }: GetWorkflowRunCost): Promise<WorkflowRunCostView> {
    const after = decodeCallsCursor(callsCursor);
    const workspace = await soleWorkspace(this.pool, scope, HOLDING, runId, 'Workflow run');
    if (workspace === undefined) throw new NotFoundError('Workflow run', 'id');
    // The run, its calls and its breakdown all key on (workspace, run), so they are read side by side.
    const [runs, calls, classes, breakdown] = await Promise.all([
      RUN.rows<RunRow>(this.pool, [runId, workspace]),
      after
        ? CALLS_AFTER.rows<CallRow>(this.pool, [workspace, runId, callsLimit + 1, after.at, after.eventId])
        : FIRST_CALLS.rows<CallRow>(this.pool, [workspace, runId, callsLimit + 1]),
      CLASSES.rows<{ key: string; cost: string; units: string; calls: number; unpriced_calls: number }>(this.pool, [workspace, runId]),
      groupBy ? readCallBreakdown(this.pool, workspace, 'execution_id', runId, groupBy) : undefined,
    ]);
    // Another workspace's run answers exactly like an unknown one.
    if (!runs.length) throw new NotFoundError('Workflow run', 'id');
    const run = runs[0];
    const last = calls.length > callsLimit ? calls[callsLimit - 1] : undefined;
    const unpriced = Number(run.unpriced_calls);
    return {
      workflowRunId: runId,
      totalCostUsd: usd(run.token_cost)!,
      totalCostUsdExact: run.token_cost,
      ...totalUsageCounts(unitsByField(classes)),
      calls: calls.slice(0, callsLimit).map(toCall),
      nextCallsCursor: last ? encodeCallsCursor({ at: last.cursor_at, eventId: last.event_id }) : null,
      totalCalls: Number(run.calls),
      totalToolCalls: Number(run.tool_calls),
      unpricedCalls: unpriced,
      pricingStatus: unpriced > 0 ? 'partial' : 'complete',
      toolComputeCostUsd: usd(run.compute_cost)!,
      toolComputeCostUsdExact: run.compute_cost,
      workflowId: run.workflow_id,
      costByClass: costByClass(classes.map((c): ClassSum => ({ key: c.key, cost: c.cost, calls: c.calls, unpricedCalls: c.unpriced_calls }))),
      reportedCostUsd: usd(run.reported_cost),
      reportedCostUsdExact: run.reported_cost,
      costDriftUsd: usd(run.cost_drift),
      costDriftUsdExact: run.cost_drift,
      ...(breakdown && {
        breakdown: breakdown.map((g) => ({
          key: g.key,
          costUsd: usd(g.cost),
          costUsdExact: g.cost,
          inputTokens: g.inputTokens,
          outputTokens: g.outputTokens,
          calls: g.calls,
          unpricedCalls: g.unpricedCalls,
        })),
      }),
    };
  }
}
