import type { LogPosition, RecordedEvent } from '@ledger/event-store';
import type { PriceTable } from '@ledger/pricing';

/** Anything that runs SQL: a pg client inside the projector's transaction. */
export interface SqlRunner {
  query<R = unknown>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export const COST_PROJECTION = 'costs';

/** The columns of `cost_facts`, in the order `factRows` gives them. */
export const COST_FACT_COLUMNS = `workspace_id, event_id, event_type, session_id, execution_id, workflow_id, phase_id, step_name,
  occurred_at, model, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, token_cost, price_ref,
  tool_name, duration_ms, compute_cost, status, num_turns, tool_tokens, reported_cost, commit_pos, prepare_pos`;

/*
 * Pricing in SQL, against a compiled price table (compilePriceTable): the rules that choose a row
 * and a tier were applied when the table was compiled, so a call matches at most one band, and its
 * cost is plain exact arithmetic. The projection and the price preview both use these. Names are
 * matched in the read model's collation ("C"), whichever collation the other side has.
 */
/** The band of model price table `m` that prices a TokenUsed call of `model` at instant `at` with prompt size `prompt`. */
export const modelBandMatch = (m: string, model: string, at: string, prompt: string) =>
  `${m}.name = ${model} COLLATE "C" AND ${at} >= ${m}.valid_from AND ${at} < ${m}.valid_to
    AND ${prompt} > ${m}.prompt_above AND ${prompt} <= COALESCE(${m}.prompt_upto, 9223372036854775807)`;
/** Σ tokens × rate / 1,000,000 over the four token classes, the token counts being columns of `x`. */
export const tokenCost = (m: string, x: string) =>
  `(${m}.input * ${x}.input_tokens + ${m}.output * ${x}.output_tokens + ${m}.cache_creation * ${x}.cache_creation_tokens
    + ${m}.cache_read * ${x}.cache_read_tokens) * 0.000001`;
/** The band of tool price table `tp` in force for a call of `tool` at instant `at`. */
export const toolBandMatch = (tp: string, tool: string, at: string) => `${tp}.tool = ${tool} COLLATE "C" AND ${at} >= ${tp}.valid_from AND ${at} < ${tp}.valid_to`;
/** The tool's per-call rate plus its per-second rate times the call's duration. */
export const toolCost = (tp: string, durationMs: string) => `${tp}.per_call + ${tp}.per_second * COALESCE(${durationMs}, 0) * 0.001`;

/**
 * A tool's share of a call's `cost` by its `tokens` of the call's `total`: cost × tokens / total, rounded
 * half-even to 18 places from the exact integer quotient and remainder of cost × tokens × 10^18 by total
 * (numeric's own rounding is half away from zero). Read-side: it is summed per tool when a breakdown is read.
 */
export const toolTokenShare = (cost: string, tokens: string, total: string) => `(
    SELECT (s.q + CASE WHEN 2 * s.r > ${total} OR (2 * s.r = ${total} AND mod(s.q, 2) = 1) THEN 1 ELSE 0 END) * 1e-18
    FROM (SELECT div(x.x, ${total}) AS q, mod(x.x, ${total}) AS r FROM (SELECT ${cost} * ${tokens} * 1e18 AS x) x) s)`;

/** A usage event's data as ingest validated it: each JSON field read once, by name. */
const USAGE_FIELDS = `
    e.data->>'workspace_id' AS workspace_id, e.data->>'event_id' AS event_id, e.data->>'session_id' AS session_id,
    e.data->>'execution_id' AS execution_id, e.data->>'workflow_id' AS workflow_id, e.data->>'phase_id' AS phase_id,
    e.data->>'step_name' AS step_name, (e.data->>'occurred_at')::timestamptz AS occurred_at, e.data->>'model' AS model,
    COALESCE((e.data->>'input_tokens')::bigint, 0) AS input_tokens, COALESCE((e.data->>'output_tokens')::bigint, 0) AS output_tokens,
    COALESCE((e.data->>'cache_creation_tokens')::bigint, 0) AS cache_creation_tokens,
    COALESCE((e.data->>'cache_read_tokens')::bigint, 0) AS cache_read_tokens,
    CASE WHEN e.event_type = 'TokenUsed' THEN e.data->'tool_tokens' END AS tool_tokens,
    (e.data->>'reported_cost_usd')::numeric AS reported_cost_usd, e.data->>'tool_name' AS tool_name,
    (e.data->>'duration_ms')::bigint AS duration_ms, (e.data->>'compute_cost_usd')::numeric AS compute_cost_usd,
    e.data->>'status' AS status, (e.data->>'num_turns')::integer AS num_turns`;

/**
 * The projection's evolve step, set-based: each usage event of `events` (a relation `e` of
 * `event_type, data, commit_pos, prepare_pos`) becomes one `cost_facts` row, priced from the
 * schema's price table:
 * - a TokenUsed call costs `tokenCost` at its band; no band means unpriced (NULL), never $0;
 * - a ToolCalled event keeps the compute cost it reports, else its tool's band prices it, else it costs 0.
 * The same event and price table always give the same row, whichever path feeds it.
 */
export const factRows = (schema: string, events: string) => `
  SELECT d.workspace_id, d.event_id, d.event_type, d.session_id, d.execution_id, d.workflow_id, d.phase_id, d.step_name,
    d.occurred_at, d.model, d.input_tokens, d.output_tokens, d.cache_creation_tokens, d.cache_read_tokens,
    trim_scale(${tokenCost('m', 'd')}),
    COALESCE(m.price_ref, CASE WHEN d.event_type = 'ToolCalled' AND d.compute_cost_usd IS NOT NULL THEN 'reported' END),
    d.tool_name, d.duration_ms,
    CASE WHEN d.event_type = 'ToolCalled' THEN COALESCE(d.compute_cost_usd, trim_scale(${toolCost('tp', 'd.duration_ms')}), 0) ELSE 0 END,
    d.status, d.num_turns, d.tool_tokens, d.reported_cost_usd, d.commit_pos, d.prepare_pos
  FROM (
    -- OFFSET 0 keeps this a subquery, so each field is parsed once per event, not once per reference.
    SELECT u.*, u.input_tokens + u.cache_creation_tokens + u.cache_read_tokens AS prompt
    FROM (SELECT e.event_type, e.commit_pos, e.prepare_pos, ${USAGE_FIELDS} FROM ${events} OFFSET 0) u
    OFFSET 0) d
  LEFT JOIN ${schema}.model_prices m ON d.event_type = 'TokenUsed' AND ${modelBandMatch('m', 'd.model', 'd.occurred_at', 'd.prompt')}
  LEFT JOIN ${schema}.tool_prices tp ON d.event_type = 'ToolCalled' AND d.compute_cost_usd IS NULL
    AND ${toolBandMatch('tp', 'd.tool_name', 'd.occurred_at')}`;

/** Events as the projector sends them: one JSON array in parameter $1 (one string to send, one fast parse). */
const EVENTS_FROM_JSON = `json_to_recordset($1::json) AS e(event_type text, data jsonb, commit_pos numeric, prepare_pos numeric)`;
const eventsJson = (events: readonly RecordedEvent[]) =>
  JSON.stringify(events.map((e) => ({ event_type: e.type, data: e.data, commit_pos: String(e.position.commit), prepare_pos: String(e.position.prepare) })));

/** Log order: ties in time and "first seen" are decided by the log, so any batching gives the same rows. */
const LOG_ORDER = 'commit_pos, prepare_pos';
const latestFinal = (col: string) =>
  `(array_agg(${col} ORDER BY occurred_at DESC, commit_pos DESC, prepare_pos DESC) FILTER (WHERE event_type = 'SessionFinalized'))[1]`;
const firstSeen = (col: string) => `(array_agg(${col} ORDER BY ${LOG_ORDER}) FILTER (WHERE ${col} IS NOT NULL))[1]`;
/** The latest finalization wins, a later one in the log on a tie; `s` is the stored row, `excluded` the batch's. */
const ifNewerFinal = (col: string) =>
  `CASE WHEN excluded.completed_at IS NOT NULL AND (s.completed_at IS NULL OR excluded.completed_at >= s.completed_at) THEN excluded.${col} ELSE s.${col} END`;
const add = (alias: string, cols: string[]) => cols.map((c) => `${c} = ${alias}.${c} + excluded.${c}`).join(', ');

/*
 * Each aggregate is one GROUP BY over a set of facts: a batch's newly inserted
 * facts when projecting live (then merged into the stored rows ON CONFLICT),
 * or the whole cost_facts table after a bulk load. One definition serves both,
 * so a rebuild and the live projection cannot disagree.
 */
const SESSION_COLUMNS = `workspace_id, session_id, execution_id, workflow_id, phase_id, token_cost, compute_cost,
    input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, token_events, unpriced_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at`;
const sessionRows = (facts: string) => `
  SELECT workspace_id, session_id, ${firstSeen('execution_id')}, ${firstSeen('workflow_id')}, ${firstSeen('phase_id')},
    COALESCE(sum(token_cost), 0), sum(compute_cost),
    sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens),
    count(*) FILTER (WHERE event_type = 'TokenUsed'),
    count(*) FILTER (WHERE event_type = 'TokenUsed' AND token_cost IS NULL),
    count(*) FILTER (WHERE event_type = 'ToolCalled'),
    sum(reported_cost),
    bool_or(event_type = 'SessionFinalized'), ${latestFinal('status')}, ${latestFinal('num_turns')}, ${latestFinal('duration_ms')},
    min(occurred_at), max(occurred_at) FILTER (WHERE event_type = 'SessionFinalized'), max(occurred_at)
  FROM ${facts} GROUP BY session_id, workspace_id`;

const HOURLY_COLUMNS = `workspace_id, hour, dimension, key, token_cost, compute_cost, input_tokens, output_tokens,
    cache_creation_tokens, cache_read_tokens, calls, unpriced_calls`;
/** A fact's UTC hour: date_bin counts whole hours from a UTC midnight, without date_trunc's time-zone conversion. */
const HOUR_OF = `date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z')`;
/** The hourly rows of one dimension: usage (not finalizations) with that key, summed per hour. */
const hourlyDimension = (facts: string, dimension: string, key: string, calls: string) => `
  SELECT workspace_id, ${HOUR_OF} AS hour, ${dimension} AS dimension, ${key} AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    sum(cache_creation_tokens) AS cache_creation_tokens, sum(cache_read_tokens) AS cache_read_tokens, ${calls} AS calls,
    count(*) FILTER (WHERE event_type = 'TokenUsed' AND token_cost IS NULL) AS unpriced_calls
  FROM ${facts} WHERE event_type <> 'SessionFinalized' AND ${key} IS NOT NULL
  GROUP BY 1, 2, 3, 4`;
/**
 * One GROUP BY per dimension: each is a hash aggregate over the facts with few groups, which
 * beats summing finer rows first and fanning them out (that sorts all facts and hashes four
 * times as many rows). `calls` counts TokenUsed on model and execution rows, ToolCalled on
 * tool rows, and both on workflow and phase rows.
 */
const hourlyRows = (facts: string) =>
  [
    hourlyDimension(facts, `CASE WHEN event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END`, 'COALESCE(model, tool_name)', 'count(*)'),
    hourlyDimension(facts, `'execution'`, 'execution_id', `count(*) FILTER (WHERE event_type = 'TokenUsed')`),
    hourlyDimension(facts, `'workflow'`, 'workflow_id', 'count(*)'),
    hourlyDimension(facts, `'phase'`, 'phase_id', 'count(*)'),
  ].join(' UNION ALL ');

const DAILY_COLUMNS = HOURLY_COLUMNS.replace('hour', 'day');
/** Hourly rows (as `hourlyRows` gives them) summed per UTC day (midnight to midnight): the daily rollup has no definition of its own. */
const dailyRows = (hourly: string) => `
  SELECT workspace_id, date_bin('1 day', hour, '2000-01-01T00:00:00Z'), dimension, key, sum(token_cost), sum(compute_cost), sum(input_tokens),
    sum(output_tokens), sum(cache_creation_tokens), sum(cache_read_tokens), sum(calls), sum(unpriced_calls)
  FROM ${hourly} GROUP BY 1, 2, 3, 4`;
const ROLLUP_SUMS = ['token_cost', 'compute_cost', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'calls', 'unpriced_calls'];

const EXECUTION_COLUMNS = 'workspace_id, execution_id, workflow_id, started_at';
/**
 * A run's workflow is the first one seen in log order. A run nearly always has one workflow, so the
 * facts are hashed per run with its least and greatest workflow, and only a run where those differ
 * has its facts sorted into log order to find the first: sorting every fact by run was most of the cost.
 */
const executionRows = (facts: string) => `
  WITH g AS (
    SELECT workspace_id, execution_id, min(workflow_id) AS least_workflow, max(workflow_id) AS greatest_workflow, min(occurred_at) AS started_at
    FROM ${facts} WHERE execution_id IS NOT NULL GROUP BY execution_id, workspace_id)
  SELECT g.workspace_id, g.execution_id, COALESCE(m.workflow_id, g.least_workflow), g.started_at
  FROM g LEFT JOIN (
    SELECT DISTINCT ON (f.execution_id, f.workspace_id) f.execution_id, f.workspace_id, f.workflow_id
    FROM ${facts} f JOIN g ON g.execution_id = f.execution_id AND g.workspace_id = f.workspace_id AND g.least_workflow <> g.greatest_workflow
    WHERE f.workflow_id IS NOT NULL
    ORDER BY f.execution_id, f.workspace_id, f.${LOG_ORDER.replace(', ', ', f.')}
  ) m ON m.execution_id = g.execution_id AND m.workspace_id = g.workspace_id`;

/**
 * One statement applies a whole batch: facts are inserted with the read-side
 * dedupe `(workspace_id, event_id)`, and only the rows actually inserted flow on
 * into the session, hourly, daily and execution aggregates, grouped first so
 * each aggregate row is touched once. The checkpoint is written by the same
 * statement, so it commits with the rows or not at all.
 */
function batchSql(schema: string): string {
  const s = schema;
  return `
WITH ins AS (
  INSERT INTO ${s}.cost_facts (${COST_FACT_COLUMNS})${factRows(s, EVENTS_FROM_JSON)}
  ON CONFLICT (workspace_id, event_id) DO NOTHING
  RETURNING *
),
sessions AS (
  INSERT INTO ${s}.session_costs AS s (${SESSION_COLUMNS})${sessionRows('ins')}
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
batch_hours AS MATERIALIZED (${hourlyRows('ins')}),
hourly AS (
  INSERT INTO ${s}.hourly_costs AS h (${HOURLY_COLUMNS}) SELECT * FROM batch_hours
  ON CONFLICT (workspace_id, dimension, hour, key) DO UPDATE SET ${add('h', ROLLUP_SUMS)}
  RETURNING 1
),
daily AS (
  INSERT INTO ${s}.daily_costs AS d (${DAILY_COLUMNS})${dailyRows('batch_hours')}
  ON CONFLICT (workspace_id, dimension, day, key) DO UPDATE SET ${add('d', ROLLUP_SUMS)}
  RETURNING 1
),
executions AS (
  INSERT INTO ${s}.execution_index AS e (${EXECUTION_COLUMNS})${executionRows('ins')}
  ON CONFLICT (workspace_id, execution_id) DO UPDATE SET
    workflow_id = COALESCE(e.workflow_id, excluded.workflow_id),
    started_at = LEAST(e.started_at, excluded.started_at)
  RETURNING 1
),
checkpoint AS (
  ${checkpointUpsert(s, '$2, $3, $4, $5')}
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted`;
}

const checkpointUpsert = (schema: string, values: string) => `
  INSERT INTO ${schema}.checkpoint AS c (projection, commit_pos, prepare_pos, events_applied, pricing_version, updated_at)
  VALUES ('${COST_PROJECTION}', ${values}, now())
  ON CONFLICT (projection) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos,
    events_applied = c.events_applied + excluded.events_applied, pricing_version = excluded.pricing_version, updated_at = now()`;

/**
 * After a bulk load of `cost_facts` (no keys yet), derives every aggregate from
 * the whole table with the same definitions the live projection uses. The chains
 * may run side by side; the statements of one chain run in order.
 */
export function bulkAggregateSql(schema: string): string[][] {
  const s = schema;
  return [
    [`INSERT INTO ${s}.session_costs (${SESSION_COLUMNS})${sessionRows(`${s}.cost_facts`)}`],
    [
      `INSERT INTO ${s}.hourly_costs (${HOURLY_COLUMNS})${hourlyRows(`${s}.cost_facts`)}`,
      `INSERT INTO ${s}.daily_costs (${DAILY_COLUMNS})${dailyRows(`${s}.hourly_costs`)}`,
    ],
    [`INSERT INTO ${s}.execution_index (${EXECUTION_COLUMNS})${executionRows(`${s}.cost_facts`)}`],
  ];
}

/** Sets the checkpoint of a bulk-loaded schema. */
export async function writeCheckpoint(db: SqlRunner, schema: string, position: LogPosition, eventsApplied: number, pricingVersion: number): Promise<void> {
  await db.query(checkpointUpsert(schema, '$1, $2, $3, $4'), [String(position.commit), String(position.prepare), eventsApplied, pricingVersion]);
}

/** Appends the facts of `events` to a table without keys: the bulk load's insert, no conflict handling. */
export async function insertCostFacts(db: SqlRunner, schema: string, events: readonly RecordedEvent[]): Promise<void> {
  await db.query(`INSERT INTO ${schema}.cost_facts (${COST_FACT_COLUMNS})${factRows(schema, EVENTS_FROM_JSON)}`, [eventsJson(events)]);
}

/** Replaces the schema's price table: the projection prices every later fact with it. */
export async function writePriceTable(db: SqlRunner, schema: string, table: PriceTable): Promise<void> {
  await db.query(`DELETE FROM ${schema}.model_prices`);
  await db.query(`DELETE FROM ${schema}.tool_prices`);
  await db.query(`INSERT INTO ${schema}.model_prices SELECT * FROM json_populate_recordset(NULL::${schema}.model_prices, $1::json)`, [
    JSON.stringify(table.models),
  ]);
  await db.query(`INSERT INTO ${schema}.tool_prices SELECT * FROM json_populate_recordset(NULL::${schema}.tool_prices, $1::json)`, [
    JSON.stringify(table.tools),
  ]);
}

const statements = new Map<string, string>();

/**
 * Applies a batch of events and moves the checkpoint to `position`, which may lie
 * past the last event (a filtered gap). The schema's price table must hold the
 * catalog of `pricingVersion`. Returns how many facts were new.
 */
export async function applyCostBatch(
  db: SqlRunner,
  schema: string,
  events: readonly RecordedEvent[],
  position: LogPosition,
  pricingVersion: number,
): Promise<number> {
  let sql = statements.get(schema);
  if (!sql) statements.set(schema, (sql = batchSql(schema)));
  const { rows } = await db.query<{ inserted: number }>(sql, [
    eventsJson(events),
    String(position.commit),
    String(position.prepare),
    events.length,
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
