import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { DataSource } from 'typeorm';
import { encodeCursor, PageKey } from '../shared/cursor';
import { Page, PRICING_VERSION_SQL } from '../shared/page';
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

/** Newest first, by (started_at, workspace_id, session_id) descending: a stable keyset order. */
@QueryHandler(ListSessionCosts)
export class ListSessionCostsHandler implements IQueryHandler<ListSessionCosts, Page<SessionView>> {
  constructor(private readonly db: DataSource) {}

  async execute({ scope, executionId, limit, after }: ListSessionCosts): Promise<Page<SessionView>> {
    const rows: (SessionRow & { pricing_version: string | null })[] = await this.db.query(
      `SELECT ${SESSION_COLUMNS}, ${breakdownFromFacts('SELECT s.workspace_id, s.session_id')} AS breakdown, ${PRICING_VERSION_SQL(READ_MODEL_SCHEMA)} AS pricing_version
       FROM ${READ_MODEL_SCHEMA}.session_costs s
       WHERE ($1::text IS NULL OR s.workspace_id = $1)
         AND ($2::text IS NULL OR s.execution_id = $2)
         AND ($3::timestamptz IS NULL OR (s.started_at, s.workspace_id, s.session_id) < ($3::timestamptz, $4::text, $5::text))
       ORDER BY s.started_at DESC, s.workspace_id DESC, s.session_id DESC
       LIMIT $6`,
      [scope ?? null, executionId ?? null, after?.startedAt ?? null, after?.workspaceId ?? null, after?.id ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => toSessionView(r, true, Number(r.pricing_version ?? 0)));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      nextCursor: last && encodeCursor({ startedAt: last.started_at.toISOString(), workspaceId: last.workspace_id, id: last.session_id }),
    };
  }
}
