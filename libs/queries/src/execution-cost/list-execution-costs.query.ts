import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { encodeCursor, PageKey } from '../shared/cursor';
import { Page } from '../shared/page';
import { Statements } from '../shared/statement';
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

export const PAGES = new Statements(
  (where) => `SELECT a.*, e.started_at AS cursor_started_at
   FROM ${READ_MODEL_SCHEMA}.execution_index e
   CROSS JOIN LATERAL (${executionAggregate('e.workspace_id', 'e.execution_id')}) a
   WHERE ${where}
   ORDER BY e.started_at DESC, e.workspace_id DESC, e.execution_id DESC
   LIMIT $1`,
);

/** Newest first by the execution's first event; each row aggregates its sessions. */
@QueryHandler(ListExecutionCosts)
export class ListExecutionCostsHandler implements IQueryHandler<ListExecutionCosts, Page<ExecutionView>> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, limit, after }: ListExecutionCosts): Promise<Page<ExecutionView>> {
    const rows = await PAGES.rows<ExecutionRow & { cursor_started_at: Date }>(this.pool, [limit + 1], [
      scope !== undefined && ['e.workspace_id = $?', scope],
      after && ['(e.started_at, e.workspace_id, e.execution_id) < ($?::timestamptz, $?::text, $?::text)', after.startedAt, after.workspaceId, after.id],
    ]);
    // Syntropic137 lists every execution with its session ids; only the one-execution route asks for them.
    const items = rows.slice(0, limit).map((r) => toExecutionView(r, true, true));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items,
      nextCursor: last && encodeCursor({ startedAt: last.cursor_started_at.toISOString(), workspaceId: last.workspace_id, id: last.execution_id }),
    };
  }
}
