import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { decodeSortedCursor, encodeSortedCursor, OtherListSort, SORT_KEYS } from '../shared/list-sort';
import { Page } from '../shared/page';
import { Statements } from '../shared/statement';
import { executionAggregate, ExecutionRow, ExecutionView, toExecutionView } from './execution-cost.view';

const S = READ_MODEL_SCHEMA;

export class ListExecutionCostsSorted extends Query<Page<ExecutionView>> {
  constructor(
    readonly scope: string | undefined,
    readonly sort: OtherListSort,
    readonly limit: number,
    /** Raw `cursor` from the Link header of the same sort. */
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** Oldest first, along the execution index, as the default order reads it backwards. */
export const BY_START = new Statements(
  (where) => `SELECT a.*, to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_value
   FROM ${S}.execution_index e
   CROSS JOIN LATERAL (${executionAggregate('e.workspace_id', 'e.execution_id')}) a
   WHERE ${where}
   ORDER BY e.started_at, e.workspace_id, e.execution_id
   LIMIT $1`,
);

/**
 * By total cost (token + compute, as `total_cost_usd`): every execution's total is summed from its session rows
 * first (a plain aggregate; the scope's condition on the grouping key reaches into it), then only the page's rows
 * are aggregated in full. The cursor keeps the exact NUMERIC sum, so equal costs page by their ids.
 */
const byCost = (direction: 'ASC' | 'DESC') =>
  new Statements(
    (where) => `WITH t AS (
     SELECT s.workspace_id, s.execution_id, sum(s.total_cost) AS total_cost
     FROM ${S}.session_costs s WHERE s.execution_id IS NOT NULL
     GROUP BY s.workspace_id, s.execution_id)
   SELECT a.*, t.total_cost::text AS sort_value
   FROM t CROSS JOIN LATERAL (${executionAggregate('t.workspace_id', 't.execution_id')}) a
   WHERE ${where}
   ORDER BY t.total_cost ${direction}, t.workspace_id ${direction}, t.execution_id ${direction}
   LIMIT $1`,
  );
export const BY_COST_DESC = byCost('DESC');
export const BY_COST_ASC = byCost('ASC');

const PLANS = {
  started_at: { statements: BY_START, alias: 'e' },
  '-total_cost_usd': { statements: BY_COST_DESC, alias: 't' },
  total_cost_usd: { statements: BY_COST_ASC, alias: 't' },
} as const satisfies Record<OtherListSort, unknown>;

@QueryHandler(ListExecutionCostsSorted)
export class ListExecutionCostsSortedHandler implements IQueryHandler<ListExecutionCostsSorted, Page<ExecutionView>> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, sort, limit, cursor }: ListExecutionCostsSorted): Promise<Page<ExecutionView>> {
    const after = decodeSortedCursor(cursor, sort);
    const plan = PLANS[sort];
    const key = SORT_KEYS[sort];
    const t = plan.alias;
    const rows = await plan.statements.rows<ExecutionRow & { sort_value: string }>(this.pool, [limit + 1], [
      scope !== undefined && [`${t}.workspace_id = $?`, scope],
      after && [`(${t}.${key.column}, ${t}.workspace_id, ${t}.execution_id) ${key.after} ($?::${key.cast}, $?::text, $?::text)`, after[1], after[2], after[3]],
    ]);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map((r) => toExecutionView(r, true, true)),
      nextCursor: last && encodeSortedCursor([sort, last.sort_value, last.workspace_id, last.execution_id]),
    };
  }
}
