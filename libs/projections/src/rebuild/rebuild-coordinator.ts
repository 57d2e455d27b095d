import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { EventStore } from '@ledger/event-store';
import type { PriceCatalog } from '@ledger/pricing';
import { blueGreenRebuild, RebuildProgress } from './blue-green-rebuild';
import { RebuildSource, requestRebuild } from './rebuild-requests';

/** How often the active projector looks for queued rebuilds: a request from any replica starts within this. */
const POLL_MS = 250;
const PROGRESS_WRITE_MS = 500;

export interface RebuildCoordinatorDeps {
  readonly store: EventStore;
  readonly pool: Pool;
  readonly live: { stop(): Promise<void>; start(): void };
  readonly catalog: () => Promise<PriceCatalog>;
  readonly batchSize: number;
  /** LEDGER_PROJECTION_PARTITIONS: how many partitions a replayed read model's checkpoints are. */
  readonly partitions?: number;
  /** Whether a catalog change recorded during a rebuild queues the next one (LEDGER_AUTO_REBUILD). */
  readonly autoRebuild: boolean;
  readonly log: (message: string) => void;
}

/**
 * Runs queued rebuilds, one at a time, in the process that owns the projector.
 * Requests that arrive while one runs wait in the queue; when it finishes, all
 * waiting requests are merged into one rebuild with the catalog as it is then.
 */
export class RebuildCoordinator {
  private timer?: NodeJS.Timeout;
  private active?: Promise<void>;
  private stopped = true;
  /** Fences this instance's rebuilds: a standby that takes over requeues them under no owner. */
  private owner = randomUUID();

  constructor(private readonly deps: RebuildCoordinatorDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.owner = randomUUID();
    // A rebuild that was running when its process died (or lost the lease) starts over here.
    void this.deps.pool
      .query(`UPDATE projection_rebuilds SET state = 'pending', started_at = NULL, events_done = 0, owner = NULL WHERE state = 'running'`)
      .catch((err: Error) => this.deps.log(`could not requeue interrupted rebuilds: ${err.message}`))
      .finally(() => this.schedule(0));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.active;
  }

  private schedule(delayMs = POLL_MS): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.active = this.runPending()
        .then(() => undefined)
        .catch((err: Error) => this.deps.log(`rebuild failed: ${err.message}`))
        .finally(() => {
          this.active = undefined;
          this.schedule();
        });
    }, delayMs);
  }

  /** Runs every pending request as one rebuild. Returns false when nothing was pending. */
  async runPending(): Promise<boolean> {
    const { pool } = this.deps;
    const rows = (await pool.query<{ id: string; source: RebuildSource }>(`SELECT id::text, source FROM projection_rebuilds WHERE state = 'pending' ORDER BY id`))
      .rows;
    if (!rows.length) return false;
    const pending = rows.map((r) => Number(r.id));
    const id = pending[pending.length - 1];
    // One request for a replay of the log makes the merged rebuild replay it: a restatement from the facts would not do what it asked.
    const source: RebuildSource = rows.some((r) => r.source === 'log') ? 'log' : 'facts';
    const catalog = await this.deps.catalog();
    await pool.query(`UPDATE projection_rebuilds SET state = 'merged', merged_into = $1, finished_at = now() WHERE id = ANY($2::bigint[])`, [
      id,
      pending.slice(0, -1),
    ]);
    const owner = this.owner;
    await pool.query(`UPDATE projection_rebuilds SET state = 'running', started_at = now(), catalog_version = $2, owner = $3, source = $4 WHERE id = $1`, [
      id,
      catalog.version,
      owner,
      source,
    ]);
    this.deps.log(`rebuild ${id}: restating every cost from the ${source === 'log' ? 'event log' : 'facts'} with catalog version ${catalog.version}`);
    let lastWrite = 0;
    const onProgress = (p: RebuildProgress) => {
      const now = Date.now();
      if (p.phase === 'loading' && now - lastWrite < PROGRESS_WRITE_MS) return;
      lastWrite = now;
      void pool
        .query(`UPDATE projection_rebuilds SET events_done = $2, events_total = $3 WHERE id = $1 AND owner = $4`, [id, p.done, p.total, owner])
        .catch(() => undefined);
    };
    try {
      const fence = async (db: { query(sql: string, params: unknown[]): Promise<{ rowCount: number | null }> }) => {
        const held = await db.query(`SELECT 1 FROM projection_rebuilds WHERE id = $1 AND owner = $2 AND state = 'running' FOR UPDATE`, [id, owner]);
        if (!held.rowCount) throw new Error(`rebuild ${id} was taken over by another projector instance; not swapping`);
      };
      await blueGreenRebuild(id, catalog, { store: this.deps.store, pool, live: this.deps.live, batchSize: this.deps.batchSize, onProgress, fence, source, partitions: this.deps.partitions });
      // A change made meanwhile was measured against the live read model, which may not have held the usage
      // it restates (an initial load's live model is empty; the catch-up's tail is in the shadow only). The
      // next rebuild is queued before this one is marked done, so no one sees a quiet queue in between.
      // Without automatic rebuilds the read model stays on this version, as it says, until one is started by hand.
      const now = await this.deps.catalog();
      if (now.version !== catalog.version && this.deps.autoRebuild) {
        await requestRebuild(pool, `catalog version ${now.version} was recorded during rebuild ${id} (version ${catalog.version})`);
      }
      await pool.query(`UPDATE projection_rebuilds SET state = 'done', finished_at = now() WHERE id = $1 AND owner = $2`, [id, owner]);
      this.deps.log(`rebuild ${id}: swapped in`);
    } catch (err) {
      await pool.query(`UPDATE projection_rebuilds SET state = 'failed', finished_at = now(), error = $2 WHERE id = $1 AND owner = $3`, [
        id,
        (err as Error).message,
        owner,
      ]);
      throw err;
    }
    return true;
  }
}
