import type { Pool } from 'pg';

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
export const event = (type: string, data: Record<string, unknown>) => ({ id: uuid(), type, data: { workspace_id: 'w1', ...data } });
export const tokens = (id: string, session: string, at: string, extra: Record<string, unknown> = {}) =>
  event('TokenUsed', { event_id: id, session_id: session, occurred_at: at, model: 'claude-sonnet-4', input_tokens: 1200, output_tokens: 340,
    cache_creation_tokens: 0, cache_read_tokens: 5000, ...extra });

/**
 * A history with everything that could make a set-based load differ from batch-by-batch
 * projection: ids that appear only on later events, events whose times run against the
 * log, sessions naming another execution than their first or none at first, two finalizations at the same instant, a duplicate event id, unpriced usage,
 * tool calls with and without a reported cost, tool-token attribution, and several workspaces.
 */
export const HISTORY = [
  { streamId: 'session-w1/s1', events: [
    tokens('a1', 's1', '2026-03-01T10:05:00.000Z'),
    tokens('a2', 's1', '2026-03-01T10:00:00.000Z', { execution_id: 'run-late', workflow_id: 'wf-b' }),
    tokens('a3', 's1', '2026-03-01T09:59:00.000Z', { execution_id: 'run-early', workflow_id: 'wf-a', phase_id: 'plan' }),
    event('ToolCalled', { event_id: 'a4', session_id: 's1', occurred_at: '2026-03-01T10:06:00.000Z', tool_name: 'Bash', duration_ms: 900, compute_cost_usd: '0.0012' }),
    // A second workflow on run-early, later in the log but first by name: the run keeps the first seen, wf-a.
    tokens('a5', 's1', '2026-03-01T11:00:00.000Z', { tool_tokens: { Read: 700, Bash: 300 }, execution_id: 'run-early', workflow_id: 'wf-0' }),
    event('SessionFinalized', { event_id: 'a6', session_id: 's1', occurred_at: '2026-03-01T11:30:00.000Z', status: 'failed', num_turns: 3 }),
    event('SessionFinalized', { event_id: 'a7', session_id: 's1', occurred_at: '2026-03-01T11:30:00.000Z', status: 'completed', num_turns: 4 }),
  ] },
  { streamId: 'session-w1/s2', events: [
    tokens('b1', 's2', '2026-03-01T10:00:00.000Z', { model: 'no-such-model' }),
    tokens('b2', 's2', '2026-03-02T00:00:00.000Z', { execution_id: 'run-late', phase_id: 'build' }),
    event('ToolCalled', { event_id: 'b3', session_id: 's2', occurred_at: '2026-03-02T00:01:00.000Z', tool_name: 'Read', duration_ms: 2500, phase_id: 'build' }),
  ] },
  // A session that names no execution (yet): a later event naming one takes its earlier facts with it.
  { streamId: 'session-w1/s5', events: [tokens('f1', 's5', '2026-03-01T09:00:00.000Z')] },
  // The same workspace event id again, as a store without a unique constraint could hold it: the first one counts.
  { streamId: 'session-w1/s1-again', events: [tokens('a1', 's1', '2026-03-01T10:05:00.000Z', { input_tokens: 999999 })] },
  { streamId: 'session-w2/s1', events: [{ ...tokens('c1', 's1', '2026-03-01T10:00:00.000Z'), data: { ...tokens('c1', 's1', '2026-03-01T10:00:00.000Z').data, workspace_id: 'w2' } }] },
];
export const EVENT_COUNT = HISTORY.reduce((n, a) => n + a.events.length, 0);

/** Every row of a read-model schema, in key order, and its checkpoint (timestamps aside). */
export async function dumpReadModel(pool: Pool, schema: string): Promise<Record<string, unknown>> {
  const tables = {
    cost_facts: 'workspace_id, event_id',
    session_costs: 'workspace_id, session_id',
    hourly_costs: 'workspace_id, dimension, hour, key',
    daily_costs: 'workspace_id, dimension, day, key',
    execution_index: 'workspace_id, execution_id',
    model_prices: 'name, workspace_id NULLS FIRST, valid_from, prompt_above',
    tool_prices: 'tool, valid_from',
  };
  const out: Record<string, unknown> = {};
  for (const [table, key] of Object.entries(tables)) {
    out[table] = (await pool.query(`SELECT to_jsonb(t)::text AS row FROM ${schema}.${table} t ORDER BY ${key}`)).rows.map((r) => r.row);
  }
  out.checkpoint = (await pool.query(`SELECT commit_pos::text, prepare_pos::text, events_applied::int, pricing_version::int FROM ${schema}.checkpoint`)).rows;
  return out;
}
