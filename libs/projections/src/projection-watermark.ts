import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { comparePositions, EVENT_STORE, EventStore, LOG_START, LogPosition } from '@ledger/event-store';
import type { Pool } from 'pg';
import { readCheckpoint } from './cost.projection';

const POLL_MS = 10;

/**
 * How far the read models have got. Reads the committed checkpoint, so it is
 * right whichever process runs the projector.
 */
@Injectable()
export class ProjectionWatermark {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async position(): Promise<LogPosition | undefined> {
    return (await readCheckpoint(this.pool, READ_MODEL_SCHEMA))?.position;
  }

  /**
   * Resolves true once the views include `target`, false after `timeoutMs`, or at
   * once when no append ever returned `target` (made up, or from another
   * database): waiting for it would only hold the request and poll the database.
   */
  async waitFor(target: LogPosition, timeoutMs: number): Promise<boolean> {
    if (comparePositions(target, LOG_START) <= 0) return true;
    const deadline = Date.now() + timeoutMs;
    let written: LogPosition | undefined;
    for (;;) {
      const at = await this.position();
      if (at && comparePositions(at, target) >= 0) return true;
      written ??= await this.store.lastAppendedPosition();
      if (comparePositions(target, written) > 0) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }
}
