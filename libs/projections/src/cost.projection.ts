import type { LogPageSql, LogPosition, LogScan, RecordedEvent } from '@ledger/event-store';
import type { SessionFinalized, TokenUsed, ToolCalled } from '@ledger/ingest';
import {
  addModelNames,
  compilePriceTable,
  unseenModelNames,
  ModelName,
  PriceCatalog,
  MODIFIER_COLUMNS,
  PRICE_MODIFIERS,
  pricedFacts,
  PriceTable,
  ROLLUP_USAGE_COLUMNS,
  SqlRunner,
  USAGE_COLUMNS,
  USAGE_CLASSES,
  UsageField,
  writePriceTable,
} from '@ledger/pricing';
import { PartitionAdvance, upToPartitionPositions, writeCheckpoints } from './partitions/partition-checkpoints';
import { partitionOfSql } from './partitions/partition-of';

export const COST_PROJECTION = 'costs';

/** The columns of `cost_facts`, in the order `factRows` gives them. */
export const COST_FACT_COLUMNS = `workspace_id, event_id, event_type, session_id, execution_id, named_execution_id, workflow_id, phase_id, step_name,
  occurred_at, model, provider, ${USAGE_COLUMNS.join(', ')}, ${MODIFIER_COLUMNS.join(', ')}, tool_name, duration_ms,
  reported_compute_cost, status, num_turns, tool_tokens, reported_cost, commit_pos, prepare_pos`;

/*
 * A stored event's field, read by its name in the event contract: renaming a field of `TokenUsed` (or of
 * every usage event, for `common`) fails to compile here instead of projecting NULLs and zeros.
 */
type AnyUsage = TokenUsed | ToolCalled | SessionFinalized;
const common = (name: keyof AnyUsage & string) => `e.data->>'${name}'`;
const token = (name: keyof TokenUsed & string) => `e.data->>'${name}'`;
const tool = (name: keyof ToolCalled & string) => `e.data->>'${name}'`;
const final = (name: keyof SessionFinalized & string) => `e.data->>'${name}'`;
/** Every usage class is a field of `TokenUsed`: checked when this compiles. */
const USAGE_FIELDS: readonly (keyof TokenUsed & UsageField)[] = USAGE_CLASSES.map((c) => c.field);

/**
 * The projection's evolve step, set-based: each usage event of `events` (a relation `e` of
 * `event_type, data, commit_pos, prepare_pos`) becomes one `cost_facts` row, its JSON fields
 * (as ingest validated them) each read once, by name. Facts carry no price: `pricedFacts` adds
 * the costs wherever they are summed or read. The execution a fact counts under is, at first, the one
 * it names; the session's (`attributedRows`, `attributeToSessionsSql`) replaces it before anything is summed.
 */
export const factRows = (events: string) => `
  SELECT ${common('workspace_id')}, ${common('event_id')}, e.event_type, ${common('session_id')}, ${common('execution_id')}, ${common('execution_id')},
    ${common('workflow_id')}, ${common('phase_id')}, ${token('step_name')}, (${common('occurred_at')})::timestamptz, ${token('model')},
    CASE WHEN e.event_type = 'TokenUsed' THEN COALESCE(${token('provider')}, '') END,
    ${USAGE_FIELDS.map((f) => `COALESCE((${token(f)})::bigint, 0)`).join(', ')},
    ${PRICE_MODIFIERS.map((m) => `NULLIF(${token(m.field)}, '${m.default}')`).join(', ')},
    ${tool('tool_name')}, (${tool('duration_ms')})::bigint,
    CASE WHEN e.event_type = 'ToolCalled' THEN (${tool('compute_cost_usd')})::numeric END,
    ${tool('status')}, (${final('num_turns')})::integer,
    CASE WHEN e.event_type = 'TokenUsed' THEN e.data->'${'tool_tokens' satisfies keyof TokenUsed}' END,
    (${token('reported_cost_usd')})::numeric, e.commit_pos, e.prepare_pos
  FROM ${events}`;

/** The columns of priced usage (`pricedUsage`): what the session costs and the rollups sum. */
const PRICED_USAGE_COLUMNS = `workspace_id, session_id, event_type, occurred_at, model, tool_name, execution_id, workflow_id, phase_id,
  ${PRICE_MODIFIERS.filter((m) => m.rollup).map((m) => `${m.field}, `).join('')}${ROLLUP_USAGE_COLUMNS.join(', ')}, token_cost, unpriced, compute_cost`;
/** The usage facts (not finalizations) of relation `facts`, priced with the band tables of `schema`. */
const pricedUsage = (schema: string, facts: string, where = 'true') => `
  SELECT ${PRICED_USAGE_COLUMNS} FROM (${pricedFacts(schema, facts)}) p WHERE event_type <> 'SessionFinalized' AND ${where}`;

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
 * or all facts after a bulk load. One definition serves both, so a rebuild and
 * the live projection cannot disagree. What depends on prices is summed from
 * priced usage (`pricedUsage`); the rest from the facts alone, so a restatement
 * with new prices re-sums only the former.
 */
/** A session's columns that no price changes, in the order `sessionShapeRows` gives them. */
export const SESSION_SHAPE_COLUMNS = `workspace_id, session_id, execution_id, workflow_id, phase_id,
    ${USAGE_COLUMNS.join(', ')}, token_events, tool_calls, reported_cost,
    is_finalized, final_status, final_num_turns, final_duration_ms, started_at, completed_at, last_event_at`;
const SESSION_COLUMNS = `${SESSION_SHAPE_COLUMNS}, token_cost, compute_cost, unpriced_events`;
export const sessionShapeRows = (facts: string) => `
  SELECT workspace_id, session_id, ${firstSeen('execution_id')}, ${firstSeen('workflow_id')}, ${firstSeen('phase_id')},
    ${USAGE_COLUMNS.map((c) => `sum(${c})`).join(', ')},
    count(*) FILTER (WHERE event_type = 'TokenUsed'), count(*) FILTER (WHERE event_type = 'ToolCalled'), sum(reported_cost),
    bool_or(event_type = 'SessionFinalized'), ${latestFinal('status')}, ${latestFinal('num_turns')}, ${latestFinal('duration_ms')},
    min(occurred_at), max(occurred_at) FILTER (WHERE event_type = 'SessionFinalized'), max(occurred_at)
  FROM ${facts} GROUP BY session_id, workspace_id`;
/** Sessions (`shapes`, as `sessionShapeRows` gives them) with their costs summed from `priced` usage. */
const sessionRows = (shapes: string, priced: string) => `
  SELECT ${SESSION_SHAPE_COLUMNS.replace(/(\w+)/g, 'sh.$1')},
    COALESCE(c.token_cost, 0), COALESCE(c.compute_cost, 0), COALESCE(c.unpriced_events, 0)
  FROM ${shapes} sh(${SESSION_SHAPE_COLUMNS}) LEFT JOIN (
    SELECT workspace_id, session_id, sum(token_cost) AS token_cost, sum(compute_cost) AS compute_cost,
      count(*) FILTER (WHERE unpriced) AS unpriced_events
    FROM ${priced} GROUP BY session_id, workspace_id
  ) c ON c.session_id = sh.session_id AND c.workspace_id = sh.workspace_id`;

const HOURLY_COLUMNS = `workspace_id, hour, dimension, key, token_cost, compute_cost, ${ROLLUP_USAGE_COLUMNS.join(', ')}, calls, tool_calls, unpriced_calls`;
/** A fact's UTC hour: date_bin counts whole hours from a UTC midnight, without date_trunc's time-zone conversion. */
const HOUR_OF = `date_bin('1 hour', occurred_at, '2000-01-01T00:00:00Z')`;
/** The hourly rows of one dimension: priced usage with that key, summed per hour. */
const hourlyDimension = (priced: string, [dimension, key]: HourlyDimension) => `
  SELECT workspace_id, ${HOUR_OF} AS hour, ${dimension} AS dimension, ${key} AS key, COALESCE(sum(token_cost), 0) AS token_cost,
    sum(compute_cost) AS compute_cost, ${ROLLUP_USAGE_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
    count(*) FILTER (WHERE event_type = 'TokenUsed') AS calls, count(*) FILTER (WHERE event_type = 'ToolCalled') AS tool_calls,
    count(*) FILTER (WHERE unpriced) AS unpriced_calls
  FROM ${priced} WHERE ${key} IS NOT NULL
  GROUP BY 1, 2, 3, 4`;
/** A rollup dimension: its name and its key. On every row `calls` counts TokenUsed events, `tool_calls` ToolCalled events. */
type HourlyDimension = readonly [dimension: string, key: string];
const EXECUTION_DIMENSION: HourlyDimension = [`'execution'`, 'execution_id'];
/**
 * One GROUP BY per dimension: each is a hash aggregate over the facts with few groups, which
 * beats summing finer rows first and fanning them out (that sorts all facts and hashes four
 * times as many rows).
 */
const HOURLY_DIMENSIONS: readonly HourlyDimension[] = [
  [`CASE WHEN event_type = 'TokenUsed' THEN 'model' ELSE 'tool' END`, 'COALESCE(model, tool_name)'],
  EXECUTION_DIMENSION,
  [`'workflow'`, 'workflow_id'],
  [`'phase'`, 'phase_id'],
];
/**
 * How calls were served (PRICE_MODIFIERS with `rollup`): rows only for calls served otherwise than by default,
 * the default's figures being the hour's remainder. Few calls have one, so a bulk load sums them from one pass
 * that keeps only those calls, not from a pass over all usage per dimension (which cost a restatement 11%).
 */
const SERVED_DIMENSIONS: readonly HourlyDimension[] = PRICE_MODIFIERS.filter((m) => m.rollup).map((m) => [`'${m.field}'`, m.field]);
const servedRows = (priced: string) => SERVED_DIMENSIONS.map((d) => hourlyDimension(priced, d)).join(' UNION ALL ');
const servedUsage = (priced: string) => `SELECT * FROM ${priced} WHERE ${SERVED_DIMENSIONS.map(([, key]) => `${key} IS NOT NULL`).join(' OR ')}`;
/** The batch's hourly rows; `adopted`: earlier usage of sessions that name their execution in this batch, which moves into it. */
const hourlyRows = (priced: string, adopted: string) =>
  [
    ...HOURLY_DIMENSIONS.map((d) => hourlyDimension(d === EXECUTION_DIMENSION ? `(SELECT * FROM ${priced} UNION ALL SELECT * FROM ${adopted})` : priced, d)),
    servedRows(priced),
  ].join(' UNION ALL ');

const DAILY_COLUMNS = HOURLY_COLUMNS.replace('hour', 'day');
const ROLLUP_SUMS = ['token_cost', 'compute_cost', ...ROLLUP_USAGE_COLUMNS, 'calls', 'tool_calls', 'unpriced_calls'];
/** Hourly rows (as `hourlyRows` gives them) summed per UTC day (midnight to midnight): the daily rollup has no definition of its own. */
const dailyRows = (hourly: string) => `
  SELECT workspace_id, date_bin('1 day', hour, '2000-01-01T00:00:00Z'), dimension, key, ${ROLLUP_SUMS.map((c) => `sum(${c})`).join(', ')}
  FROM ${hourly} GROUP BY 1, 2, 3, 4`;

const EXECUTION_COLUMNS = 'workspace_id, execution_id, started_at';
/** The executions of `facts` (their sessions' executions) and when each began. Its workflow is read from its sessions. */
const executionRows = (facts: string) => `
  SELECT workspace_id, execution_id, min(occurred_at) FROM ${facts} WHERE execution_id IS NOT NULL GROUP BY execution_id, workspace_id`;

/*
 * Which execution an event counts under (ADR 0016): its session's, the first execution the session's
 * events name in log order. An event that names none inherits it; one that names another counts under it
 * all the same (ingest refuses such an event when it can see the conflict). A session that names its
 * first execution only in a later batch takes its earlier facts with it: they are "adopted".
 */
const FACT_COLUMN_LIST = COST_FACT_COLUMNS.split(/,\s*/);
/** The fact columns of alias `f`, with the execution taken from `execution` instead. */
const withExecution = (f: string, execution: string) =>
  FACT_COLUMN_LIST.map((c) => (c === 'execution_id' ? `${execution} AS execution_id` : `${f}.${c}`)).join(', ');
/**
 * The sessions of `raw` (new facts) and their executions once `raw` is merged into `schema`: the stored
 * session's, else the first `raw` names. `adopts`: the stored session had none and now has one.
 *
 * Each stored session is looked up by its key, in a lateral subquery the planner cannot flatten (OFFSET 0). As
 * a join, the generic plan (which estimates a live batch at a ninth of the log) hashed every stored session: a
 * scan of session_costs in every batch, 53 ms of a 57 ms batch at 1M events, growing with history (ADR 0029).
 */
const sessionExecutions = (schema: string, raw: string) => `
  SELECT n.workspace_id, n.session_id, COALESCE(s.execution_id, n.execution_id) AS execution_id,
    s.session_id IS NOT NULL AND s.execution_id IS NULL AND n.execution_id IS NOT NULL AS adopts
  FROM (SELECT workspace_id, session_id, ${firstSeen('named_execution_id')} AS execution_id FROM ${raw} GROUP BY session_id, workspace_id) n
  LEFT JOIN LATERAL (SELECT s.session_id, s.execution_id FROM ${schema}.session_costs s
    WHERE s.session_id = n.session_id AND s.workspace_id = n.workspace_id OFFSET 0) s ON true`;
/**
 * `raw` facts, each under its session's execution (`sessions` as `sessionExecutions` gives them). Every fact
 * has its session there; the outer join only keeps the planner's estimate of the facts at that of `raw`, which
 * the batch's later joins are planned by (an inner join's estimate turned the sessions' merge into a nested loop).
 */
const attributedRows = (raw: string, sessions: string) => `
  SELECT ${withExecution('r', 'a.execution_id')} FROM ${raw} r LEFT JOIN ${sessions} a ON a.session_id = r.session_id AND a.workspace_id = r.workspace_id`;

/**
 * Merges new facts into the aggregates of `schema`, priced with its band tables: `raw` (a CTE of fact
 * columns, named executions as the log has them) gives them; `facts` (a CTE over `raw` and `sessions`)
 * attributes each to its session's execution, and inserts it into the schema's facts if it does;
 * `adopted` (a CTE over `sessions`) gives the earlier facts of sessions that adopt an execution, under it.
 * Grouped first, so each aggregate row is touched once, then merged ON CONFLICT into the stored rows.
 * `tail` runs after the merges, in the same statement.
 */
function mergeSql(schema: string, parts: { raw: string; facts: string; adopted: string }, tail: string): string {
  const s = schema;
  return `
WITH raw (${COST_FACT_COLUMNS}) AS (${parts.raw}),
session_executions AS MATERIALIZED (${sessionExecutions(s, 'raw')}),
facts AS (${parts.facts}),
adopted AS (${parts.adopted}),
priced AS (${pricedUsage(s, 'facts')}),
priced_adopted AS (${pricedUsage(s, 'adopted')}),
sessions AS (
  INSERT INTO ${s}.session_costs AS s (${SESSION_COLUMNS})${sessionRows(`(${sessionShapeRows('facts')})`, 'priced')}
  ON CONFLICT (workspace_id, session_id) DO UPDATE SET
    execution_id = COALESCE(s.execution_id, excluded.execution_id),
    workflow_id = COALESCE(s.workflow_id, excluded.workflow_id),
    phase_id = COALESCE(s.phase_id, excluded.phase_id),
    ${add('s', ['token_cost', 'compute_cost', ...USAGE_COLUMNS, 'token_events', 'unpriced_events', 'tool_calls'])},
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
batch_hours AS MATERIALIZED (${hourlyRows('priced', 'priced_adopted')}),
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
  INSERT INTO ${s}.execution_index AS e (${EXECUTION_COLUMNS})${executionRows('(SELECT * FROM facts UNION ALL SELECT * FROM adopted)')}
  ON CONFLICT (workspace_id, execution_id) DO UPDATE SET started_at = LEAST(e.started_at, excluded.started_at)
  RETURNING 1
)
${tail}`;
}

/**
 * One statement applies a whole batch of `events` (a relation as `factRows` takes it): facts are inserted
 * with the read-side dedupe `(workspace_id, event_id)`, and only the rows actually inserted are merged into
 * the aggregates. A session's stored facts move to the execution it adopts (the statement's snapshot does
 * not see the facts it inserts). `checkpoint` (`partitionCheckpointsUpdate`) moves the checkpoints of the batch's
 * partitions in the same statement, so they commit with the rows or not at all. Answers the facts inserted, and the events read.
 */
const eventsBatchSql = (schema: string, events: string, checkpoint?: string) =>
  mergeSql(
    schema,
    {
      raw: factRows(events),
      facts: `INSERT INTO ${schema}.cost_facts (${COST_FACT_COLUMNS})${attributedRows('raw', 'session_executions')}
  ON CONFLICT (workspace_id, event_id) DO NOTHING
  RETURNING *`,
      adopted: `UPDATE ${schema}.cost_facts f SET execution_id = a.execution_id FROM session_executions a
  WHERE a.adopts AND f.session_id = a.session_id AND f.workspace_id = a.workspace_id
  RETURNING f.*`,
    },
    `${checkpoint ? `, checkpoint AS (
  ${checkpoint}
  RETURNING 1
)` : ''}
SELECT (SELECT count(*) FROM facts)::int AS inserted, (SELECT count(*) FROM raw)::int AS events`,
  );

/** The batch of events sent from Node (`EVENTS_FROM_JSON`, $1); its partitions' checkpoints `$2` to `$5` (`PartitionAdvance`s). */
export const batchSql = (schema: string, withCheckpoint = true) =>
  eventsBatchSql(schema, EVENTS_FROM_JSON, withCheckpoint ? partitionCheckpointsUpdate(schema, 2) : undefined);

/**
 * The batch of events `scan` reads where they lie (the log in the read model's database): no event
 * crosses into Node. Its partitions' checkpoints follow the scan's values. With `countBy` (the partition
 * count), each partition's events are counted from the batch in SQL (a page of some partitions, whose events
 * Node never sees); without, the advances carry the counts.
 */
export const logBatchSql = (schema: string, scan: LogScan, countBy?: number) =>
  eventsBatchSql(schema, `(${scan.text}) e`, partitionCheckpointsUpdate(schema, scan.values.length + 1, countBy));

/**
 * Moves the checkpoints of the partitions a batch applied, from the parameters at `first` on: their partitions,
 * positions (commit, prepare) and events. With `countBy`, the events are those of `raw` in each partition.
 */
const partitionCheckpointsUpdate = (schema: string, first: number, countBy?: number) => {
  const [partitions, commits, prepares, events] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  const advances = `unnest(${partitions}::int[], ${commits}::numeric[], ${prepares}::numeric[], ${events}::bigint[]) AS a(partition, commit_pos, prepare_pos, events)`;
  const source = countBy
    ? `(SELECT a.partition, a.commit_pos, a.prepare_pos, COALESCE(n.events, 0) AS events FROM ${advances} LEFT JOIN (
        SELECT ${partitionOfSql('workspace_id', countBy)} AS partition, count(*) AS events FROM raw GROUP BY 1) n ON n.partition = a.partition) v`
    : advances.replace(/ AS a\(/, ' AS v(');
  return `UPDATE ${schema}.partition_checkpoints c SET commit_pos = v.commit_pos, prepare_pos = v.prepare_pos,
    events_applied = c.events_applied + v.events, updated_at = now()
  FROM ${source}
  WHERE c.partition = v.partition`;
};

/** A batch's `PartitionAdvance`s as the four array parameters `partitionCheckpointsUpdate` takes. */
const advanceParams = (advances: readonly PartitionAdvance[]) => [
  advances.map((a) => a.partition),
  advances.map((a) => String(a.position.commit)),
  advances.map((a) => String(a.position.prepare)),
  advances.map((a) => a.events),
];

/**
 * Merges into the aggregates of `schema` the facts of `factsTable` after positions `after` up to `upTo`, each
 * indexed by partition (a fact is bounded by its partition's). Their executions are derived again from the
 * executions they name and the schema's sessions: the table's own may have moved since (a session adopting one
 * after `upTo`).
 */
export async function mergeFacts(db: SqlRunner, schema: string, factsTable: string, after: readonly LogPosition[], upTo: readonly LogPosition[]): Promise<number> {
  const { rows } = await db.query<{ merged: number }>(
    mergeFactsSql(schema, factsTable, {
      merged: (f) => upToPartitionPositions(f, after),
      upTo: upToPartitionPositions('', upTo),
    }),
  );
  return rows[0].merged;
}

/** `mergeFacts`' statement: by default `after` is `$1, $2` and `upTo` is `$3, $4`, one position for every fact. */
export const mergeFactsSql = (
  schema: string,
  factsTable: string,
  bounds: { merged: (prefix: string) => string; upTo: string } = {
    merged: (f) => `(${f}commit_pos, ${f}prepare_pos) <= ($1::numeric, $2::numeric)`,
    upTo: '(commit_pos, prepare_pos) <= ($3::numeric, $4::numeric)',
  },
) => {
  // Facts up to `after` are merged already: an adopting session's among them move to its execution.
  const { merged } = bounds;
  return mergeSql(
    schema,
    {
      raw: `SELECT ${COST_FACT_COLUMNS} FROM ${factsTable} WHERE NOT ${merged('')} AND ${bounds.upTo}`,
      facts: attributedRows('raw', 'session_executions'),
      adopted: `SELECT ${withExecution('f', 'a.execution_id')} FROM ${factsTable} f JOIN session_executions a
  ON a.adopts AND f.session_id = a.session_id AND f.workspace_id = a.workspace_id WHERE ${merged('f.')}`,
    },
    'SELECT (SELECT count(*) FROM facts)::int AS merged',
  );
};

/**
 * The bulk statements that derive every aggregate of `schema` from all of its facts at once, with
 * the definitions the live projection uses. `priced` is the schema's priced usage, written once
 * (`createPricedUsage`) because every price-dependent aggregate sums it; `shapes` gives the sessions'
 * price-independent columns. The daily rollup sums the hourly one, so it comes after all of them.
 */
export function bulkAggregateSql(schema: string, sources: { priced: string; shapes: string }): { first: string[]; daily: string } {
  const s = schema;
  return {
    first: [
      `INSERT INTO ${s}.session_costs (${SESSION_COLUMNS})${sessionRows(sources.shapes, sources.priced)}`,
      ...HOURLY_DIMENSIONS.map((d) => `INSERT INTO ${s}.hourly_costs (${HOURLY_COLUMNS})${hourlyDimension(sources.priced, d)}`),
      `WITH served AS MATERIALIZED (${servedUsage(sources.priced)}) INSERT INTO ${s}.hourly_costs (${HOURLY_COLUMNS})${servedRows('served')}`,
    ],
    daily: `INSERT INTO ${s}.daily_costs (${DAILY_COLUMNS})${dailyRows(`${s}.hourly_costs`)}`,
  };
}

/**
 * Puts every fact of `schema` under its session's execution, as the live projection does batch by batch.
 * Nearly every session names one execution on all of its events, or none: sessions are hashed with the
 * least and greatest execution they name, and only the others have their facts sorted into log order.
 */
export const attributeToSessionsSql = (schema: string) => `
  WITH mixed AS (
    SELECT workspace_id, session_id FROM ${schema}.cost_facts GROUP BY session_id, workspace_id
    HAVING min(named_execution_id) <> max(named_execution_id) OR count(named_execution_id) NOT IN (0, count(*))),
  first AS (
    SELECT f.workspace_id, f.session_id, ${firstSeen('f.named_execution_id')} AS execution_id
    FROM ${schema}.cost_facts f JOIN mixed m ON m.session_id = f.session_id AND m.workspace_id = f.workspace_id
    GROUP BY f.session_id, f.workspace_id)
  UPDATE ${schema}.cost_facts f SET execution_id = first.execution_id FROM first
  WHERE f.session_id = first.session_id AND f.workspace_id = first.workspace_id AND f.execution_id IS DISTINCT FROM first.execution_id`;

/** Derives the execution index of `schema` from all of its facts. */
export const bulkExecutionsSql = (schema: string) => `INSERT INTO ${schema}.execution_index (${EXECUTION_COLUMNS})${executionRows(`${schema}.cost_facts`)}`;

/** The name of the unlogged table of priced usage a bulk restatement sums. */
export const pricedUsageTable = (schema: string) => `${schema}.priced_usage`;

/**
 * Creates `pricedUsageTable(schema)`, empty, and answers the statements that fill it with the priced usage
 * of `factsTable` (the facts matching `where`), priced with the band tables of `schema`: `slices` of them,
 * over disjoint block ranges of the facts, which may run side by side. With `sessions` (a table of
 * sessions' `workspace_id, session_id, execution_id`, as they were when the facts were cut), each fact
 * counts under its session's execution there: a fact of a session that had one then has it still, so only
 * the facts of sessions that had none are looked up (and count under none).
 */
export async function createPricedUsage(
  db: SqlRunner,
  schema: string,
  factsTable: string,
  where: string,
  slices: number,
  sessions?: string,
): Promise<string[]> {
  const table = pricedUsageTable(schema);
  await db.query(`CREATE UNLOGGED TABLE ${table} AS ${pricedUsage(schema, factsTable)} WITH NO DATA`);
  const { rows } = await db.query<{ blocks: string }>(`SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::text AS blocks`, [
    factsTable,
  ]);
  return pricedUsageSlices(schema, factsTable, where, Number(rows[0].blocks), slices, sessions);
}

/** `createPricedUsage`'s statements, for a facts table of `blocks` blocks. */
export function pricedUsageSlices(schema: string, factsTable: string, where: string, blocks: number, slices: number, sessions?: string): string[] {
  const width = Math.ceil(blocks / slices) || 1;
  return Array.from({ length: slices }, (_, i) => {
    // The last slice is open-ended: rows may have been appended since the size was read (a filter bounds them).
    const range = `ctid >= '(${i * width},0)'::tid` + (i + 1 < slices ? ` AND ctid < '(${(i + 1) * width},0)'::tid` : '');
    const facts = sessions
      ? `(SELECT ${withExecution('f', 'CASE WHEN s.session_id IS NULL THEN f.execution_id END')} FROM ${factsTable} f
          LEFT JOIN (SELECT workspace_id, session_id FROM ${sessions} WHERE execution_id IS NULL) s
          ON s.session_id = f.session_id AND s.workspace_id = f.workspace_id WHERE ${range.replace(/ctid/g, 'f.ctid')}) `
      : `(SELECT * FROM ${factsTable} WHERE ${range}) `;
    return `INSERT INTO ${pricedUsageTable(schema)} ${pricedUsage(schema, facts, where)}`;
  });
}

/** Sets the checkpoints of a bulk-loaded schema: `partitions` of them, all at `position`, or each at its own. */
export async function writeCheckpoint(
  db: SqlRunner,
  schema: string,
  position: LogPosition | readonly LogPosition[],
  eventsApplied: number,
  pricingVersion: number,
  partitions: number,
): Promise<void> {
  await writeCheckpoints(db, schema, partitions, position, eventsApplied, pricingVersion);
}

/** Appends the facts of `events` to a table without keys: the bulk load's insert, no conflict handling. */
export async function insertCostFacts(db: SqlRunner, schema: string, events: readonly RecordedEvent[]): Promise<void> {
  await db.query(`INSERT INTO ${schema}.cost_facts (${COST_FACT_COLUMNS})${factRows(EVENTS_FROM_JSON)}`, [eventsJson(events)]);
}

/**
 * Whether `table` would price any fact of `schema` otherwise than the schema's own price table does.
 * Only the facts inside a band that differs between the two (by name and time) are priced, twice.
 */
export async function repricesRecordedUsage(db: SqlRunner, schema: string, table: PriceTable): Promise<boolean> {
  await createTempPriceTables(db, schema);
  await writePriceTable(db, 'pg_temp', table);
  const changed = (t: string, name: string) =>
    `SELECT ${name}, valid_from, valid_to FROM ((TABLE ${schema}.${t} EXCEPT TABLE pg_temp.${t}) UNION ALL (TABLE pg_temp.${t} EXCEPT TABLE ${schema}.${t})) d`;
  const inChanged = (t: string, key: string, match: string) =>
    `EXISTS (SELECT 1 FROM (${changed(t, key)}) c WHERE ${match} AND f.occurred_at >= c.valid_from AND f.occurred_at < c.valid_to)`;
  const touched = `(SELECT * FROM ${schema}.cost_facts f WHERE ${inChanged('model_prices', 'name, provider', 'c.name = f.model AND c.provider = f.provider')}
    OR ${inChanged('tool_prices', 'tool', 'c.tool = f.tool_name')})`;
  const { rows } = await db.query<{ reprices: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM (${pricedFacts(schema, touched)}) cur JOIN (${pricedFacts('pg_temp', touched)}) cand USING (event_id, workspace_id)
       WHERE cur.token_cost IS DISTINCT FROM cand.token_cost OR cur.compute_cost IS DISTINCT FROM cand.compute_cost) AS reprices`,
  );
  await db.query('DROP TABLE pg_temp.model_names, pg_temp.model_prices, pg_temp.tool_prices');
  return rows[0].reprices;
}

/** Empty temporary copies of the schema's price tables, dropped with the transaction: for a candidate catalog's prices. */
export async function createTempPriceTables(db: SqlRunner, schema: string): Promise<void> {
  for (const t of ['model_names', 'model_prices', 'tool_prices']) await db.query(`CREATE TEMP TABLE ${t} (LIKE ${schema}.${t}) ON COMMIT DROP`);
}

/** The distinct (provider, model name) pairs of a batch's calls. */
export function modelNamesIn(events: readonly Pick<RecordedEvent, 'type' | 'data'>[]): ModelName[] {
  const seen = new Map<string, ModelName>();
  for (const e of events) {
    if (e.type !== 'TokenUsed') continue;
    const { model, provider } = e.data as Pick<TokenUsed, 'model' | 'provider'>;
    const key = `${provider ?? ''}\u0000${model}`;
    if (!seen.has(key)) seen.set(key, { provider: provider ?? '', name: model });
  }
  return [...seen.values()];
}

/**
 * Resolves in `schema` the model names of `names` it has not met, with `catalog` (asked only then): the
 * catalog version the schema is priced with. Every path that adds facts to a schema calls it first.
 */
export async function resolveModelNames(db: SqlRunner, schema: string, names: readonly ModelName[], catalog: () => Promise<PriceCatalog>): Promise<void> {
  const unseen = await unseenModelNames(db, schema, names);
  if (unseen.length) await addModelNames(db, schema, compilePriceTable(await catalog(), unseen));
}

/** Resolves in `schema`, with `catalog`, the model names schema `from` has met and `schema` has not. */
export async function adoptModelNames(db: SqlRunner, schema: string, from: string, catalog: PriceCatalog): Promise<void> {
  const { rows } = await db.query<ModelName>(`SELECT provider, name FROM ${from}.model_names EXCEPT SELECT provider, name FROM ${schema}.model_names`);
  if (rows.length) await addModelNames(db, schema, compilePriceTable(catalog, rows));
}

const statements = new Map<string, string>();
const cached = (key: string, render: () => string) => {
  let sql = statements.get(key);
  if (!sql) statements.set(key, (sql = render()));
  return sql;
};

/**
 * Applies a batch of events and moves the checkpoints of its partitions as `advances` says (a partition's
 * position may lie past its last event: a filtered gap). The schema's price table must hold the catalog its
 * state names. Returns how many facts were new.
 */
export async function applyCostBatch(db: SqlRunner, schema: string, events: readonly RecordedEvent[], advances: readonly PartitionAdvance[]): Promise<number> {
  const { rows } = await db.query<{ inserted: number }>(cached(schema, () => batchSql(schema)), [eventsJson(events), ...advanceParams(advances)]);
  return rows[0].inserted;
}

/**
 * A page of the log as the live projector chooses it (`LogPageSql`), read in one statement: how many
 * events, the last one's position, the head of the log in the same snapshot (none for an empty log), and
 * the (provider, name) pairs of its calls that `schema` had not resolved when the statement ran.
 */
export interface LogPage {
  readonly events: number;
  readonly last?: LogPosition;
  readonly head?: LogPosition;
  readonly unseen: readonly ModelName[];
}

/** `choosePage`'s statement: only the page's positions and its calls' names are read out of the events. */
export const choosePageSql = (schema: string, page: Pick<LogPageSql, 'text' | 'head'>) => `
WITH page AS MATERIALIZED (
  SELECT e.event_type, e.commit_pos, e.prepare_pos, ${token('model')} AS name, COALESCE(${token('provider')}, '') AS provider FROM (${page.text}) e),
last AS (SELECT commit_pos, prepare_pos FROM page ORDER BY commit_pos DESC, prepare_pos DESC LIMIT 1),
head AS (${page.head})
SELECT (SELECT count(*) FROM page)::int AS events,
  (SELECT commit_pos::text FROM last) AS last_commit, (SELECT prepare_pos::text FROM last) AS last_prepare,
  (SELECT commit_pos::text FROM head) AS head_commit, (SELECT prepare_pos::text FROM head) AS head_prepare,
  (SELECT json_agg(n) FROM (SELECT DISTINCT provider, name FROM page WHERE event_type = 'TokenUsed') n
    WHERE NOT EXISTS (SELECT 1 FROM ${schema}.model_names s WHERE s.name = n.name COLLATE "C" AND s.provider = n.provider COLLATE "C")) AS unseen`;

export async function choosePage(db: SqlRunner, schema: string, page: LogPageSql): Promise<LogPage> {
  const { rows } = await db.query<{
    events: number;
    last_commit: string | null;
    last_prepare: string | null;
    head_commit: string | null;
    head_prepare: string | null;
    unseen: ModelName[] | null;
  }>(cached(`page\u0000${schema}\u0000${page.text}`, () => choosePageSql(schema, page)), [...page.values]);
  const [r] = rows;
  const at = (commit: string | null, prepare: string | null) => (commit === null ? undefined : { commit: BigInt(commit), prepare: BigInt(prepare!) });
  return { events: r.events, last: at(r.last_commit, r.last_prepare), head: at(r.head_commit, r.head_prepare), unseen: r.unseen ?? [] };
}

/**
 * Applies the events `scan` reads (`logBatchSql`) and moves the checkpoints of its partitions as `advances`
 * says, their events counted in SQL with `countBy` (the partition count). The schema's price table must hold
 * the catalog its state names. Returns how many facts were new and how many events were read.
 */
export async function applyLogBatch(
  db: SqlRunner,
  schema: string,
  scan: LogScan,
  advances: readonly PartitionAdvance[],
  countBy?: number,
): Promise<{ inserted: number; events: number }> {
  const { rows } = await db.query<{ inserted: number; events: number }>(
    cached(`log\u0000${schema}\u0000${countBy ?? 0}\u0000${scan.text}`, () => logBatchSql(schema, scan, countBy)),
    [...scan.values, ...advanceParams(advances)],
  );
  return rows[0];
}

/**
 * Applies events the checkpoint has already passed (a dead letter's retry, ADR 0014), as a late batch
 * would, leaving the checkpoint where it is. Returns how many facts were new.
 */
export async function applyLateEvents(db: SqlRunner, schema: string, events: readonly RecordedEvent[]): Promise<number> {
  const { rows } = await db.query<{ inserted: number }>(batchSql(schema, false), [eventsJson(events)]);
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
