import equal from 'fast-deep-equal';
import { UsageEvent } from './usage-events';

export interface RecordingDecision {
  /** Events to append, in batch order. */
  readonly fresh: UsageEvent[];
  /** Events already recorded with an identical payload (earlier, or earlier in this batch). */
  readonly duplicates: number;
  /** Batch indexes whose `event_id` was already used with a different payload. */
  readonly conflicts: number[];
}

/** JSON as the store keeps it: absent optionals are absent, not `undefined`. */
const stored = (data: object): unknown => JSON.parse(JSON.stringify(data));

/**
 * Idempotency by `event_id`: a re-sent event with the same payload is a
 * duplicate and is not appended again; the same id with a different payload is
 * a conflict, and the whole batch is refused.
 *
 * @param recorded payloads already in the log, by `event_id`
 */
export function decideRecording(batch: readonly UsageEvent[], recorded: ReadonlyMap<string, unknown>): RecordingDecision {
  const fresh: UsageEvent[] = [];
  const conflicts: number[] = [];
  const inBatch = new Map<string, unknown>();
  let duplicates = 0;
  batch.forEach((event, index) => {
    const id = event.data.event_id;
    const payload = stored({ type: event.type, data: event.data });
    const earlier = recorded.get(id) ?? inBatch.get(id);
    if (earlier === undefined) {
      inBatch.set(id, payload);
      fresh.push(event);
    } else if (equal(earlier, payload)) {
      duplicates++;
    } else {
      conflicts.push(index);
    }
  });
  return { fresh, duplicates, conflicts };
}
