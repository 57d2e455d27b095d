import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import { DataSource } from 'typeorm';
import { PRICING_VERSION_SQL } from '../shared/page';
import { breakdownOf, SESSION_COLUMNS, SessionRow, SessionView, toSessionView } from './session-cost.view';

export class GetSessionCost extends Query<SessionView> {
  constructor(
    /** Undefined: any workspace (admin). */
    readonly scope: string | undefined,
    readonly sessionId: string,
    readonly includeBreakdown: boolean,
  ) {
    super();
  }
}

@QueryHandler(GetSessionCost)
export class GetSessionCostHandler implements IQueryHandler<GetSessionCost, SessionView> {
  constructor(private readonly db: DataSource) {}

  async execute({ scope, sessionId, includeBreakdown }: GetSessionCost): Promise<SessionView> {
    const rows: (SessionRow & { pricing_version: string | null })[] = await this.db.query(
      `SELECT ${SESSION_COLUMNS}, ${breakdownOf('s')} AS breakdown, ${PRICING_VERSION_SQL(READ_MODEL_SCHEMA)} AS pricing_version
       FROM ${READ_MODEL_SCHEMA}.session_costs s
       WHERE s.session_id = $1 AND ($2::text IS NULL OR s.workspace_id = $2)
       ORDER BY s.started_at DESC LIMIT 1`,
      [sessionId, scope ?? null],
    );
    if (!rows.length) throw new NotFoundError('Session', 'session_id');
    return toSessionView(rows[0], includeBreakdown, Number(rows[0].pricing_version ?? 0));
  }
}
