import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { decodeSortedCursor, encodeSortedCursor, OtherListSort, SORT_KEYS } from '../shared/list-sort';
import { Page, PRICING_VERSION_SQL } from '../shared/page';
import { Statements } from '../shared/statement';
import { breakdownFromFacts, SESSION_COLUMNS, SessionRow, SessionView, toSessionView } from './session-cost.view';

export class ListSessionCostsSorted extends Query<Page<SessionView>> {
  constructor(
    readonly scope: string | undefined,
    readonly executionId: string | undefined,
    readonly sort: OtherListSort,
    readonly limit: number,
    /** Raw `cursor` from the Link header of the same sort. */
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

const SORT_VALUE = {
  started_at: `to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  '-total_cost_usd': 's.total_cost::text',
  total_cost_usd: 's.total_cost::text',
} as const satisfies Record<OtherListSort, string>;

/** One statement per order, each along a session_costs index read forwards or backwards. */
const sorted = (sort: OtherListSort) => {
  const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
  const column = SORT_KEYS[sort].column;
  return new Statements(
    (where) => `SELECT ${SESSION_COLUMNS}, ${breakdownFromFacts('SELECT s.workspace_id, s.session_id')} AS breakdown,
     ${PRICING_VERSION_SQL(READ_MODEL_SCHEMA)} AS pricing_version, ${SORT_VALUE[sort]} AS sort_value
   FROM ${READ_MODEL_SCHEMA}.session_costs s
   WHERE ${where}
   ORDER BY s.${column} ${direction}, s.workspace_id ${direction}, s.session_id ${direction}
   LIMIT $1`,
  );
};
export const SORTED_PAGES: Record<OtherListSort, Statements> = {
  started_at: sorted('started_at'),
  '-total_cost_usd': sorted('-total_cost_usd'),
  total_cost_usd: sorted('total_cost_usd'),
};

/** `GET /costs/sessions?sort=` other than the seed's newest-first order. */
@QueryHandler(ListSessionCostsSorted)
export class ListSessionCostsSortedHandler implements IQueryHandler<ListSessionCostsSorted, Page<SessionView>> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, executionId, sort, limit, cursor }: ListSessionCostsSorted): Promise<Page<SessionView>> {
    const after = decodeSortedCursor(cursor, sort);
    const key = SORT_KEYS[sort];
    const rows = await SORTED_PAGES[sort].rows<SessionRow & { pricing_version: string | null; sort_value: string }>(this.pool, [limit + 1], [
      scope !== undefined && ['s.workspace_id = $?', scope],
      executionId !== undefined && ['s.execution_id = $?', executionId],
      after && [`(s.${key.column}, s.workspace_id, s.session_id) ${key.after} ($?::${key.cast}, $?::text, $?::text)`, after[1], after[2], after[3]],
    ]);
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map((r) => toSessionView(r, true, Number(r.pricing_version ?? 0))),
      nextCursor: last && encodeSortedCursor([sort, last.sort_value, last.workspace_id, last.session_id]),
    };
  }
}
