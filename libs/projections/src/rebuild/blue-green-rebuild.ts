import type { Pool, PoolClient } from 'pg';
import { inTransaction, READ_MODEL_SCHEMA, readModelTables } from '@ledger/database';
import type { EventStore } from '@ledger/event-store';
import type { PriceCatalog } from '@ledger/pricing';
import { bulkLoad } from '../bulk-load';
import { CostProjector } from '../cost-projector';

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
}

/**
 * Restates the cost read model from the start of the log with `catalog`, blue/green:
 * 1. bulk-loads a shadow schema up to the head of the log (`bulkLoad`: facts first,
 *    then aggregates, keys and indexes, each set-based), while the live schema keeps answering;
 * 2. pauses the live projector, catches the shadow up to the head, and swaps the
 *    schemas in one transaction; the shadow's checkpoint comes with it, so the live
 *    projector resumes exactly where the shadow stopped.
 * Ingest is never refused: it only appends to the log.
 */
export async function blueGreenRebuild(id: number, catalog: PriceCatalog, deps: RebuildDeps): Promise<void> {
  const shadow = `${READ_MODEL_SCHEMA}_rebuild_${id}`;
  const retired = `${READ_MODEL_SCHEMA}_retired_${id}`;
  const { pool } = deps;
  let total = Number(
    (await pool.query<{ n: string }>(`SELECT COALESCE(max(events_applied), 0)::text AS n FROM ${READ_MODEL_SCHEMA}.checkpoint`)).rows[0].n,
  );
  const report = (phase: RebuildProgress['phase'], done: number) => deps.onProgress?.({ phase, done, total });

  await pool.query(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  for (const sql of readModelTables(shadow)) await pool.query(sql);

  const loaded = await bulkLoad(deps.store, pool, shadow, catalog, {
    batchSize: deps.batchSize,
    onProgress: (p) => {
      total = p.total ?? total;
      report(p.step === 'facts' ? 'loading' : 'indexing', p.events);
    },
  });

  // Events appended during the load are applied incrementally, like the live projection does.
  const projector = new CostProjector(deps.store, pool, { schema: shadow, batchSize: deps.batchSize, catalog: () => catalog });
  const done = () => loaded.eventsApplied + projector.current.eventsApplied;

  await deps.live.stop();
  try {
    report('catching-up', done());
    await projector.catchUp();
    report('swapping', done());
    await inTransaction(pool, async (client) => {
      await deps.fence?.(client);
      await client.query(`ALTER SCHEMA ${READ_MODEL_SCHEMA} RENAME TO ${retired}`);
      await client.query(`ALTER SCHEMA ${shadow} RENAME TO ${READ_MODEL_SCHEMA}`);
    });
  } finally {
    deps.live.start();
  }
  await pool.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
  report('done', done());
}
