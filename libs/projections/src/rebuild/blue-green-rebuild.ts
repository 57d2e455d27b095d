import type { Pool, PoolClient } from 'pg';
import { inTransaction, READ_MODEL_SCHEMA } from '@ledger/database';
import { pricedFactsView } from '@ledger/pricing';
import { readModelTables } from '../read-model.schema';
import { comparePositions, EventStore } from '@ledger/event-store';
import type { PriceCatalog } from '@ledger/pricing';
import { bulkLoad, restateFromFacts } from '../bulk-load';
import { adoptModelNames, COST_PROJECTION, mergeFacts, readCheckpoint } from '../cost.projection';
import { readPartitionPositions, takeGateExclusive } from '../partitions/partition-checkpoints';
import { resolveApplied } from '../dead-letters/dead-letters';
import { CostProjector } from '../cost-projector';
import type { RebuildSource } from './rebuild-requests';

export interface RebuildProgress {
  readonly phase: 'loading' | 'indexing' | 'catching-up' | 'swapping' | 'done';
  readonly done: number;
  /**
   * Usage events in the log when the rebuild started, where the log can count them cheaply (the
   * PostgreSQL log); else the live projection's count then. Later events add to `done` beyond it.
   */
  readonly total: number;
}

export interface RebuildDeps {
  readonly store: EventStore;
  readonly pool: Pool;
  /** The live projector: paused only for the final catch-up and the swap. */
  readonly live: { stop(): Promise<void>; start(): void };
  readonly batchSize: number;
  readonly onProgress?: (p: RebuildProgress) => void;
  /**
   * Runs inside the swap's transaction and throws if this rebuild may no longer
   * swap (another projector instance has taken over meanwhile).
   */
  readonly fence?: (db: PoolClient) => Promise<void>;
  /** Replay the log even when a live read model has facts to restate from (a repair). */
  readonly source?: RebuildSource;
  /** How many partitions a replayed schema's checkpoints are (LEDGER_PROJECTION_PARTITIONS); a restated one keeps the live one's. */
  readonly partitions?: number;
}

/** How long a swap waits for the live facts table before it retries, and how many times it tries. */
const SWAP_LOCK_TIMEOUT_MS = 250;
const SWAP_ATTEMPTS = 40;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Restates the cost read model with `catalog`, blue/green, while the live schema keeps answering
 * and ingest is never refused (it only appends to the log):
 * - a live read model is restated from its own facts, which carry no price (`restateFromFacts`):
 *   only the aggregates are derived anew, into a shadow schema. Facts the live projector commits
 *   meanwhile are merged into the shadow; then the live projector pauses, the last of them are
 *   merged, and one transaction moves the facts table into the shadow and swaps the schemas;
 * - an empty one (an initial load), or any when `source` is 'log' (a repair), is replayed from the
 *   start of the log (`bulkLoad`); the live projector pauses while the shadow catches up to the
 *   head, and the schemas are swapped.
 * Either way the shadow's checkpoint comes with it, so the live projector resumes exactly where
 * the shadow stopped.
 */
export async function blueGreenRebuild(id: number, catalog: PriceCatalog, deps: RebuildDeps): Promise<void> {
  const shadow = `${READ_MODEL_SCHEMA}_rebuild_${id}`;
  const retired = `${READ_MODEL_SCHEMA}_retired_${id}`;
  const { pool } = deps;
  const live = await readCheckpoint(pool, READ_MODEL_SCHEMA);
  let total = Number(
    (await pool.query<{ n: string }>(`SELECT COALESCE(max(events_applied), 0)::text AS n FROM ${READ_MODEL_SCHEMA}.checkpoint`)).rows[0].n,
  );
  const report = (phase: RebuildProgress['phase'], done: number) => deps.onProgress?.({ phase, done, total });

  await pool.query(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  for (const sql of readModelTables(shadow)) await pool.query(sql);
  const swap = async (client: PoolClient) => {
    // Projectors of other processes that cached anything about the live schema start over from the shadow's checkpoints.
    await client.query(
      `UPDATE ${shadow}.projection_state s SET generation = GREATEST(s.generation, (SELECT max(generation) FROM ${READ_MODEL_SCHEMA}.projection_state)) + 1`,
    );
    // An event dead-lettered before that the shadow now holds (a replay after a fix) is resolved with the swap.
    await resolveApplied(client, COST_PROJECTION, shadow);
    await client.query(`ALTER SCHEMA ${READ_MODEL_SCHEMA} RENAME TO ${retired}`);
    await client.query(`ALTER SCHEMA ${shadow} RENAME TO ${READ_MODEL_SCHEMA}`);
  };

  if (live && deps.source !== 'log') {
    const cut = await restateFromFacts(pool, shadow, READ_MODEL_SCHEMA, catalog, (p) => {
      total = p.events;
      report(p.step === 'aggregates' ? 'loading' : 'indexing', p.done);
    });
    total = cut.eventsApplied;
    const liveFacts = `${READ_MODEL_SCHEMA}.cost_facts`;
    // Most of what the live projectors committed meanwhile is merged while they run on; the rest, under the gate.
    // Each partition is merged from where it was cut (or last merged) up to its own checkpoint.
    let merged = cut.positions;
    const mergeUpTo = async (client: Pool | PoolClient) => {
      const head = await readPartitionPositions(client, READ_MODEL_SCHEMA, merged.length);
      if (head.every((p, i) => comparePositions(p, merged[i]) === 0)) return;
      await adoptModelNames(client, shadow, READ_MODEL_SCHEMA, catalog);
      await mergeFacts(client, shadow, liveFacts, merged, head);
      merged = head;
    };
    // Moving the facts waits for reads in flight, and reads queue behind the move: it waits briefly, and
    // lets the live projector run on between attempts, rather than hold reads for long.
    for (let attempt = 1; ; attempt++) {
      report('catching-up', total);
      await mergeUpTo(pool);
      await deps.live.stop();
      const before = merged;
      try {
        report('swapping', total);
        await inTransaction(pool, async (client) => {
          // No batch of any process runs from here to the commit: none writes into the schema this retires.
          await takeGateExclusive(client);
          await deps.fence?.(client);
          await mergeUpTo(client);
          await client.query(`DELETE FROM ${shadow}.partition_checkpoints`);
          await client.query(`INSERT INTO ${shadow}.partition_checkpoints SELECT * FROM ${READ_MODEL_SCHEMA}.partition_checkpoints`);
          const { rows } = await client.query<{ events: string }>(`SELECT events_applied::text AS events FROM ${shadow}.checkpoint`);
          total = Number(rows[0].events);
          // The facts are the same whatever the prices: the live table, with its keys and indexes, moves to the shadow.
          await client.query(`DROP TABLE ${shadow}.cost_facts CASCADE`);
          await client.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TIMEOUT_MS}`);
          await client.query(`ALTER TABLE ${liveFacts} SET SCHEMA ${shadow}`);
          await client.query(pricedFactsView(shadow));
          await swap(client);
        });
        break;
      } catch (err) {
        // Rolled back: what this attempt merged is merged again by the next one.
        merged = before;
        if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE || attempt === SWAP_ATTEMPTS) throw err;
      } finally {
        deps.live.start();
      }
      await new Promise((r) => setTimeout(r, SWAP_LOCK_TIMEOUT_MS));
    }
  } else {
    const loaded = await bulkLoad(deps.store, pool, shadow, catalog, {
      batchSize: deps.batchSize,
      partitions: deps.partitions,
      onProgress: (p) => {
        total = p.total ?? total;
        report(p.step === 'facts' ? 'loading' : 'indexing', p.events);
      },
    });
    // Events appended during the load are applied incrementally, like the live projection does.
    const projector = new CostProjector(deps.store, pool, { schema: shadow, batchSize: deps.batchSize, catalog: () => catalog, partitions: deps.partitions });
    const done = () => loaded.eventsApplied + projector.current.eventsApplied;
    await deps.live.stop();
    try {
      report('catching-up', done());
      await projector.catchUp();
      report('swapping', done());
      await inTransaction(pool, async (client) => {
        await takeGateExclusive(client);
        await deps.fence?.(client);
        await swap(client);
      });
    } finally {
      deps.live.start();
    }
    total = Math.max(total, done());
  }
  await pool.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
  report('done', total);
}
