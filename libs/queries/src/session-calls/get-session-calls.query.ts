import Big from 'big.js';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_MODEL_SCHEMA, READ_POOL } from '@ledger/database';
import { NotFoundError } from '@ledger/http';
import type { Pool } from 'pg';
import { RECONCILED } from '../reconciliation/reconciled-calls';
import { soleWorkspace, workspacesHolding } from '../shared/scope';
import { Statement } from '../shared/statement';
import { CallRow, callsSql, decodeCallsCursor, encodeCallsCursor, RunCall, toCall } from '../workflow-run-cost/get-workflow-run-cost.query';

const S = READ_MODEL_SCHEMA;

const usd = (exact: string | null) => (exact === null ? null : new Big(exact).toNumber());

/** A session's model call: the run's call shape, with what its runtime reported beside what the ledger computed. */
export type SessionCall = RunCall & {
  /** The call's `reported_cost_usd`; null when it reported none. Never replaces `costUsd`. */
  reportedCostUsd: number | null;
  reportedCostUsdExact: string | null;
  /** Computed minus reported; null unless the call has both (a partly priced call has only its known part, so none). */
  costDriftUsd: number | null;
  costDriftUsdExact: string | null;
};

export interface SessionCallsView {
  sessionId: string;
  /** The session's execution (ADR 0016); null when it names none. */
  workflowRunId: string | null;
  calls: SessionCall[];
  nextCallsCursor: string | null;
}

export class GetSessionCalls extends Query<SessionCallsView> {
  constructor(
    /** Undefined: the admin key without `workspace_id`, which reads the one workspace holding the session. */
    readonly scope: string | undefined,
    readonly sessionId: string,
    readonly callsLimit: number,
    /** Raw `calls_cursor` from a previous page's `nextCallsCursor`. */
    readonly callsCursor: string | undefined,
  ) {
    super();
  }
}

export const SESSION = new Statement(`SELECT execution_id FROM ${S}.session_costs WHERE workspace_id = $1 AND session_id = $2`);
export const HOLDING = workspacesHolding(`${S}.session_costs`, 'session_id');

/** Each call's reported cost, and its drift from ours where the call is reconciled. */
const REPORTED = `
  trim_scale(f.reported_cost)::text AS reported_cost,
  CASE WHEN ${RECONCILED('f')} THEN trim_scale(f.token_cost - f.reported_cost)::text END AS cost_drift,`;
export const FIRST_SESSION_CALLS = callsSql('session_id', false, REPORTED);
export const SESSION_CALLS_AFTER = callsSql('session_id', true, REPORTED);

type SessionCallRow = CallRow & { reported_cost: string | null; cost_drift: string | null };

/** `GET /v1/sessions/:id/calls`: a session's model calls, oldest first, each with its cost, reported cost and drift. */
@QueryHandler(GetSessionCalls)
export class GetSessionCallsHandler implements IQueryHandler<GetSessionCalls, SessionCallsView> {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}

  async execute({ scope, sessionId, callsLimit, callsCursor }: GetSessionCalls): Promise<SessionCallsView> {
    const after = decodeCallsCursor(callsCursor);
    const workspace = await soleWorkspace(this.pool, scope, HOLDING, sessionId, 'Session');
    if (workspace === undefined) throw new NotFoundError('Session', 'id');
    const [sessions, calls] = await Promise.all([
      SESSION.rows<{ execution_id: string | null }>(this.pool, [workspace, sessionId]),
      after
        ? SESSION_CALLS_AFTER.rows<SessionCallRow>(this.pool, [workspace, sessionId, callsLimit + 1, after.at, after.eventId])
        : FIRST_SESSION_CALLS.rows<SessionCallRow>(this.pool, [workspace, sessionId, callsLimit + 1]),
    ]);
    // Another workspace's session answers exactly like an unknown one.
    if (!sessions.length) throw new NotFoundError('Session', 'id');
    const last = calls.length > callsLimit ? calls[callsLimit - 1] : undefined;
    return {
      sessionId,
      workflowRunId: sessions[0].execution_id,
      calls: calls.slice(0, callsLimit).map((r) => ({
        ...toCall(r),
        reportedCostUsd: usd(r.reported_cost),
        reportedCostUsdExact: r.reported_cost,
        costDriftUsd: usd(r.cost_drift),
        costDriftUsdExact: r.cost_drift,
      })),
      nextCallsCursor: last ? encodeCallsCursor({ at: last.cursor_at, eventId: last.event_id }) : null,
    };
  }
}
