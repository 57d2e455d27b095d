import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import type { Pool } from 'pg';

/** The executions sessions already belong to, as far as ingest can know: the projected read model. */
export interface SessionExecutionLookup {
  /** By session id: the execution of each of `sessionIds` that the read model holds one for. */
  executionsOf(workspaceId: string, sessionIds: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Reads the sessions' executions from the read model (its primary key leads with the session). A session
 * recorded but not projected yet is not seen: the projection's rule then counts its events (ADR 0016).
 */
@Injectable()
export class ProjectedSessionExecutions implements SessionExecutionLookup {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async executionsOf(workspaceId: string, sessionIds: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ session_id: string; execution_id: string }>({
      name: 'ingest_session_executions',
      text: `SELECT session_id, execution_id FROM ${READ_MODEL_SCHEMA}.session_costs
             WHERE session_id = ANY($1::text[]) AND workspace_id = $2 AND execution_id IS NOT NULL`,
      values: [sessionIds, workspaceId],
    });
    return new Map(rows.map((r) => [r.session_id, r.execution_id]));
  }
}
