import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { unstorableText, ValidationError } from '@ledger/http';
import type { Pool } from 'pg';
import { Page } from '../shared/page';
import { Statements } from '../shared/statement';
import { executionAggregate, ExecutionRow, ExecutionView, toExecutionView } from './execution-cost.view';

const S = READ_MODEL_SCHEMA;

/**
 * The orders `GET /costs/executions?sort=` offers: a leading `-` is descending. `-started_at` (newest first) is
 * the seed's order, served by ListExecutionCosts; the others by ListExecutionCostsSorted. Ties go by
 * `(workspace_id, execution_id)` in the same direction.
 */
export const EXECUTION_SORTS = ['-started_at', 'started_at', '-total_cost_usd', 'total_cost_usd'] as const;
export type ExecutionSort = (typeof EXECUTION_SORTS)[number];
export const DEFAULT_EXECUTION_SORT = '-started_at' satisfies ExecutionSort;
export type OtherExecutionSort = Exclude<ExecutionSort, typeof DEFAULT_EXECUTION_SORT>;

/** A keyset cursor of a sorted page: the sort it belongs to, then the last row's sort value, workspace and execution. */
type SortedKey = readonly [sort: OtherExecutionSort, value: string, workspaceId: string, id: string];

const encodeSortedCursor = (key: SortedKey) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A cursor of another sort (or of the default order, which names none) would continue a different list: it is refused, never misread. */
function decodeSortedCursor(cursor: string | undefined, sort: OtherExecutionSort): SortedKey | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const [named, value] = key;
    const valid =
      key.length === 4 &&
      key.every((v) => typeof v === 'string') &&
      named === sort &&
      (sort.endsWith('started_at') ? !Number.isNaN(Date.parse(value as string)) : /^-?\d{1,30}(\.\d{1,30})?$/.test(value as string)) &&
      unstorableText(key as string[]).length === 0;
    if (valid) return key as unknown as SortedKey;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationError([
    { field: 'cursor', location: 'query', message: `cursor is not one this service issued for sort=${sort}; take it from the Link header of that sort` },
  ]);
}

export class ListExecutionCostsSorted extends Query<Page<ExecutionView>> {
  constructor(
    readonly scope: string | undefined,
    readonly sort: OtherExecutionSort,
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
  started_at: { statements: BY_START, alias: 'e', column: 'e.started_at', cast: 'timestamptz', after: '>' },
  '-total_cost_usd': { statements: BY_COST_DESC, alias: 't', column: 't.total_cost', cast: 'numeric', after: '<' },
  total_cost_usd: { statements: BY_COST_ASC, alias: 't', column: 't.total_cost', cast: 'numeric', after: '>' },
} as const satisfies Record<OtherExecutionSort, unknown>;

@QueryHandler(ListExecutionCostsSorted)
export class ListExecutionCostsSortedHandler implements IQueryHandler<ListExecutionCostsSorted, Page<ExecutionView>> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ scope, sort, limit, cursor }: ListExecutionCostsSorted): Promise<Page<ExecutionView>> {
    const after = decodeSortedCursor(cursor, sort);
    const plan = PLANS[sort];
    const t = plan.alias;
    const rows = await plan.statements.rows<ExecutionRow & { sort_value: string }>(this.pool, [limit + 1], [
      scope !== undefined && [`${t}.workspace_id = $?`, scope],
      after && [`(${plan.column}, ${t}.workspace_id, ${t}.execution_id) ${plan.after} ($?::${plan.cast}, $?::text, $?::text)`, after[1], after[2], after[3]],
    ]);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map((r) => toExecutionView(r, true, true)),
      nextCursor: last && encodeSortedCursor([sort, last.sort_value, last.workspace_id, last.execution_id]),
    };
  }
}
