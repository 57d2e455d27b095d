import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { DataSource } from 'typeorm';
import { encodeCursor, PageKey } from '../shared/cursor';
import { Page } from '../shared/page';
import { executionAggregate, ExecutionRow, ExecutionView, toExecutionView } from './execution-cost.view';

export class ListExecutionCosts extends Query<Page<ExecutionView>> {
  constructor(
    readonly scope: string | undefined,
    readonly limit: number,
    readonly after: PageKey | undefined,
  ) {
    super();
  }
}

/** Newest first by the execution's first event; each row aggregates its sessions. */
@QueryHandler(ListExecutionCosts)
export class ListExecutionCostsHandler implements IQueryHandler<ListExecutionCosts, Page<ExecutionView>> {
  constructor(private readonly db: DataSource) {}

  async execute({ scope, limit, after }: ListExecutionCosts): Promise<Page<ExecutionView>> {
    const rows: (ExecutionRow & { cursor_started_at: Date })[] = await this.db.query(
      `SELECT a.*, e.started_at AS cursor_started_at
       FROM ${READ_MODEL_SCHEMA}.execution_index e
       CROSS JOIN LATERAL (${executionAggregate('e.workspace_id', 'e.execution_id')}) a
       WHERE ($1::text IS NULL OR e.workspace_id = $1)
         AND ($2::timestamptz IS NULL OR (e.started_at, e.workspace_id, e.execution_id) < ($2::timestamptz, $3::text, $4::text))
       ORDER BY e.started_at DESC, e.workspace_id DESC, e.execution_id DESC
       LIMIT $5`,
      [scope ?? null, after?.startedAt ?? null, after?.workspaceId ?? null, after?.id ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map((r) => toExecutionView(r, true, false));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      nextCursor: last && encodeCursor({ startedAt: last.cursor_started_at.toISOString(), workspaceId: last.workspace_id, id: last.execution_id }),
    };
  }
}
