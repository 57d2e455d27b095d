import Big from 'big.js';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { ValidationError } from '@ledger/http';
import type { Pool } from 'pg';
import { isoUtc, parseInclusiveRange } from '../cost-range-summary/instant';
import { Filter, Statements } from '../shared/statement';
import { exactRatio, RECONCILED, UNPRICED_REPORTED } from './reconciled-calls';

const S = READ_MODEL_SCHEMA;

/** What the groups of a reconciliation are keyed by; `none` gives the total alone. */
export type ReconciliationGroupBy = 'model' | 'workflow' | 'phase' | 'none';
export const RECONCILIATION_GROUP_BY: readonly ReconciliationGroupBy[] = ['model', 'workflow', 'phase', 'none'];

/** The model as the call named it (clients group by what they sent). */
const KEY_SQL: Record<Exclude<ReconciliationGroupBy, 'none'>, string> = { model: 'f.model', workflow: 'f.workflow_id', phase: 'f.phase_id' };

/** The worst calls listed: those with the largest absolute drift. */
export const WORST_CALLS = 10;

/** Money leaves this family as a JSON number (the Stevora shape), converted once from the exact decimal. */
const usd = (exact: string | null) => (exact === null ? null : new Big(exact).toNumber());

/** A set of calls reconciled: a group's, or the whole range's. */
export interface ReconciliationFigures {
  /** TokenUsed calls in the range. */
  calls: number;
  /** Calls with both a computed and a reported cost: what the three figures below are summed over. */
  reconciledCalls: number;
  /** The ledger's cost of the reconciled calls; null when there is none. */
  computedCostUsd: number | null;
  computedCostUsdExact: string | null;
  /** The runtime's reported cost of the same calls. */
  reportedCostUsd: number | null;
  reportedCostUsdExact: string | null;
  /** computed − reported: positive when the ledger counts more than the runtime reported. */
  driftUsd: number | null;
  driftUsdExact: string | null;
  /** drift ÷ reported, 6 decimal places, half-even (0.05: the ledger is 5% above); null when reported is 0 or there is no reconciled call. */
  driftRatio: string | null;
  /** Calls that reported a cost the ledger could not price (no price for the model, or partly priced), and their reported sum. */
  unpricedReportedCalls: number;
  unpricedReportedCostUsd: number | null;
  unpricedReportedCostUsdExact: string | null;
}

export interface ReconciliationGroup extends ReconciliationFigures {
  /** Null: the calls without the attribute (no workflow or phase id). */
  key: string | null;
}

export interface WorstCall {
  eventId: string;
  sessionId: string;
  workflowRunId: string | null;
  model: string;
  occurredAt: string;
  computedCostUsd: number;
  computedCostUsdExact: string;
  reportedCostUsd: number;
  reportedCostUsdExact: string;
  driftUsd: number;
  driftUsdExact: string;
  driftRatio: string | null;
}

export interface CostReconciliationView {
  workspaceId: string;
  from: string | null;
  to: string | null;
  groupBy: ReconciliationGroupBy;
  total: ReconciliationFigures;
  /** Every key with calls in the range, largest absolute drift first (keys without a reconciled call last); empty with group_by=none. */
  groups: ReconciliationGroup[];
  /** Up to 10 reconciled calls with the largest absolute drift, ties oldest first. */
  worstCalls: WorstCall[];
}

export class GetCostReconciliation extends Query<CostReconciliationView> {
  constructor(
    /** Undefined for the admin key without `workspace_id`, which this view refuses. */
    readonly scope: string | undefined,
    /** Raw query parameters: ISO-8601 instants, both inclusive, either optional. */
    readonly from: string | undefined,
    readonly to: string | undefined,
    readonly groupBy: ReconciliationGroupBy,
  ) {
    super();
  }
}

/**
 * A range's TokenUsed calls, read along the `(workspace_id, occurred_at)` index of `cost_facts`, summed per
 * key and in total (the grouping set `()`, which also answers an empty range). Every call is read, to count
 * the calls; only the calls that reported a cost are priced.
 */
const figuresSql = (key: string | undefined) => (where: string) => `
SELECT ${key ? 'GROUPING(c.key) = 1' : 'true'} AS total, ${key ? 'c.key' : 'NULL::text'} AS key, count(*)::int AS calls,
  count(*) FILTER (WHERE c.reconciled)::int AS reconciled_calls,
  trim_scale(sum(c.token_cost) FILTER (WHERE c.reconciled))::text AS computed,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.reconciled))::text AS reported,
  trim_scale(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled))::text AS drift,
  count(*) FILTER (WHERE c.unpriced_reported)::int AS unpriced_reported_calls,
  trim_scale(sum(c.reported_cost) FILTER (WHERE c.unpriced_reported))::text AS unpriced_reported
FROM (
  SELECT ${key ?? 'NULL::text'} AS key, f.token_cost, f.reported_cost, (${RECONCILED('f')}) AS reconciled,
    (${UNPRICED_REPORTED('f')}) AS unpriced_reported
  FROM ${S}.priced_facts f
  WHERE f.workspace_id = $1 AND f.event_type = 'TokenUsed' AND ${where}) c
GROUP BY GROUPING SETS (${key ? '(c.key), ' : ''}())
ORDER BY 1 DESC, abs(sum(c.token_cost - c.reported_cost) FILTER (WHERE c.reconciled)) DESC NULLS LAST, count(*) DESC, 2 NULLS LAST`;

export const FIGURES: Record<ReconciliationGroupBy, Statements> = {
  model: new Statements(figuresSql(KEY_SQL.model)),
  workflow: new Statements(figuresSql(KEY_SQL.workflow)),
  phase: new Statements(figuresSql(KEY_SQL.phase)),
  none: new Statements(figuresSql(undefined)),
};

export const WORST = new Statements((where) => `
SELECT f.event_id, f.session_id, f.execution_id, f.model, f.occurred_at, trim_scale(f.token_cost)::text AS computed,
  trim_scale(f.reported_cost)::text AS reported, trim_scale(f.token_cost - f.reported_cost)::text AS drift
FROM ${S}.priced_facts f
WHERE f.workspace_id = $1 AND ${RECONCILED('f')} AND ${where}
ORDER BY abs(f.token_cost - f.reported_cost) DESC, f.occurred_at, f.event_id
LIMIT ${WORST_CALLS}`);

interface FiguresRow {
  total: boolean;
  key: string | null;
  calls: number;
  reconciled_calls: number;
  computed: string | null;
  reported: string | null;
  drift: string | null;
  unpriced_reported_calls: number;
  unpriced_reported: string | null;
}

interface WorstRow {
  event_id: string;
  session_id: string;
  execution_id: string | null;
  model: string;
  occurred_at: Date;
  computed: string;
  reported: string;
  drift: string;
}

const figures = (r: FiguresRow): ReconciliationFigures => ({
  calls: r.calls,
  reconciledCalls: r.reconciled_calls,
  computedCostUsd: usd(r.computed),
  computedCostUsdExact: r.computed,
  reportedCostUsd: usd(r.reported),
  reportedCostUsdExact: r.reported,
  driftUsd: usd(r.drift),
  driftUsdExact: r.drift,
  driftRatio: r.drift === null || r.reported === null ? null : exactRatio(r.drift, r.reported),
  unpricedReportedCalls: r.unpriced_reported_calls,
  unpricedReportedCostUsd: usd(r.unpriced_reported),
  unpricedReportedCostUsdExact: r.unpriced_reported,
});

const worstCall = (r: WorstRow): WorstCall => ({
  eventId: r.event_id,
  sessionId: r.session_id,
  workflowRunId: r.execution_id,
  model: r.model,
  occurredAt: r.occurred_at.toISOString(),
  computedCostUsd: usd(r.computed)!,
  computedCostUsdExact: r.computed,
  reportedCostUsd: usd(r.reported)!,
  reportedCostUsdExact: r.reported,
  driftUsd: usd(r.drift)!,
  driftUsdExact: r.drift,
  driftRatio: exactRatio(r.drift, r.reported),
});

/**
 * `GET /v1/cost/reconciliation`: the ledger's cost beside the runtimes' own over an inclusive range, per
 * group, with the calls that disagree most. Read from the per-call facts, so it is exact for any range.
 */
@QueryHandler(GetCostReconciliation)
export class GetCostReconciliationHandler implements IQueryHandler<GetCostReconciliation, CostReconciliationView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, from, to, groupBy }: GetCostReconciliation): Promise<CostReconciliationView> {
    const range = parseInclusiveRange(from, to);
    if (scope === undefined) {
      throw new ValidationError([{ field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to reconcile' }]);
    }
    // Usage is stored to the millisecond, so the inclusive `to` is the exclusive bound one millisecond later.
    const filters: Filter[] = [
      range.from !== undefined && ['f.occurred_at >= $?::timestamptz', isoUtc(range.from)],
      range.to !== undefined && ['f.occurred_at < $?::timestamptz', isoUtc(range.to + 1)],
    ];
    const [rows, worst] = await Promise.all([
      FIGURES[groupBy].rows<FiguresRow>(this.pool, [scope], filters),
      WORST.rows<WorstRow>(this.pool, [scope], filters),
    ]);
    const [total, ...groups] = rows;
    return {
      workspaceId: scope,
      from: isoUtc(range.from),
      to: isoUtc(range.to),
      groupBy,
      total: figures(total),
      groups: groups.map((g) => ({ key: g.key, ...figures(g) })),
      worstCalls: worst.map(worstCall),
    };
  }
}
