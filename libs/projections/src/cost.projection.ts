import type { LogPosition } from '@ledger/event-store';
import { COST_FACT_COLUMNS, COST_FACT_SQL_TYPES, CostFact } from './cost-fact';

/** Anything that runs SQL: a pg client inside the projector's transaction. */
export interface SqlRunner {
  query<R = unknown>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export const COST_PROJECTION = 'costs';

const latestFinal = (col: string) =>
  `(array_agg(${col} ORDER BY occurred_at DESC, event_id DESC) FILTER (WHERE event_type = 'SessionFinalized'))[1]`;
const firstSeen = (col: string) => `(array_agg(${col} ORDER BY occurred_at, event_id) FILTER (WHERE ${col} IS NOT NULL))[1]`;
/** The latest finalization wins; `s` is the stored row, `excluded` the batch's. */
const ifNewerFinal = (col: string) =>
  `CASE WHEN excluded.completed_at IS NOT NULL AND (s.completed_at IS NULL OR excluded.completed_at >= s.completed_at) THEN excluded.${col} ELSE s.${col} END`;
const add = (alias: string, cols: string[]) => cols.map((c) => `${c} = ${alias}.${c} + excluded.${c}`).join(', ');

/**
 * One statement applies a whole batch: facts are inserted with the read-side
 * dedupe `(workspace_id, event_id)`, and only the rows actually inserted flow on
 * into the session, hourly and execution aggregates, grouped first so
 * each aggregate row is touched once. The checkpoint is written by the same
 * statement, so it commits with the rows or not at all.
 */
function batchSql(schema: string): string {
  const s = schema;
  const n = COST_FACT_COLUMNS.length;
  const unnest = COST_FACT_COLUMNS.map((c, i) => `$${i + 1}::${COST_FACT_SQL_TYPES[c]}[]`).join(', ');
  return `
WITH input AS (
  SELECT * FROM unnest(${unnest}) AS t(${COST_FACT_COLUMNS.join(', ')})
),
ins AS (
  INSERT INTO ${s}.cost_facts (${COST_FACT_COLUMNS.join(', ')}) SELECT * FROM input
  ON CONFLICT (workspace_id, event_id) DO NOTHING
  RETURNING *
),
sessions AS (
  INSERT INTO ${s}.session_costs AS s (workspace_id, session_id, execution_id, workflow_id, phase_id, token_cost, compute_cost,
    input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, token_events, unpriced_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at)
  SELECT workspace_id, session_id, ${firstSeen('execution_id')}, ${firstSeen('workflow_id')}, ${firstSeen('phase_id')},
    COALESCE(sum(token_cost), 0), sum(compute_cost),
    sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens),
    count(*) FILTER (WHERE event_type = 'TokenUsed'),
    count(*) FILTER (WHERE event_type = 'TokenUsed' AND token_cost IS NULL),
    count(*) FILTER (WHERE event_type = 'ToolCalled'),
    sum(reported_cost),
    bool_or(event_type = 'SessionFinalized'), ${latestFinal('status')}, ${latestFinal('num_turns')}, ${latestFinal('duration_ms')},
    min(occurred_at), max(occurred_at) FILTER (WHERE event_type = 'SessionFinalized'), max(occurred_at)
  FROM ins GROUP BY workspace_id, session_id
  ON CONFLICT (workspace_id, session_id) DO UPDATE SET
    execution_id = COALESCE(s.execution_id, excluded.execution_id),
    workflow_id = COALESCE(s.workflow_id, excluded.workflow_id),
    phase_id = COALESCE(s.phase_id, excluded.phase_id),
    ${add('s', ['token_cost', 'compute_cost', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'token_events', 'unpriced_events', 'tool_calls'])},
    reported_cost = CASE WHEN s.reported_cost IS NULL THEN excluded.reported_cost
                         WHEN excluded.reported_cost IS NULL THEN s.reported_cost
                         ELSE s.reported_cost + excluded.reported_cost END,
    is_finalized = s.is_finalized OR excluded.is_finalized,
    final_status = ${ifNewerFinal('final_status')},
    final_num_turns = ${ifNewerFinal('final_num_turns')},
    final_duration_ms = ${ifNewerFinal('final_duration_ms')},
    started_at = LEAST(s.started_at, excluded.started_at),
    completed_at = GREATEST(s.completed_at, excluded.completed_at),
    last_event_at = GREATEST(s.last_event_at, excluded.last_event_at)
  RETURNING 1
),
hourly AS (
  INSERT INTO ${s}.hourly_costs AS h (workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens,
    cache_creation_tokens, cache_read_tokens, calls, unpriced_calls)
  SELECT workspace_id, hour, dimension, key, COALESCE(sum(token_cost), 0), sum(compute_cost), sum(input_tokens), sum(output_tokens),
    sum(cache_creation_tokens), sum(cache_read_tokens), sum(calls), sum(unpriced_calls)
  FROM (
    SELECT workspace_id, date_trunc('hour', occurred_at, 'UTC') AS hour,
      CASE WHEN event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END AS dimension, COALESCE(model, tool_name) AS key,
      token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens,
      1 AS calls, (event_type = 'TokenUsed' AND token_cost IS NULL)::int AS unpriced_calls
    FROM ins WHERE event_type <> 'SessionFinalized'
    UNION ALL
    SELECT workspace_id, date_trunc('hour', occurred_at, 'UTC'), 'execution', execution_id,
      token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens,
      (event_type = 'TokenUsed')::int, (event_type = 'TokenUsed' AND token_cost IS NULL)::int
    FROM ins WHERE event_type <> 'SessionFinalized' AND execution_id IS NOT NULL
    UNION ALL
    SELECT workspace_id, date_trunc('hour', occurred_at, 'UTC'), d.dimension, d.key,
      token_cost, compute_cost, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens,
      1, (event_type = 'TokenUsed' AND token_cost IS NULL)::int
    FROM ins CROSS JOIN LATERAL (VALUES ('workflow', workflow_id), ('phase', phase_id)) AS d(dimension, key)
    WHERE event_type <> 'SessionFinalized' AND d.key IS NOT NULL
  ) x
  GROUP BY workspace_id, hour, dimension, key
  ON CONFLICT (workspace_id, dimension, hour, key) DO UPDATE SET
    ${add('h', ['token_cost', 'compute_cost', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'calls', 'unpriced_calls'])}
  RETURNING 1
),
executions AS (
  INSERT INTO ${s}.execution_index AS e (workspace_id, execution_id, workflow_id, started_at)
  SELECT workspace_id, execution_id, ${firstSeen('workflow_id')}, min(occurred_at)
  FROM ins WHERE execution_id IS NOT NULL GROUP BY workspace_id, execution_id
  ON CONFLICT (workspace_id, execution_id) DO UPDATE SET
    workflow_id = COALESCE(e.workflow_id, excluded.workflow_id),
    started_at = LEAST(e.started_at, excluded.started_at)
  RETURNING 1
),
checkpoint AS (
  INSERT INTO ${s}.checkpoint AS c (projection, commit_pos, prepare_pos, events_applied, pricing_version, updated_at)
  VALUES ('${COST_PROJECTION}', $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, now())
  ON CONFLICT (projection) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos,
    events_applied = c.events_applied + excluded.events_applied, pricing_version = excluded.pricing_version, updated_at = now()
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted`;
}

const statements = new Map<string, string>();

/**
 * Applies a batch of facts and moves the checkpoint to `position`, which may lie
 * past the last fact (a filtered gap). Returns how many facts were new.
 */
export async function applyCostBatch(
  db: SqlRunner,
  schema: string,
  facts: readonly CostFact[],
  position: LogPosition,
  pricingVersion: number,
): Promise<number> {
  let sql = statements.get(schema);
  if (!sql) statements.set(schema, (sql = batchSql(schema)));
  const columns = COST_FACT_COLUMNS.map((c) => facts.map((f) => f[c]));
  const { rows } = await db.query<{ inserted: number }>(sql, [
    ...columns,
    String(position.commit),
    String(position.prepare),
    facts.length,
    pricingVersion,
  ]);
  return rows[0].inserted;
}

export async function readCheckpoint(db: SqlRunner, schema: string): Promise<{ position: LogPosition; pricingVersion: number } | undefined> {
  const { rows } = await db.query<{ commit_pos: string; prepare_pos: string; pricing_version: string }>(
    `SELECT commit_pos::text, prepare_pos::text, pricing_version::text FROM ${schema}.checkpoint WHERE projection = $1`,
    [COST_PROJECTION],
  );
  if (!rows.length) return undefined;
  return {
    position: { commit: BigInt(rows[0].commit_pos), prepare: BigInt(rows[0].prepare_pos) },
    pricingVersion: Number(rows[0].pricing_version),
  };
}
