import type { Pool } from 'pg';
import { inTransaction, READ_MODEL_SCHEMA } from '@ledger/database';
import type { EventStore } from '@ledger/event-store';
import type { PriceCatalog } from '@ledger/pricing';
import { ConflictError } from '@ledger/http';
import { applyLateEvents, modelNamesIn, resolveModelNames } from '../cost.projection';
import { readProjectionState, takeGateShared } from '../partitions/partition-checkpoints';
import { partitionOf } from '../partitions/partition-of';
import { DeadLetter, DEAD_LETTERS, findDeadLetter, isDataError, recordDeadLetters } from './dead-letters';

/**
 * Taken by a retry for its transaction, and by a restatement once between marking itself running and
 * cutting the live read model: a retry either commits before the cut (which then holds its fact) or
 * sees the rebuild running and waits for it, so no fact lands in the live table without its aggregates
 * reaching the shadow. 7231001 is the migration lock, 7231002 the coordinator's lease, 7231005 the projection gate.
 */
export const DEAD_LETTER_RETRY_LOCK = 7231003n;

const DEADLOCK = '40P01';
const ATTEMPTS = 3;

/**
 * Applies a dead-lettered event again, read from the log, with the code and the price table the live
 * read model has now: as a late event, leaving the checkpoint where it is. On success the dead letter
 * is resolved; on a data error it stays, with the new error. Answers the dead letter as it is then,
 * undefined when there is none with that id.
 */
export async function retryDeadLetter(
  store: EventStore,
  pool: Pool,
  id: number,
  catalogAt: (version: number) => Promise<PriceCatalog>,
): Promise<DeadLetter | undefined> {
  const letter = await findDeadLetter(pool, id);
  if (!letter || letter.resolved_at) return letter;
  const [event] = await store.findEvents([{ streamId: letter.stream_id, id: letter.log_event_id }]);
  if (!event) throw new Error(`dead letter ${id}: event ${letter.log_event_id} is not in stream ${letter.stream_id}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(DEAD_LETTER_RETRY_LOCK)]);
        if ((await client.query(`SELECT 1 FROM projection_rebuilds WHERE state = 'running'`)).rowCount) {
          throw new ConflictError('a rebuild is running: retry dead letters once it is done (GET /v1/admin/projections)');
        }
        // As a batch would (ADR 0026): no swap or catalog adoption meanwhile, and its partition's checkpoint row
        // written, so a price change measuring recorded usage waits for this, or this for it (ADR 0008).
        await takeGateShared(client);
        const state = await readProjectionState(client, READ_MODEL_SCHEMA);
        const partition = partitionOf(String((event.data as { workspace_id?: unknown }).workspace_id ?? ''), state?.partitions ?? 1);
        await client.query(`SELECT 1 FROM ${READ_MODEL_SCHEMA}.partition_checkpoints WHERE partition = $1 FOR UPDATE`, [partition]);
        await resolveModelNames(client, READ_MODEL_SCHEMA, modelNamesIn([event]), () => catalogAt(state?.pricingVersion ?? 0));
        const inserted = await applyLateEvents(client, READ_MODEL_SCHEMA, [event]);
        await client.query(`UPDATE ${READ_MODEL_SCHEMA}.partition_checkpoints SET events_applied = events_applied + $2 WHERE partition = $1`, [
          partition,
          inserted,
        ]);
        await client.query(`UPDATE ${DEAD_LETTERS} SET resolved_at = now() WHERE id = $1`, [id]);
      });
      break;
    } catch (err) {
      if (isDataError(err)) {
        await recordDeadLetters(pool, letter.projection, [{ event, error: err as Error }]);
        break;
      }
      // The live projector may be merging into the same rows.
      if ((err as { code?: string }).code !== DEADLOCK || attempt === ATTEMPTS) throw err;
    }
  }
  return findDeadLetter(pool, id);
}
