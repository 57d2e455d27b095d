import equal from 'fast-deep-equal';
import { UsageEvent } from './usage-events';

export interface RecordingDecision {
  /** Batch indexes of the events to append, in batch order. */
  readonly fresh: number[];
  /** Events already recorded with an identical payload (earlier, or earlier in this batch). */
  readonly duplicates: number;
  /** Batch indexes whose `event_id` was already used with a different payload. */
  readonly conflicts: number[];
  /** New events naming another execution than their session's (ADR 0016). */
  readonly executionConflicts: ExecutionConflict[];
}

export interface ExecutionConflict {
  readonly index: number;
  readonly sessionId: string;
  /** The session's execution: the one the read model holds, else the first this batch names. */
  readonly sessionExecution: string;
  readonly named: string;
}

/** JSON as the store keeps it: absent optionals are absent, not `undefined`. */
const stored = (data: unknown): unknown => JSON.parse(JSON.stringify(data));

/**
 * Idempotency by `event_id`: a re-sent event with the same payload is a
 * duplicate and is not appended again; the same id with a different payload is
 * a conflict, and the whole batch is refused.
 *
 * A session belongs to one execution, the first its events name (ADR 0016): a new event naming
 * another than its session's, as far as this batch and `sessionExecutions` tell, is a conflict too.
 *
 * @param recorded payloads already in the log, by `event_id`, as the store keeps them
 * @param sessionExecutions the executions of the batch's sessions that the read model already holds, by session id
 */
export function decideRecording(
  batch: readonly UsageEvent[],
  recorded: ReadonlyMap<string, unknown>,
  sessionExecutions: ReadonlyMap<string, string> = new Map(),
): RecordingDecision {
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
  return { fresh, duplicates, conflicts, executionConflicts: executionConflicts(batch, fresh, sessionExecutions) };
}

/**
 * Fresh events naming another execution than their session's, the batch read in its (and so the log's) order.
 * A re-sent event is already in the log: it may name the session's execution, never conflict with it.
 */
function executionConflicts(batch: readonly UsageEvent[], fresh: readonly number[], known: ReadonlyMap<string, string>): ExecutionConflict[] {
  const executions = new Map(known);
  const isFresh = new Set(fresh);
  const out: ExecutionConflict[] = [];
  batch.forEach(({ data: { session_id: sessionId, execution_id: named } }, index) => {
    if (named === undefined) return;
    const sessionExecution = executions.get(sessionId);
    if (sessionExecution === undefined) executions.set(sessionId, named);
    else if (sessionExecution !== named && isFresh.has(index)) out.push({ index, sessionId, sessionExecution, named });
  });
  return out;
}

const asStored = (event: UsageEvent): unknown => stored({ type: event.type, data: event.data });
