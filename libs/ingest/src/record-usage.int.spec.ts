import { withEventLog } from '@ledger/testing';
import type { EventStore } from '@ledger/event-store';
import { IdempotencyConflictError } from '@ledger/http';
import { tokenUsed } from '../testing/usage-events';
import { IngestSlots } from './ingest-slots';
import { RecordUsageEvents, RecordUsageEventsHandler } from './record-usage.command';
import { UsageEvent } from './usage-events';

describe('RecordUsageEventsHandler', () => {
  const log = withEventLog();
  /** No session is projected yet: only the batch itself can show an execution conflict. */
  const unprojected = { executionsOf: async () => new Map<string, string>() };
  const record = (store: EventStore, events: UsageEvent[]) =>
    new RecordUsageEventsHandler(store, unprojected).execute(new RecordUsageEvents('ws', events));

  /** The log as a batch sees it when `rival`, sent concurrently, is recorded between this batch's read and its append. */
  const racedBy = (rival: UsageEvent[]): EventStore => ({
    append: async (appends) => {
      await record(log.store, rival);
      return log.store.append(appends);
    },
    findEvents: (refs) => log.store.findEvents(refs),
    readStream: (id, o) => log.store.readStream(id, o),
    readAll: (o) => log.store.readAll(o),
    subscribeToAll: (o) => log.store.subscribeToAll(o),
    headPosition: () => log.store.headPosition(),
    lastAppendedPosition: () => log.store.lastAppendedPosition(),
    close: async () => undefined,
  });

  it('given a concurrent batch that stored the same event first, then it is answered as a duplicate, not accepted twice', async () => {
    const result = await record(racedBy([tokenUsed('r1', 10)]), [tokenUsed('r1', 10), tokenUsed('r2', 20)]);
    expect(result).toMatchObject({ accepted: 1, duplicates: 1 });
    const stored = (await log.store.readStream('session-ws/s1')).map((e) => e.data.event_id);
    expect(stored).toEqual(['r1', 'r2']);
  });

  it('given a concurrent batch that stored the event id with another payload, then the conflict names it', async () => {
    const answer = record(racedBy([tokenUsed('c1', 99)]), [tokenUsed('c1', 1), tokenUsed('c2', 2)]);
    await expect(answer).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(answer).rejects.toMatchObject({ details: [{ index: 0, field: 'event_id' }] });
  });
});

describe('RecordUsageEventsHandler under IngestSlots', () => {
  const log = withEventLog();
  const unprojected = { executionsOf: async () => new Map<string, string>() };

  it('given 6 batches sent at once and 2 slots, then at most 2 are recorded at a time and every event is stored once', async () => {
    let inFlight = 0;
    let most = 0;
    const counted: EventStore = Object.assign(Object.create(log.store) as EventStore, {
      findEvents: async (refs) => {
        most = Math.max(most, ++inFlight);
        return log.store.findEvents(refs);
      },
      append: async (appends) => {
        try {
          return await log.store.append(appends);
        } finally {
          inFlight--;
        }
      },
    } satisfies Partial<EventStore>);
    const handler = new RecordUsageEventsHandler(counted, unprojected, undefined, new IngestSlots(2));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, b) => handler.execute(new RecordUsageEvents('ws', [tokenUsed(`slot-${b}-a`, 1), tokenUsed(`slot-${b}-b`, 2)]))),
    );
    expect(results.map((r) => r.accepted)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(most).toBe(2);
    expect((await log.store.readStream('session-ws/s1')).length).toBe(12);
  });
});
