import { READ_MODEL_SCHEMA } from '@ledger/database';
import { EventStore, formatPosition } from '@ledger/event-store';
import type { Pool } from 'pg';
import { readCheckpoint } from './cost.projection';
import { ProjectorFailure, USAGE_EVENT_FILTER } from './cost-projector';
import { DeadLetter, unresolvedDeadLetters } from './dead-letters/dead-letters';

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

  /** The live projector failing the same batch again and again, if this process runs it. */
  stall(): ProjectorStall | null {
    const stalled = this.stalled();
    return stalled ? toStall(stalled) : null;
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

  async rebuildRunning(): Promise<boolean> {
    return ((await this.pool.query(`SELECT 1 FROM projection_rebuilds WHERE state = 'running'`)).rowCount ?? 0) > 0;
  }
}
