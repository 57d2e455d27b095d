import type { Pool } from 'pg';
import { inTransaction } from '@ledger/database';
import { readModelIndexes, readModelKeys } from './read-model.schema';
import { EventStore, LOG_START, LogPosition, RecordedEvent } from '@ledger/event-store';
import { compilePriceTable, ModelName, modelNamesOf, PriceCatalog, writePriceTable } from '@ledger/pricing';
import { batched } from './batched';
import {
  attributeToSessionsSql,
  bulkAggregateSql,
  bulkExecutionsSql,
  COST_FACT_COLUMNS,
  COST_PROJECTION,
  factRows,
  insertCostFacts,
  createPricedUsage,
  pricedUsageTable,
  SESSION_SHAPE_COLUMNS,
  sessionShapeRows,
  writeCheckpoint,
} from './cost.projection';
import { USAGE_EVENT_FILTER } from './cost-projector';
import { isDataError, isolatePoison, PoisonedEvent, recordDeadLetters } from './dead-letters/dead-letters';
import { DEAD_LETTER_RETRY_LOCK } from './dead-letters/retry-dead-letter';
import { leastPosition, readPartitionCheckpoints, readProjectionState, upToPartitionPositions } from './partitions/partition-checkpoints';
import { allPartitions, DEFAULT_PARTITIONS } from './partitions/partition-of';

export interface BulkLoadOptions {
  readonly batchSize: number;
  /** How many partitions the loaded schema's checkpoints are (LEDGER_PROJECTION_PARTITIONS). */
  readonly partitions?: number;
  /** Events loaded so far (and, once known, how many there are), while facts load; then once per later step. */
  readonly onProgress?: (p: { step: 'facts' | 'aggregates' | 'indexes'; events: number; total?: number }) => void;
}

export interface BulkLoadResult {
  /** The least of `positions`. */
  readonly position: LogPosition;
  /** Each partition's position, by partition. */
  readonly positions: readonly LogPosition[];
  readonly eventsApplied: number;
}

/**
 * Fills a freshly created read-model schema (`readModelTables`, no keys yet)
 * from the start of the log to its head, set-based:
 * 1. every usage event becomes a fact (`factRows`), appended to `cost_facts` with no key or index
 *    to maintain; then the catalog's price table is written for the model names the facts have;
 * 2. each fact is put under its session's execution (`attributeToSessionsSql`), and the aggregates
 *    are derived from all facts (`deriveAggregates`); beside them the facts'
 *    primary key is built, which proves there are no duplicates (a store without a unique
 *    constraint may hold some: the first in the log is kept, as the live ON CONFLICT DO NOTHING
 *    would, and the aggregates are derived again), and the facts' indexes;
 * 3. the aggregates' keys and indexes are built, and the checkpoint set.
 * The result is the schema the live projection would have built, ready for it to
 * continue from the returned position.
 */
export async function bulkLoad(store: EventStore, pool: Pool, schema: string, catalog: PriceCatalog, options: BulkLoadOptions): Promise<BulkLoadResult> {
  const scan = store.scanSql?.bind(store);
  const { position, events } = scan ? await factsInDatabase(store, scan, pool, schema, options) : await factsThroughNode(store, pool, schema, options);
  const { rows: names } = await pool.query<ModelName>(`SELECT DISTINCT provider, model AS name FROM ${schema}.cost_facts WHERE event_type = 'TokenUsed'`);
  await writePriceTable(pool, schema, compilePriceTable(catalog, names));

  options.onProgress?.({ step: 'aggregates', events });
  const facts = `${schema}.cost_facts`;
  await runWith(pool, AGGREGATION, attributeToSessionsSql(schema));
  const [keys, indexes] = [readModelKeys(schema), readModelIndexes(schema)];
  const [factsKey] = keys.facts;
  const run = slots(BUILDERS);
  const derive = (slices: string[]) => deriveAggregates(pool, run, schema, slices, `(${sessionShapeRows(facts)})`, [bulkExecutionsSql(schema)]);
  // The facts' key is the duplicate check. Duplicates are rare (only a log without unique ids holds
  // them), so the aggregates do not wait for it; if it fails, they are derived again once the copies are gone.
  const [derived, keyed, ...built] = await Promise.allSettled([
    derive(await createPricedUsage(pool, schema, facts, 'true', SLICES)),
    run(() => runWith(pool, MAINTENANCE, factsKey)),
    ...indexes.facts.map((sql) => run(() => runWith(pool, MAINTENANCE, sql))),
  ]);
  rethrow(built);
  if (keyed.status === 'rejected') {
    if ((keyed.reason as { code?: string }).code !== '23505') throw keyed.reason;
    await dropDuplicateFacts(pool, schema);
    await runWith(pool, AGGREGATION, attributeToSessionsSql(schema));
    await runWith(pool, MAINTENANCE, factsKey);
    await pool.query(`DROP TABLE IF EXISTS ${pricedUsageTable(schema)}`);
    await pool.query(`TRUNCATE ${aggregateTables(schema)}`);
    await derive(await createPricedUsage(pool, schema, facts, 'true', SLICES));
  } else rethrow([derived]);
  options.onProgress?.({ step: 'indexes', events });
  await finishAggregates(pool, run, schema);
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  await writeCheckpoint(pool, schema, position, events, catalog.version, partitions);
  await pool.query(`ANALYZE ${facts}`);
  return { position, positions: allPartitions(partitions).map(() => position), eventsApplied: events };
}

/**
 * Restates the aggregates of a fresh `schema` from the live read model's facts, priced with
 * `catalog`, without touching the facts: they do not depend on prices (ADR 0013). The live model
 * is cut at its checkpoint in one snapshot: the columns no price changes (a session's ids, tokens,
 * finalization; the execution index) are copied as they are at the cut, and the costs re-summed
 * from the facts up to it. Facts the live projector commits meanwhile are merged in later (`mergeFacts`).
 */
export async function restateFromFacts(
  pool: Pool,
  schema: string,
  live: string,
  catalog: PriceCatalog,
  onProgress?: (p: { step: 'aggregates' | 'indexes'; events: number; done: number }) => void,
): Promise<BulkLoadResult> {
  // Every name the live model has met; those it meets after the cut are adopted with the merges.
  await writePriceTable(pool, schema, compilePriceTable(catalog, await modelNamesOf(pool, live)));
  const shapes = `${schema}.session_shapes`;
  // A dead letter's retry in flight commits before the cut, and later ones see the rebuild running (retryDeadLetter).
  await inTransaction(pool, (client) => client.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(DEAD_LETTER_RETRY_LOCK)]));
  // Each partition is cut at its own checkpoint: partitions projected by different processes stand at different positions.
  const cut = await inTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const state = await readProjectionState(client, live);
    const checkpoints = await readPartitionCheckpoints(client, live);
    await client.query(`INSERT INTO ${schema}.execution_index SELECT * FROM ${live}.execution_index`);
    await client.query(`CREATE UNLOGGED TABLE ${shapes} AS SELECT ${SESSION_SHAPE_COLUMNS} FROM ${live}.session_costs`);
    const partitions = state?.partitions ?? checkpoints.length;
    return {
      partitions,
      positions: allPartitions(partitions).map((p) => checkpoints.find((c) => c.partition === p)?.position ?? LOG_START),
      eventsApplied: checkpoints.reduce((n, c) => n + c.eventsApplied, 0),
    };
  });
  // The facts' join with the sessions that had no execution at the cut is planned by this table's statistics.
  await pool.query(`ANALYZE ${shapes}`);
  const events = cut.eventsApplied;
  const upTo = upToPartitionPositions('', cut.positions);
  // Each fact under its session's execution at the cut: the live projector may move facts up to the cut
  // to an execution their session adopts later, which the merges after the cut count (`mergeFacts`).
  const slices = await createPricedUsage(pool, schema, `${live}.cost_facts`, upTo, SLICES, shapes);
  // Every statement is about as much work as another: the share of them finished stands for the share of events restated.
  const [keys, indexes] = [readModelKeys(schema), readModelIndexes(schema)];
  const aggregates = bulkAggregateSql(schema, { priced: pricedUsageTable(schema), shapes }).first.length + 1;
  const statements = slices.length + aggregates + keys.aggregates.length + indexes.aggregates.length;
  let finished = 0;
  let step: 'aggregates' | 'indexes' = 'aggregates';
  const tick = () => onProgress?.({ step, events, done: Math.floor((events * finished++) / statements) });
  tick();
  const run = slots(BUILDERS, tick);
  await deriveAggregates(pool, run, schema, slices, shapes, []);
  await pool.query(`DROP TABLE ${shapes}`);
  step = 'indexes';
  await finishAggregates(pool, run, schema);
  await writeCheckpoint(pool, schema, cut.positions, events, catalog.version, cut.partitions);
  return { position: leastPosition(cut.positions), positions: cut.positions, eventsApplied: events };
}

/**
 * Derives the aggregates of `schema`: the priced usage is written (`slices`, side by side), then the
 * sessions (their price-independent columns from `shapes`) and each hourly dimension are summed from
 * it, then the daily rollup from the hourly one. `extra` statements (not price-dependent) run beside.
 */
async function deriveAggregates(pool: Pool, run: Slots, schema: string, slices: string[], shapes: string, extra: string[]): Promise<void> {
  const priced = pricedUsageTable(schema);
  const aggregate = (sql: string) => run(() => runWith(pool, AGGREGATION, sql));
  const pricing = Promise.all(slices.map(aggregate));
  const others = Promise.all(extra.map(aggregate));
  // Awaited last; observed now, so that a failure of the pricing first leaves no rejection unhandled.
  others.catch(() => undefined);
  await pricing;
  const { first, daily } = bulkAggregateSql(schema, { priced, shapes });
  await Promise.all(first.map(aggregate));
  await Promise.all([aggregate(daily), others]);
  await pool.query(`DROP TABLE ${priced}`);
}

/** Builds the aggregates' keys and indexes, and vacuums them. */
async function finishAggregates(pool: Pool, run: Slots, schema: string): Promise<void> {
  const [keys, indexes] = [readModelKeys(schema), readModelIndexes(schema)];
  rethrow(await Promise.allSettled([...keys.aggregates, ...indexes.aggregates].map((sql) => run(() => runWith(pool, MAINTENANCE, sql)))));
  // The aggregates are small: vacuumed now, their visibility maps let range summaries and run counts read
  // the rollups' keys by index-only scans from the first query, not once autovacuum comes by.
  await pool.query(`VACUUM (ANALYZE) ${aggregateTables(schema)}`);
}

/** Slices of the log loaded by the in-database path, or of the facts priced: each one reports progress when done. */
const SLICES = 16;
/** One INSERT … SELECT runs on one core (PostgreSQL never parallelises it), so slices load two at a time. */
const WRITERS = 2;
/**
 * Aggregates, keys and indexes are built three at a time: each runs on one core too, and the third
 * keeps both cores busy while another statement writes out its table or index.
 */
const BUILDERS = 3;

/**
 * A log in the same database is read where it lies: each slice of it is one
 * INSERT … SELECT through `factRows`, and no event crosses into Node.
 */
async function factsInDatabase(store: EventStore, scanSql: Required<EventStore>['scanSql'], pool: Pool, schema: string, options: BulkLoadOptions) {
  const position = await store.headPosition();
  const whole = scanSql(USAGE_EVENT_FILTER, position);
  const { rows } = await pool.query<{ total: number; end: string }>(
    `SELECT count(*)::int AS total, (COALESCE(max(prepare_pos), 0) + 1)::text AS end FROM (${whole.text}) e`,
    [...whole.values],
  );
  const { total } = rows[0];
  const end = BigInt(rows[0].end);
  const width = end / BigInt(SLICES) + 1n;
  let events = 0;
  let next = 0;
  options.onProgress?.({ step: 'facts', events, total });
  /**
   * Loads the events of `[from, to)`. PostgreSQL refusing one of them fails the whole slice: then its
   * halves are loaded, down to single positions, and each event that fails alone is dead-lettered
   * (ADR 0014) with its identity read from the log.
   */
  const load = async (from: bigint, to: bigint): Promise<number> => {
    const scan = scanSql(USAGE_EVENT_FILTER, position, { from, to });
    try {
      const { rowCount } = await pool.query(`INSERT INTO ${schema}.cost_facts (${COST_FACT_COLUMNS})${factRows(`(${scan.text}) e`)}`, [...scan.values]);
      return rowCount ?? 0;
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (to - from > 1n) {
        const middle = from + (to - from) / 2n;
        return (await load(from, middle)) + (await load(middle, to));
      }
      const { rows } = await pool.query<{ commit_pos: string }>(`SELECT commit_pos::text FROM (${scan.text}) e`, [...scan.values]);
      // Positions are unique: the event is the one right after (its commit, its position − 1).
      const [event] = await store.readAll({ from: { commit: BigInt(rows[0].commit_pos), prepare: from - 1n }, maxCount: 1, filter: USAGE_EVENT_FILTER });
      await recordDeadLetters(pool, COST_PROJECTION, [{ event, error: err as Error }]);
      return 0;
    }
  };
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = next++; i < SLICES; i = next++) {
        const loaded = await load(BigInt(i) * width, BigInt(i + 1) * width);
        events += loaded;
        options.onProgress?.({ step: 'facts', events, total });
      }
    }),
  );
  return { position, events };
}

/** Any other log is read through a subscription; the next batch is read while the previous one is written. */
async function factsThroughNode(store: EventStore, pool: Pool, schema: string, options: BulkLoadOptions) {
  let position = LOG_START;
  let events = 0;
  const subscription = store.subscribeToAll({ from: LOG_START, filter: USAGE_EVENT_FILTER });
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const batch of batched(subscription, options.batchSize, 0)) {
      await writing;
      if (batch.events.length) writing = insertFactsIsolating(pool, schema, batch.events).then((poisoned) => void (events -= poisoned));
      // Surfaces at the next await; until then the rejection is owned here.
      writing.catch(() => undefined);
      position = batch.position;
      events += batch.events.length;
      options.onProgress?.({ step: 'facts', events });
      if (batch.caughtUp) break;
    }
    await writing;
  } finally {
    await subscription.close();
  }
  return { position, events };
}

/** Appends the facts of `events`; those PostgreSQL refuses are skipped and dead-lettered (ADR 0014). Answers how many. */
async function insertFactsIsolating(pool: Pool, schema: string, events: readonly RecordedEvent[]): Promise<number> {
  const poisoned: PoisonedEvent[] = await isolatePoison(events, (slice) => insertCostFacts(pool, schema, slice));
  await recordDeadLetters(pool, COST_PROJECTION, poisoned);
  return poisoned.length;
}

/** Keeps the first of each event id in the log, as the live projection's ON CONFLICT DO NOTHING would. */
async function dropDuplicateFacts(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DELETE FROM ${schema}.cost_facts f WHERE f.ctid <> (
    SELECT first.ctid FROM ${schema}.cost_facts first
    WHERE first.workspace_id = f.workspace_id AND first.event_id = f.event_id
    ORDER BY first.commit_pos, first.prepare_pos LIMIT 1)
    AND (f.workspace_id, f.event_id) IN (
      SELECT workspace_id, event_id FROM ${schema}.cost_facts GROUP BY 1, 2 HAVING count(*) > 1)`);
}

/** Each build on one core: `BUILDERS` of them already share the machine's cores. */
const MAINTENANCE = { maintenance_work_mem: '256MB', max_parallel_maintenance_workers: '0' };
/** Enough memory that the planner hashes the hourly rollup's groups instead of sorting all facts. */
const AGGREGATION = { work_mem: '512MB' };

const aggregateTables = (schema: string) => ['session_costs', 'hourly_costs', 'daily_costs', 'execution_index'].map((t) => `${schema}.${t}`).join(', ');

/** Runs tasks handed to it at most `n` at a time, in the order they were handed over; `done` hears of each one finished. */
type Slots = <T>(task: () => Promise<T>) => Promise<T>;
function slots(n: number, done?: () => void): Slots {
  let free = n;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      const result = await task();
      done?.();
      return result;
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

function rethrow(outcomes: readonly PromiseSettledResult<unknown>[]): void {
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Runs one statement with session settings that last only for its transaction. */
async function runWith(pool: Pool, settings: Record<string, string>, sql: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    for (const [name, value] of Object.entries(settings)) await client.query(`SELECT set_config($1, $2, true)`, [name, value]);
    await client.query(sql);
  });
}
