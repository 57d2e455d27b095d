import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { comparePositions, EVENT_STORE, EventStore, LOG_START, LogPosition } from '@ledger/event-store';
import type { Pool } from 'pg';
import { readCheckpoint } from './cost.projection';
import { partitionOfSql } from './partitions/partition-of';

const POLL_MS = 10;

/**
 * How far the read models have got. Reads the committed checkpoints, so it is right whichever processes
 * project: a workspace's views have got as far as its partition (ADR 0026), views across workspaces as far as
 * the partition that is furthest behind.
 */
@Injectable()
export class ProjectionWatermark {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Where the views of `workspaceId` have got; without one, where every partition has. */
  async position(workspaceId?: string): Promise<LogPosition | undefined> {
    if (workspaceId === undefined) return (await readCheckpoint(this.pool, READ_MODEL_SCHEMA))?.position;
    const { rows } = await this.pool.query<{ commit_pos: string; prepare_pos: string }>(
      `SELECT c.commit_pos::text, c.prepare_pos::text FROM ${READ_MODEL_SCHEMA}.projection_state s
         JOIN ${READ_MODEL_SCHEMA}.partition_checkpoints c ON c.partition = ${partitionOfSql('$1::text', 's.partitions')}`,
      [workspaceId],
    );
    return rows[0] && { commit: BigInt(rows[0].commit_pos), prepare: BigInt(rows[0].prepare_pos) };
  }

  /**
   * Resolves true once the views include `target` (those of `workspaceId`, or all of them), false after `timeoutMs`, or at
   * once when no append ever returned `target` (made up, or from another
   * database): waiting for it would only hold the request and poll the database.
   */
  async waitFor(target: LogPosition, timeoutMs: number, workspaceId?: string): Promise<boolean> {
    if (comparePositions(target, LOG_START) <= 0) return true;
    const deadline = Date.now() + timeoutMs;
    let written: LogPosition | undefined;
    for (;;) {
      const at = await this.position(workspaceId);
      if (at && comparePositions(at, target) >= 0) return true;
      written ??= await this.store.lastAppendedPosition();
      if (comparePositions(target, written) > 0) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }
}
