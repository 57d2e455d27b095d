import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { encodeCursor, PageKey } from '../shared/cursor';
import { Page, PRICING_VERSION_SQL } from '../shared/page';
import { Statements } from '../shared/statement';
import { breakdownFromFacts, SESSION_COLUMNS, SessionRow, SessionView, toSessionView } from './session-cost.view';

export class ListSessionCosts extends Query<Page<SessionView>> {
  constructor(
    readonly scope: string | undefined,
    readonly executionId: string | undefined,
    readonly limit: number,
    readonly after: PageKey | undefined,
  ) {
    super();
  }
}

export const PAGES = new Statements(
  (where) => `SELECT ${SESSION_COLUMNS}, ${breakdownFromFacts('SELECT s.workspace_id, s.session_id')} AS breakdown, ${PRICING_VERSION_SQL(READ_MODEL_SCHEMA)} AS pricing_version
   FROM ${READ_MODEL_SCHEMA}.session_costs s
   WHERE ${where}
   ORDER BY s.started_at DESC, s.workspace_id DESC, s.session_id DESC
   LIMIT $1`,
);

/** Newest first, by (started_at, workspace_id, session_id) descending: a stable keyset order. */
@QueryHandler(ListSessionCosts)
export class ListSessionCostsHandler implements IQueryHandler<ListSessionCosts, Page<SessionView>> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, executionId, limit, after }: ListSessionCosts): Promise<Page<SessionView>> {
    const rows = await PAGES.rows<SessionRow & { pricing_version: string | null }>(this.pool, [limit + 1], [
      scope !== undefined && ['s.workspace_id = $?', scope],
      executionId !== undefined && ['s.execution_id = $?', executionId],
      after && ['(s.started_at, s.workspace_id, s.session_id) < ($?::timestamptz, $?::text, $?::text)', after.startedAt, after.workspaceId, after.id],
    ]);
    const items = rows.slice(0, limit).map((r) => toSessionView(r, true, Number(r.pricing_version ?? 0)));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      nextCursor: last && encodeCursor({ startedAt: last.started_at.toISOString(), workspaceId: last.workspace_id, id: last.session_id }),
    };
  }
}
