import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  EventStore,
  formatPosition,
  LOG_START,
  LogPosition,
  maxPosition,
  StreamAppend,
} from '@ledger/event-store';
import { IdempotencyConflictError } from '@ledger/http';
import { v5 as uuidv5 } from 'uuid';
import { decideRecording } from './record-usage.decider';
import { sessionStream, UsageEvent } from './usage-events';

/** Namespace for deterministic event UUIDs: the same (workspace, event_id) always maps to the same id. */
const EVENT_ID_NAMESPACE = '6f1c3a52-3e0b-4c55-9d6a-0c7e1f5b9a10';

export const storeEventId = (workspaceId: string, eventId: string): string => uuidv5(`${workspaceId}/${eventId}`, EVENT_ID_NAMESPACE);

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

/** Read what is recorded, decide, append only what is new. */
@CommandHandler(RecordUsageEvents)
export class RecordUsageEventsHandler implements ICommandHandler<RecordUsageEvents, RecordUsageResult> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ workspaceId, events }: RecordUsageEvents): Promise<RecordUsageResult> {
    const refs = events.map((e) => ({ streamId: sessionStream(workspaceId, e.data.session_id), id: storeEventId(workspaceId, e.data.event_id) }));
    const existing = await this.store.findEvents(refs);
    const recorded = new Map(existing.map((e) => [String(e.data.event_id), { type: e.type, data: e.data }]));
    const decision = decideRecording(events, recorded);
    if (decision.conflicts.length) {
      throw new IdempotencyConflictError(
        'event_id already used in this workspace with a different payload; nothing of the batch was stored',
        decision.conflicts.map((index) => ({ index, field: 'event_id', message: `event_id ${events[index].data.event_id} was recorded with a different payload` })),
      );
    }
    const byStream = new Map<string, StreamAppend['events'][number][]>();
    for (const e of decision.fresh) {
      const stream = sessionStream(workspaceId, e.data.session_id);
      const list = byStream.get(stream) ?? [];
      list.push({ id: storeEventId(workspaceId, e.data.event_id), type: e.type, data: { ...e.data } });
      byStream.set(stream, list);
    }
    let position: LogPosition = LOG_START;
    if (byStream.size) {
      const result = await this.store.append([...byStream].map(([streamId, evs]) => ({ streamId, events: evs, expectedRevision: 'any' as const })));
      position = result.position;
    }
    for (const e of existing) position = maxPosition(position, e.position);
    return { accepted: decision.fresh.length, duplicates: decision.duplicates, position: formatPosition(position) };
  }
}
