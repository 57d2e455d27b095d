import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import type { Pool } from 'pg';
import { resolveIdPrefix, SESSION_IDS } from '../shared/id-prefix';
import { PRICING_VERSION_SQL } from '../shared/page';
import { soleWorkspace, workspacesHolding } from '../shared/scope';
import { Statement } from '../shared/statement';
import { CallGroupBy, readCallBreakdown } from '../workflow-run-cost/call-breakdown';
import { breakdownFromFacts, SESSION_COLUMNS, SessionRow, SessionView, toSessionView } from './session-cost.view';

/** One entry of the compact `breakdown` (`group_by=step|model|phase|price`); money as decimal strings, null when unpriced. */
export interface SessionBreakdownEntry {
  key: string | null;
  cost_usd: string | null;
  input_tokens: number;
  output_tokens: number;
  calls: number;
  unpriced_calls: number;
}

export class GetSessionCost extends Query<SessionView & { breakdown?: SessionBreakdownEntry[] }> {
  constructor(
    /** Undefined: the admin key without `workspace_id`, which reads the one workspace holding the id. */
    readonly scope: string | undefined,
    readonly sessionId: string,
    readonly includeBreakdown: boolean,
    readonly groupBy?: CallGroupBy,
  ) {
    super();
  }
}

export const SESSION = new Statement(
  `SELECT ${SESSION_COLUMNS}, ${breakdownFromFacts('SELECT s.workspace_id, s.session_id')} AS breakdown,
     ${PRICING_VERSION_SQL(READ_MODEL_SCHEMA)} AS pricing_version
   FROM ${READ_MODEL_SCHEMA}.session_costs s
   WHERE s.session_id = $1 AND s.workspace_id = $2`,
);
export const HOLDING = workspacesHolding(`${READ_MODEL_SCHEMA}.session_costs`, 'session_id');

@QueryHandler(GetSessionCost)
export class GetSessionCostHandler implements IQueryHandler<GetSessionCost, SessionView & { breakdown?: SessionBreakdownEntry[] }> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, sessionId, includeBreakdown, groupBy }: GetSessionCost): Promise<SessionView & { breakdown?: SessionBreakdownEntry[] }> {
    const read = async (id: string) => {
      const workspace = await soleWorkspace(this.pool, scope, HOLDING, id, 'Session');
      return workspace === undefined ? [] : await SESSION.rows<SessionRow & { pricing_version: string | null }>(this.pool, [id, workspace]);
    };
    let rows = await read(sessionId);
    if (!rows.length) rows = await read(await resolveIdPrefix(this.pool, SESSION_IDS, scope, sessionId));
    if (!rows.length) throw new NotFoundError('Session', 'session_id');
    const view = toSessionView(rows[0], includeBreakdown, Number(rows[0].pricing_version ?? 0));
    if (!groupBy) return view;
    const groups = await readCallBreakdown(this.pool, rows[0].workspace_id, 'session_id', rows[0].session_id, groupBy);
    const breakdown = groups.map((g) => ({
      key: g.key, cost_usd: g.cost, input_tokens: g.inputTokens, output_tokens: g.outputTokens, calls: g.calls, unpriced_calls: g.unpricedCalls,
    }));
    return { ...view, breakdown };
  }
}
