import { inTransaction, READ_MODEL_SCHEMA } from '@ledger/database';
import type { Pool } from 'pg';
import { modifierColumnsDdl, pricedFactsView, priceTablesDdl, ROLLUP_USAGE_COLUMNS, TOTAL_FIELDS, usageColumnsDdl } from '@ledger/pricing';

/**
 * The read-model schema. It is disposable: every row in it is derived from the
 * event log and the pricing catalog, so a rebuild creates the same DDL under a
 * shadow name, fills it, and swaps it in. Keys (`readModelKeys`) and indexes
 * (`readModelIndexes`) are created after a bulk load, because building them once
 * is cheaper than maintaining them row by row.
 *
 * Ledger terms used in column names:
 * - token cost: the priced cost of `TokenUsed` events; NULL on a fact means unpriced.
 * - compute cost: the cost a `ToolCalled` event carries (or its tool's compute price).
 * - dimension: the breakdown an hourly or daily rollup row belongs to.
 *
 * Aggregate tables are written once per batch per row, so they are kept lean:
 * only columns that rarely change are indexed, and pages keep free space
 * (fillfactor 70), which lets PostgreSQL update a row in place (a HOT update)
 * without touching any index. The one exception is the sessions' cost index,
 * which the summary's top ten needs. Per-session breakdowns are not stored: they are
 * summed from the session's facts when read.
 */

/**
 * Every text column is an identifier (workspace, session, event, model, …), compared bytewise: that
 * order does not depend on the server's locale, and PostgreSQL sorts and builds indexes on C-collated
 * text with abbreviated keys (it disables them for other libc collations), which halves the cost of
 * the bulk load's sorts and index builds.
 */
const ID = 'text COLLATE "C"';

export function readModelTables(schema: string): string[] {
  const s = schema;
  return [
    `CREATE SCHEMA ${s}`,
    ...checkpointTables(s),
    // One row per usage event, as the log has it: no price is stored here. Readers of per-call costs read
    // the priced_facts view, which prices each fact against this schema's band tables (ADR 0013).
    `CREATE TABLE ${s}.cost_facts (
       workspace_id ${ID} NOT NULL,
       event_id ${ID} NOT NULL,
       event_type ${ID} NOT NULL,
       session_id ${ID} NOT NULL,
       -- The session's execution, which every event of the session counts under (ADR 0016); the projection
       -- sets it, and moves the session's earlier facts when the session names its first execution.
       execution_id ${ID},
       -- The execution the event itself names, as the log has it: what the session's execution is derived from.
       named_execution_id ${ID},
       workflow_id ${ID},
       phase_id ${ID},
       step_name ${ID},
       occurred_at timestamptz NOT NULL,
       model ${ID},
       -- The provider a TokenUsed call named, '' for none: with the model name, what resolution starts from.
       provider ${ID},
       ${usageColumnsDdl()},
       ${modifierColumnsDdl()},
       tool_name ${ID},
       duration_ms bigint,
       reported_compute_cost numeric,
       status ${ID},
       num_turns integer,
       tool_tokens jsonb,
       reported_cost numeric,
       commit_pos numeric NOT NULL,
       prepare_pos numeric NOT NULL)`,
    `CREATE TABLE ${s}.session_costs (
       workspace_id ${ID} NOT NULL,
       session_id ${ID} NOT NULL,
       execution_id ${ID},
       workflow_id ${ID},
       phase_id ${ID},
       token_cost numeric NOT NULL DEFAULT 0,
       compute_cost numeric NOT NULL DEFAULT 0,
       total_cost numeric GENERATED ALWAYS AS (token_cost + compute_cost) STORED,
       ${usageColumnsDdl()},
       total_tokens bigint GENERATED ALWAYS AS (${TOTAL_FIELDS.join(' + ')}) STORED,
       token_events integer NOT NULL DEFAULT 0,
       unpriced_events integer NOT NULL DEFAULT 0,
       tool_calls integer NOT NULL DEFAULT 0,
       reported_cost numeric,
       is_finalized boolean NOT NULL DEFAULT false,
       final_status ${ID},
       final_num_turns integer,
       final_duration_ms bigint,
       started_at timestamptz NOT NULL,
       completed_at timestamptz,
       last_event_at timestamptz NOT NULL) WITH (fillfactor = 70)`,
    `CREATE TABLE ${s}.execution_index (
       workspace_id ${ID} NOT NULL,
       execution_id ${ID} NOT NULL,
       started_at timestamptz NOT NULL) WITH (fillfactor = 70)`,
    // Hourly rollup per workspace and dimension (model, tool, execution, workflow, phase): summaries add whole
    // hours from here and only the partial hours at a range's edges from cost_facts. On every row `calls` counts
    // TokenUsed events and `tool_calls` ToolCalled events (so a model row has no tool calls, a tool row no calls).
    // Model and tool rows together partition all usage; workflow, phase and execution rows exist only for
    // events that carry that id (an event without one is the remainder of the hour's total).
    `CREATE TABLE ${s}.hourly_costs (
       workspace_id ${ID} NOT NULL,
       hour timestamptz NOT NULL,
       dimension ${ID} NOT NULL,
       key ${ID} NOT NULL,
       token_cost numeric NOT NULL DEFAULT 0,
       compute_cost numeric NOT NULL DEFAULT 0,
       ${usageColumnsDdl(ROLLUP_USAGE_COLUMNS)},
       calls integer NOT NULL DEFAULT 0,
       tool_calls integer NOT NULL DEFAULT 0,
       unpriced_calls integer NOT NULL DEFAULT 0) WITH (fillfactor = 70)`,
    // The same rollup per UTC day: long ranges add whole days from here, whole hours only around the days
    // their bucket boundaries cut, and per-call facts only inside the hours those boundaries cut.
    `CREATE TABLE ${s}.daily_costs (LIKE ${s}.hourly_costs INCLUDING DEFAULTS) WITH (fillfactor = 70)`,
    `ALTER TABLE ${s}.daily_costs RENAME COLUMN hour TO day`,
    // The catalog the facts were priced with, compiled into disjoint bands (compilePriceTable): the
    // projection prices usage by joining these, so the schema carries its own prices through a swap.
    ...priceTablesDdl(s),
    pricedFactsView(s),
  ];
}

/**
 * Where the projection has got (ADR 0026). The live projection is split by workspace into partitions
 * (`partitionOf`), each with its own checkpoint row, written only by the batches of that partition's holder:
 * no row is written by every batch of every projector process. What the whole schema shares is in
 * `projection_state`, one row written only when it moves: the catalog version the schema is priced with
 * (ADR 0013: one version throughout), how many partitions its checkpoints are, and a generation that a
 * rebuild's swap moves so that projectors caching anything about the schema start over.
 *
 * `checkpoint` is the whole model's checkpoint as readers knew it before partitions: the least position of
 * the partitions (every partition has passed it), the events all of them applied, the pricing version. A
 * share lock on it (PricingChanges) locks the tables under it, so it waits for any batch's checkpoint write.
 */
export function checkpointTables(schema: string): string[] {
  const s = schema;
  return [
    `CREATE TABLE ${s}.projection_state (
       projection text PRIMARY KEY,
       pricing_version bigint NOT NULL DEFAULT 0,
       partitions integer NOT NULL,
       generation bigint NOT NULL DEFAULT 0)`,
    `CREATE TABLE ${s}.partition_checkpoints (
       partition integer PRIMARY KEY,
       commit_pos numeric NOT NULL,
       prepare_pos numeric NOT NULL,
       events_applied bigint NOT NULL DEFAULT 0,
       updated_at timestamptz NOT NULL DEFAULT now()) WITH (fillfactor = 50)`,
    `CREATE VIEW ${s}.checkpoint AS
       SELECT st.projection, lo.commit_pos, lo.prepare_pos, t.events_applied, st.pricing_version, t.updated_at
       FROM ${s}.projection_state st
       CROSS JOIN LATERAL (SELECT commit_pos, prepare_pos FROM ${s}.partition_checkpoints ORDER BY commit_pos, prepare_pos LIMIT 1) lo
       CROSS JOIN LATERAL (SELECT sum(events_applied)::bigint AS events_applied, max(updated_at) AS updated_at FROM ${s}.partition_checkpoints) t`,
  ];
}

/**
 * The keys the projection upserts on. Separate from the tables so that a bulk
 * load can fill them first and prove uniqueness once, when the key is built.
 * Keys and indexes read only by equality lead with their most selective column
 * (a session, not its workspace): building them sorts on distinct values first.
 */
/** Keys or indexes of the read model: those of the per-call facts, and those of the aggregates built from them. */
export interface FactsAndAggregates {
  readonly facts: string[];
  readonly aggregates: string[];
}

export function readModelKeys(schema: string): FactsAndAggregates {
  const s = schema;
  return {
    facts: [`ALTER TABLE ${s}.cost_facts ADD PRIMARY KEY (event_id, workspace_id)`],
    aggregates: [
      `ALTER TABLE ${s}.session_costs ADD PRIMARY KEY (session_id, workspace_id)`,
      `ALTER TABLE ${s}.execution_index ADD PRIMARY KEY (execution_id, workspace_id)`,
      `ALTER TABLE ${s}.hourly_costs ADD PRIMARY KEY (workspace_id, dimension, hour, key)`,
      `ALTER TABLE ${s}.daily_costs ADD PRIMARY KEY (workspace_id, dimension, day, key)`,
    ],
  };
}

export function readModelIndexes(schema: string): FactsAndAggregates {
  const s = schema;
  return {
    facts: [
      `CREATE INDEX ON ${s}.cost_facts (execution_id, workspace_id, occurred_at, event_id) WHERE execution_id IS NOT NULL`,
      `CREATE INDEX ON ${s}.cost_facts (workspace_id, occurred_at)`,
      `CREATE INDEX ON ${s}.cost_facts (session_id, workspace_id)`,
    ],
    aggregates: [
      // A run's totals: its execution rows, whatever hours they are in (key and hour never change: HOT-safe).
      `CREATE INDEX ON ${s}.hourly_costs (workspace_id, key, hour) WHERE dimension = 'execution'`,
      `CREATE INDEX ON ${s}.session_costs (workspace_id, started_at DESC, session_id DESC)`,
      `CREATE INDEX ON ${s}.session_costs (started_at DESC, workspace_id DESC, session_id DESC)`,
      `CREATE INDEX ON ${s}.session_costs (execution_id, workspace_id) WHERE execution_id IS NOT NULL`,
      // A workspace's costliest sessions (the summary's top ten) without sorting all of them. total_cost changes
      // with every call, so this index costs session updates their HOT path; the summary is the front page.
      `CREATE INDEX ON ${s}.session_costs (workspace_id, total_cost DESC, session_id)`,
      `CREATE INDEX ON ${s}.execution_index (workspace_id, started_at DESC, execution_id DESC)`,
      `CREATE INDEX ON ${s}.execution_index (started_at DESC, workspace_id DESC, execution_id DESC)`,
    ],
  };
}

/** The whole read model, keyed and indexed, as a migration creates it. */
export const readModel = (schema: string): string[] => {
  const [keys, indexes] = [readModelKeys(schema), readModelIndexes(schema)];
  return [...readModelTables(schema), ...keys.facts, ...keys.aggregates, ...indexes.facts, ...indexes.aggregates];
};

/**
 * Creates the live read model, in this release's shape, unless it exists: the migrations drop it when its
 * shape changes (recreateReadModel), and every process creates it before serving or projecting. Replicas that
 * start together take turns under the migrations' lock.
 */
export async function ensureReadModel(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(7231001)');
    const { rows } = await client.query<{ present: boolean }>('SELECT to_regnamespace($1) IS NOT NULL AS present', [READ_MODEL_SCHEMA]);
    if (!rows[0].present) for (const sql of readModel(READ_MODEL_SCHEMA)) await client.query(sql);
  });
}
