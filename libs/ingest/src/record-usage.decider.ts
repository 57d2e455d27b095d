import equal from 'fast-deep-equal';
import { UsageEvent } from './usage-events';

export interface RecordingDecision {
  /** Batch indexes of the events to append, in batch order. */
  readonly fresh: number[];
  /** Events already recorded with an identical payload (earlier, or earlier in this batch). */
  readonly duplicates: number;
  /** Batch indexes whose `event_id` was already used with a different payload. */
  readonly conflicts: number[];
}

/** JSON as the store keeps it: absent optionals are absent, not `undefined`. */
const stored = (data: unknown): unknown => JSON.parse(JSON.stringify(data));

/**
 * Idempotency by `event_id`: a re-sent event with the same payload is a
 * duplicate and is not appended again; the same id with a different payload is
 * a conflict, and the whole batch is refused.
 *
 * @param recorded payloads already in the log, by `event_id`, as the store keeps them
 */
export function decideRecording(batch: readonly UsageEvent[], recorded: ReadonlyMap<string, unknown>): RecordingDecision {
  const fresh: number[] = [];
  const conflicts: number[] = [];
  /** First index of each id in this batch. */
  const inBatch = new Map<string, number>();
  let duplicates = 0;
  batch.forEach((event, index) => {
    const id = event.data.event_id;
    const kept = recorded.get(id);
    const first = inBatch.get(id);
    if (kept === undefined && first === undefined) {
      inBatch.set(id, index);
      fresh.push(index);
      return;
    }
    // Re-sends are rare: only they pay for the round trip to the stored JSON form.
    const earlier = kept ?? asStored(batch[first!]);
    if (equal(earlier, asStored(event))) duplicates++;
    else conflicts.push(index);
  });
  return { fresh, duplicates, conflicts };
}

const asStored = (event: UsageEvent): unknown => stored({ type: event.type, data: event.data });
