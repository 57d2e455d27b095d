import { Inject, Optional } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  EventStore,
  formatPosition,
  JsonObject,
  LOG_START,
  LogPosition,
  maxPosition,
  StreamAppend,
} from '@ledger/event-store';
import { ConflictError, IdempotencyConflictError } from '@ledger/http';
import { decideRecording, ExecutionConflict } from './record-usage.decider';
import { ProjectedSessionExecutions, SessionExecutionLookup } from './record-usage.session-executions';
import { IngestMetrics } from './ingest.metrics';
import { INGEST_SLOTS, IngestSlots } from './ingest-slots';
import { storeEventId } from './store-event-id';
import { sessionStream, UsageEvent } from './usage-events';

export interface RecordUsageResult {
  readonly accepted: number;
  readonly duplicates: number;
  /** Opaque: pass it as `?after=` to read your own writes. */
  readonly position: string;
}

export class RecordUsageEvents extends Command<RecordUsageResult> {
  constructor(
    readonly workspaceId: string,
    readonly events: readonly UsageEvent[],
  ) {
    super();
  }
}

/** A session belongs to one execution (ADR 0016): the refusal names the session's and the one the event names. */
function executionConflict(conflicts: readonly ExecutionConflict[]): ConflictError {
  const [first] = conflicts;
  const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more, see details)` : '';
  return new ConflictError(
    `events[${first.index}] names execution ${first.named}, but session ${first.sessionId} belongs to execution ${first.sessionExecution}${more}; ` +
      'nothing of the batch was stored',
    conflicts.map((c) => ({
      index: c.index,
      field: 'execution_id',
      message: `session ${c.sessionId} belongs to execution ${c.sessionExecution}, not ${c.named}: send its execution_id, or none`,
    })),
  );
}

/** Read what is recorded, decide, append only what is new. */
@CommandHandler(RecordUsageEvents)
export class RecordUsageEventsHandler implements ICommandHandler<RecordUsageEvents, RecordUsageResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ProjectedSessionExecutions) private readonly sessions: SessionExecutionLookup,
    @Optional() private readonly metrics?: IngestMetrics,
    @Optional() @Inject(INGEST_SLOTS) private readonly slots?: IngestSlots,
  ) {}

  execute(command: RecordUsageEvents): Promise<RecordUsageResult> {
    return this.slots ? this.slots.run(() => this.record(command)) : this.record(command);
  }

  private async record({ workspaceId, events }: RecordUsageEvents): Promise<RecordUsageResult> {
    const refs = events.map((e) => ({ streamId: sessionStream(workspaceId, e.data.session_id), id: storeEventId(workspaceId, e.data.event_id) }));
    // Only events naming an execution can conflict with their session's: most batches need no look-up.
    const naming = [...new Set(events.filter((e) => e.data.execution_id !== undefined).map((e) => e.data.session_id))];
    const [existing, sessionExecutions] = await Promise.all([
      this.store.findEvents(refs),
      naming.length ? this.sessions.executionsOf(workspaceId, naming) : new Map<string, string>(),
    ]);
    const recorded = new Map(existing.map((e) => [String(e.data.event_id), { type: e.type, data: e.data }]));
    const decision = decideRecording(events, recorded, sessionExecutions);
    if (decision.executionConflicts.length) throw executionConflict(decision.executionConflicts);
    if (decision.conflicts.length) {
      throw new IdempotencyConflictError(
        'event_id already used in this workspace with a different payload; nothing of the batch was stored',
        decision.conflicts.map((index) => ({ index, field: 'event_id', message: `event_id ${events[index].data.event_id} was recorded with a different payload` })),
      );
    }
    const byStream = new Map<string, StreamAppend['events'][number][]>();
    for (const index of decision.fresh) {
      const { streamId, id } = refs[index];
      const { type, data } = events[index];
      let list = byStream.get(streamId);
      if (!list) byStream.set(streamId, (list = []));
      // Usage events are flat JSON data; interfaces just lack the index signature.
      list.push({ id, type, data: data as unknown as JsonObject });
    }
    let position: LogPosition = LOG_START;
    let { duplicates } = decision;
    let accepted = decision.fresh.length;
    let raced: number[] = [];
    if (byStream.size) {
      const result = await this.store.append([...byStream].map(([streamId, evs]) => ({ streamId, events: evs, expectedRevision: 'any' as const })));
      position = result.position;
      // Events a concurrent batch stored between our read and our append were not written by us: the same
      // payload makes them duplicates, as if they had been read first.
      raced = decision.fresh.filter((index) => result.alreadyStored.has(refs[index].id));
      if (raced.length) {
        const stored = await this.store.findEvents(raced.map((index) => refs[index]));
        existing.push(...stored);
        const second = decideRecording(
          raced.map((index) => events[index]),
          new Map(stored.map((e) => [String(e.data.event_id), { type: e.type, data: e.data }])),
        );
        if (second.conflicts.length) {
          throw new IdempotencyConflictError(
            'event_id was recorded by a concurrent request with a different payload; the batch\'s other events were stored',
            second.conflicts.map((i) => raced[i]).map((index) => ({ index, field: 'event_id', message: `event_id ${events[index].data.event_id} was recorded with a different payload` })),
          );
        }
        accepted -= second.duplicates;
        duplicates += second.duplicates;
      }
    }
    for (const e of existing) position = maxPosition(position, e.position);
    this.metrics?.recorded(events, decision.fresh, raced);
    return { accepted, duplicates, position: formatPosition(position) };
  }
}
