import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, READ_MODEL_SCHEMA } from '@ledger/database';
import { comparePositions, LogPosition } from '@ledger/event-store';
import type { Pool } from 'pg';
import { readCheckpoint } from './cost.projection';

const POLL_MS = 10;

/**
 * How far the read models have got. Reads the committed checkpoint, so it is
 * right whichever process runs the projector.
 */
@Injectable()
export class ProjectionWatermark {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async position(): Promise<LogPosition | undefined> {
    return (await readCheckpoint(this.pool, READ_MODEL_SCHEMA))?.position;
  }

  /** Resolves true once the views include `target`, false after `timeoutMs`. */
  async waitFor(target: LogPosition, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = await this.position();
      if (at && comparePositions(at, target) >= 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  }
}
