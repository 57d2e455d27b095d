import { READ_MODEL_SCHEMA } from '@ledger/database';
import { comparePositions, EventStore, formatPosition } from '@ledger/event-store';
import type { Pool } from 'pg';
import type { SqlRunner } from '@ledger/pricing';
import { COST_PROJECTION, readCheckpoint } from './cost.projection';
import { ProjectorFailure, USAGE_EVENT_FILTER } from './cost-projector';
import { DeadLetter, unresolvedDeadLetters } from './dead-letters/dead-letters';
import { readPartitionCheckpoints, readProjectionState } from './partitions/partition-checkpoints';
import { partitionHolders } from './partitions/partition-leases';
import { partitionOf } from './partitions/partition-of';

export interface ProjectorStall {
  /** The checkpoint the projector resumes from, and fails at, each time. */
  readonly position: string;
  readonly error: string;
  readonly sqlstate: string | null;
  readonly since: string;
  readonly attempts: number;
}

export interface ProjectionLag {
  readonly position: string | null;
  readonly events_applied: number;
  readonly lag_events: number;
  /** True when `lag_events` stopped counting at the limit it was asked with. */
  readonly lag_events_capped: boolean;
  readonly lag_seconds: number;
  /** The catalog version the read model is priced with. */
  readonly pricing_version: number;
}

/** One partition of the live projection (ADR 0026): where it is, how far behind, and which process projects it. */
export interface PartitionLag {
  readonly partition: number;
  readonly position: string;
  /** Events its batches applied (where one process holds every partition, its batches count on the first). */
  readonly events_applied: number;
  /** Usage events of its workspaces after its checkpoint, among the first `limit` after the least checkpoint. */
  readonly lag_events: number;
  readonly lag_seconds: number;
  /** The process holding its lease: its session's application_name and backend pid; null while no one does. */
  readonly holder: { readonly application_name: string; readonly pid: number; readonly client_addr: string | null } | null;
}

/** A stall recorded longer ago than this is a dead projector's: its successor records its own. */
const STALL_FRESH_S = 30;

/** Records the live projector's stall for every replica to read, or clears it (undefined). Best effort: the database may be what fails. */
export async function recordStall(db: SqlRunner, stall: ProjectorFailure | undefined): Promise<void> {
  if (!stall) {
    await db.query(`DELETE FROM public.projector_stalls WHERE projection = $1`, [COST_PROJECTION]);
    return;
  }
  await db.query(
    `INSERT INTO public.projector_stalls (projection, commit_pos, prepare_pos, error, sqlstate, attempts, since)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (projection) DO UPDATE SET commit_pos = excluded.commit_pos, prepare_pos = excluded.prepare_pos, error = excluded.error,
       sqlstate = excluded.sqlstate, attempts = excluded.attempts, since = excluded.since, updated_at = now()`,
    [COST_PROJECTION, String(stall.position.commit), String(stall.position.prepare), stall.error, stall.sqlstate, stall.attempts, stall.since],
  );
}

const toStall = (f: ProjectorFailure): ProjectorStall => ({
  position: formatPosition(f.position),
  error: f.error,
  sqlstate: f.sqlstate,
  since: f.since.toISOString(),
  attempts: f.attempts,
});

/**
 * What can keep the cost views from following the log, for /health, /health/ready and the
 * projections' admin status: events dead-lettered (in the database: every replica sees them), a
 * projector stalled on one batch (known to the process that runs it), and the lag behind the log.
 */
export class ProjectionHealth {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    /** The live projector's stall, when this process runs it (ProjectorRunner). */
    private readonly stalled: () => ProjectorFailure | undefined,
  ) {}

  /** The live projector failing the same batch again and again: as this process sees it, if it runs it, else as the one that does recorded it. */
  async stall(): Promise<ProjectorStall | null> {
    const stalled = this.stalled();
    if (stalled) return toStall(stalled);
    const { rows } = await this.pool.query<ProjectorStall>(
      `SELECT commit_pos::text || '-' || prepare_pos::text AS position, error, sqlstate, attempts,
              to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS since
         FROM public.projector_stalls WHERE projection = $1 AND updated_at > now() - make_interval(secs => $2)`,
      [COST_PROJECTION, STALL_FRESH_S],
    );
    return rows[0] ?? null;
  }

  deadLetters(shown = 5): Promise<{ count: number; first: DeadLetter[] }> {
    return unresolvedDeadLetters(this.pool, shown);
  }

  /** How far the live read model is behind the log, counting at most `limit` events. */
  async lag(limit: number): Promise<ProjectionLag> {
    const checkpoint = await readCheckpoint(this.pool, READ_MODEL_SCHEMA);
    const behind = await this.store.readAll({ from: checkpoint?.position, maxCount: limit, filter: USAGE_EVENT_FILTER });
    const meta = (
      await this.pool.query<{ events_applied: string; updated_at: Date }>(
        `SELECT events_applied::text, updated_at FROM ${READ_MODEL_SCHEMA}.checkpoint WHERE projection = 'costs'`,
      )
    ).rows[0];
    return {
      position: checkpoint ? formatPosition(checkpoint.position) : null,
      events_applied: meta ? Number(meta.events_applied) : 0,
      lag_events: behind.length,
      lag_events_capped: behind.length === limit,
      lag_seconds: behind.length && meta ? Math.max(0, (Date.now() - meta.updated_at.getTime()) / 1000) : 0,
      pricing_version: checkpoint?.pricingVersion ?? 0,
    };
  }

  /** Every partition's position, lag and holder, counting at most `limit` events behind the least checkpoint. */
  async partitions(limit: number): Promise<PartitionLag[]> {
    const state = await readProjectionState(this.pool, READ_MODEL_SCHEMA);
    if (!state) return [];
    const [checkpoints, holders] = await Promise.all([readPartitionCheckpoints(this.pool, READ_MODEL_SCHEMA), partitionHolders(this.pool, state.partitions)]);
    const least = checkpoints.map((c) => c.position).sort(comparePositions)[0];
    const behind = await this.store.readAll({ from: least, maxCount: limit, filter: USAGE_EVENT_FILTER });
    const lag = new Map<number, number>();
    for (const e of behind) {
      const p = partitionOf(String((e.data as { workspace_id?: unknown }).workspace_id ?? ''), state.partitions);
      if (comparePositions(e.position, checkpoints[p]?.position ?? least) > 0) lag.set(p, (lag.get(p) ?? 0) + 1);
    }
    return checkpoints.map((c) => {
      const holder = holders.find((h) => h.partition === c.partition);
      const events = lag.get(c.partition) ?? 0;
      return {
        partition: c.partition,
        position: formatPosition(c.position),
        events_applied: c.eventsApplied,
        lag_events: events,
        lag_seconds: events ? Math.max(0, (Date.now() - c.updatedAt.getTime()) / 1000) : 0,
        holder: holder ? { application_name: holder.applicationName, pid: holder.pid, client_addr: holder.clientAddr } : null,
      };
    });
  }

  async rebuildRunning(): Promise<boolean> {
    return ((await this.pool.query(`SELECT 1 FROM projection_rebuilds WHERE state = 'running'`)).rowCount ?? 0) > 0;
  }
}
