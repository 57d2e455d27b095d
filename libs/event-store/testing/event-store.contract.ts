import { randomUUID } from 'node:crypto';
import {
  LOG_START,
  WrongExpectedVersionError,
  comparePositions,
  type EventData,
  type EventStore,
  type JsonObject,
  type LogPosition,
  type RecordedEvent,
  type Subscription,
  type SubscriptionItem,
} from '../src/event-store.port';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  teardown(): Promise<void>;
}

/** How long a subscription may stay silent before a test gives up on it. */
const WAIT_MS = 5_000;

/**
 * What every EventStore adapter must do. The log is shared by all tests of a run
 * and never truncated: each test writes to streams under its own fresh prefix and
 * reads through filters or prefixes, so other streams in the log do not matter.
 */
export function describeEventStoreContract(name: string, setup: () => Promise<EventStoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreUnderTest | undefined;
    const store = (): EventStore => {
      if (!subject) throw new Error('store setup failed');
      return subject.store;
    };

    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject?.teardown();
    });

    describe('lastAppendedPosition', () => {
      it('is the position the last append returned, and is never behind the head', async () => {
        const s = `${prefix()}-last`;
        await store().append([{ streamId: s, events: [event('A', { n: 1 })] }]);
        const last = await store().append([{ streamId: s, events: [event('B', { n: 2 })] }]);
        const written = await store().lastAppendedPosition();
        expect(comparePositions(written, last.position)).toBeGreaterThanOrEqual(0);
        expect(comparePositions(written, await store().headPosition())).toBeGreaterThanOrEqual(0);
      });
    });

    describe('append', () => {
      it('creates a stream with no_stream and records the events as given', async () => {
        const s = `${prefix()}-1`;
        const a = event('Started', { n: 1 }, { traceId: 't-1' });
        const b = event('Finished', { n: 2, nested: { ok: true } });
        const before = Date.now();

        const result = await store().append([{ streamId: s, events: [a, b], expectedRevision: 'no_stream' }]);

        const stored = await store().readStream(s);
        expect(stored.map(view)).toEqual([
          { id: a.id, type: 'Started', data: { n: 1 }, metadata: { traceId: 't-1' }, streamId: s, revision: 0n },
          { id: b.id, type: 'Finished', data: { n: 2, nested: { ok: true } }, metadata: {}, streamId: s, revision: 1n },
        ]);
        expect(result.revisions).toEqual(new Map([[s, 1n]]));
        expect(result.alreadyStored).toEqual(new Set());
        expect(result.position).toEqual(stored[1].position);
        expectStrictlyAscending(stored.map((e) => e.position));
        for (const e of stored) {
          expect(typeof e.position.commit).toBe('bigint');
          expect(typeof e.position.prepare).toBe('bigint');
          expect(e.created).toBeInstanceOf(Date);
          expect(Math.abs(e.created.getTime() - before)).toBeLessThan(60_000);
        }
      });

      it('rejects no_stream on an existing stream and writes nothing', async () => {
        const s = `${prefix()}-1`;
        const a = event('Started');
        await store().append([{ streamId: s, events: [a], expectedRevision: 'no_stream' }]);

        const error = await rejection(
          store().append([{ streamId: s, events: [event('Started')], expectedRevision: 'no_stream' }]),
        );

        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: s, expected: 'no_stream', actual: 0n });
        expect((await store().readStream(s)).map((e) => e.id)).toEqual([a.id]);
      });

      it('appends at an exact revision only when it is the last one', async () => {
        const s = `${prefix()}-1`;
        const [a, b, c] = [event('A'), event('B'), event('C')];
        await store().append([{ streamId: s, events: [a, b], expectedRevision: 'no_stream' }]);

        const ok = await store().append([{ streamId: s, events: [c], expectedRevision: 1n }]);
        const error = await rejection(store().append([{ streamId: s, events: [event('D')], expectedRevision: 1n }]));

        expect(ok.revisions).toEqual(new Map([[s, 2n]]));
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: s, expected: 1n, actual: 2n });
        expect((await store().readStream(s)).map((e) => e.id)).toEqual([a.id, b.id, c.id]);
      });

      it('rejects an exact revision on a missing stream', async () => {
        const s = `${prefix()}-1`;

        const error = await rejection(store().append([{ streamId: s, events: [event('A')], expectedRevision: 0n }]));

        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: s, expected: 0n, actual: 'no_stream' });
        expect(await store().readStream(s)).toEqual([]);
      });

      it('appends with stream_exists only to an existing stream', async () => {
        const s = `${prefix()}-1`;
        const error = await rejection(
          store().append([{ streamId: s, events: [event('A')], expectedRevision: 'stream_exists' }]),
        );
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: s, expected: 'stream_exists', actual: 'no_stream' });
        expect(await store().readStream(s)).toEqual([]);

        const [a, b] = [event('A'), event('B')];
        await store().append([{ streamId: s, events: [a], expectedRevision: 'any' }]);
        const result = await store().append([{ streamId: s, events: [b], expectedRevision: 'stream_exists' }]);

        expect(result.revisions).toEqual(new Map([[s, 1n]]));
        expect((await store().readStream(s)).map((e) => e.id)).toEqual([a.id, b.id]);
      });

      it('appends with any, or no expected revision, whatever the stream state', async () => {
        const s = `${prefix()}-1`;
        const [a, b] = [event('A'), event('B')];

        const first = await store().append([{ streamId: s, events: [a], expectedRevision: 'any' }]);
        const second = await store().append([{ streamId: s, events: [b] }]);

        expect(first.revisions).toEqual(new Map([[s, 0n]]));
        expect(second.revisions).toEqual(new Map([[s, 1n]]));
        expect((await store().readStream(s)).map((e) => e.id)).toEqual([a.id, b.id]);
      });

      it('reports every stream of a multi-stream append and the last position written', async () => {
        const p = prefix();
        const [a1, a2, b1] = [event('A'), event('A'), event('B')];

        const result = await store().append([
          { streamId: `${p}-a`, events: [a1, a2], expectedRevision: 'no_stream' },
          { streamId: `${p}-b`, events: [b1], expectedRevision: 'no_stream' },
        ]);

        const stored = [...(await store().readStream(`${p}-a`)), ...(await store().readStream(`${p}-b`))];
        expect(stored.map((e) => e.id)).toEqual([a1.id, a2.id, b1.id]);
        expect(result.revisions).toEqual(
          new Map([
            [`${p}-a`, 1n],
            [`${p}-b`, 0n],
          ]),
        );
        expect(result.position).toEqual(highest(stored.map((e) => e.position)));
      });
    });

    describe('idempotent re-append', () => {
      it('writes nothing when every event is already stored', async () => {
        const s = `${prefix()}-1`;
        const events = [event('A', { n: 1 }), event('B', { n: 2 })];
        await store().append([{ streamId: s, events, expectedRevision: 'no_stream' }]);
        const before = await store().readStream(s);

        const again = await store().append([{ streamId: s, events, expectedRevision: 'no_stream' }]);

        expect(again.position).toEqual(LOG_START);
        expect(again.revisions).toEqual(new Map([[s, 1n]]));
        expect(again.alreadyStored).toEqual(new Set(events.map((e) => e.id.toLowerCase())));
        expect(await store().readStream(s)).toEqual(before);
      });

      it('writes only the new events, and a stored event keeps its first payload', async () => {
        const s = `${prefix()}-1`;
        const a = event('A', { version: 'first' });
        const b = event('B');
        await store().append([{ streamId: s, events: [a], expectedRevision: 'any' }]);
        const [storedA] = await store().readStream(s);

        const result = await store().append([
          { streamId: s, events: [{ ...a, data: { version: 'second' } }, b], expectedRevision: 'any' },
        ]);

        const stored = await store().readStream(s);
        expect(stored.map(view)).toEqual([
          { id: a.id, type: 'A', data: { version: 'first' }, metadata: {}, streamId: s, revision: 0n },
          { id: b.id, type: 'B', data: {}, metadata: {}, streamId: s, revision: 1n },
        ]);
        expect(stored[0]).toEqual(storedA);
        expect(result.revisions).toEqual(new Map([[s, 1n]]));
        expect(result.alreadyStored).toEqual(new Set([a.id.toLowerCase()]));
        expect(result.position).toEqual(stored[1].position);
      });
    });

    describe('findEvents', () => {
      it('returns exactly the stored events among the refs', async () => {
        const p = prefix();
        const [a1, a2, b1] = [event('A'), event('A'), event('B')];
        await store().append([
          { streamId: `${p}-a`, events: [a1, a2] },
          { streamId: `${p}-b`, events: [b1] },
        ]);
        const stored = [...(await store().readStream(`${p}-a`)), ...(await store().readStream(`${p}-b`))];

        const found = await store().findEvents([
          { streamId: `${p}-a`, id: a2.id },
          { streamId: `${p}-b`, id: b1.id },
          { streamId: `${p}-a`, id: a2.id },
          { streamId: `${p}-a`, id: randomUUID() },
          { streamId: `${p}-missing`, id: randomUUID() },
        ]);

        expect(byId(found)).toEqual(byId(stored.filter((e) => e.id !== a1.id)));
        expect(await store().findEvents([])).toEqual([]);
      });
    });

    describe('readStream', () => {
      it('reads from an inclusive revision, up to maxCount', async () => {
        const s = `${prefix()}-1`;
        const events = [0, 1, 2, 3, 4].map((n) => event('N', { n }));
        await store().append([{ streamId: s, events }]);

        const revisions = async (options: { fromRevision?: bigint; maxCount?: number }) =>
          (await store().readStream(s, options)).map((e) => e.revision);

        expect(await revisions({})).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(await revisions({ fromRevision: 2n })).toEqual([2n, 3n, 4n]);
        expect(await revisions({ fromRevision: 1n, maxCount: 2 })).toEqual([1n, 2n]);
        expect(await revisions({ fromRevision: 5n })).toEqual([]);
      });

      it('returns nothing for a missing stream', async () => {
        expect(await store().readStream(`${prefix()}-missing`)).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('reads after a position, exclusive, in log order across streams', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const [a1, b1, a2] = [event('A'), event('B'), event('A')];
        await appendVisible(store(), [{ streamId: `${p}-a`, events: [a1] }]);
        await appendVisible(store(), [{ streamId: `${p}-b`, events: [b1] }]);
        await appendVisible(store(), [{ streamId: `${p}-a`, events: [a2] }]);
        const stored = byPosition([...(await store().readStream(`${p}-a`)), ...(await store().readStream(`${p}-b`))]);
        expect(stored.map((e) => e.id)).toEqual([a1.id, b1.id, a2.id]);

        const all = await store().readAll({ from: start });
        const afterFirst = await store().readAll({ from: stored[0].position, filter: { streamPrefixes: [p] } });

        expect(all.filter((e) => e.streamId.startsWith(p))).toEqual(stored);
        expectStrictlyAscending([start, ...all.map((e) => e.position)]);
        expect(afterFirst).toEqual(stored.slice(1));
      });

      it('pages with maxCount, each page starting after the last one', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const events = [0, 1, 2, 3, 4].map((n) => event('N', { n }));
        await appendVisible(store(), [{ streamId: `${p}-1`, events: events.slice(0, 3) }]);
        await appendVisible(store(), [{ streamId: `${p}-2`, events: events.slice(3) }]);

        const pages: RecordedEvent[][] = [];
        let from = start;
        for (;;) {
          const page = await store().readAll({ from, maxCount: 2, filter: { streamPrefixes: [p] } });
          pages.push(page);
          if (page.length === 0) break;
          from = page[page.length - 1].position;
        }

        expect(pages.map((page) => page.length)).toEqual([2, 2, 1, 0]);
        expect(pages.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
        expectStrictlyAscending(pages.flat().map((e) => e.position));
      });

      it('filters by exact event type', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const [used, called, finalized, usedV2] = ['Used', 'Called', 'Finalized', 'UsedV2'].map((t) => `${p}.${t}`);
        const events = [event(used), event(called), event(usedV2), event(finalized), event(used)];
        await appendVisible(store(), [{ streamId: `${p}-1`, events: events.slice(0, 3) }]);
        await appendVisible(store(), [{ streamId: `${p}-2`, events: events.slice(3) }]);

        const read = await store().readAll({ from: start, filter: { eventTypes: [used, finalized] } });

        expect(read.map((e) => e.id)).toEqual([events[0], events[3], events[4]].map((e) => e.id));
      });

      it('filters by stream prefix, and by type and prefix together', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const [kept, dropped] = [`${p}.Kept`, `${p}.Dropped`];
        const a = [event(kept), event(dropped)];
        const b = [event(kept)];
        const c = [event(kept)];
        await appendVisible(store(), [
          { streamId: `${p}-a-1`, events: a },
          { streamId: `${p}-b-1`, events: b },
          { streamId: `${p}-c-1`, events: c },
        ]);

        const byPrefix = await store().readAll({ from: start, filter: { streamPrefixes: [`${p}-a-`, `${p}-b-`] } });
        const both = await store().readAll({
          from: start,
          filter: { streamPrefixes: [`${p}-a-`, `${p}-c-`], eventTypes: [kept] },
        });

        expect(byPrefix.map((e) => e.id)).toEqual([...a, ...b].map((e) => e.id));
        expect(both.map((e) => e.id)).toEqual([a[0], c[0]].map((e) => e.id));
      });
    });

    // History is appended with appendVisible: a subscription that starts while another spec's
    // transaction holds the PostgreSQL log's horizon back would otherwise see it as live.
    describe('subscribeToAll', () => {
      it('delivers history after the given position, then caught-up, then live events, in order', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const [h1, h2, l1, l2] = [event('H'), event('H'), event('L'), event('L')];
        await appendVisible(store(), [{ streamId: `${p}-1`, events: [h1] }]);
        await appendVisible(store(), [{ streamId: `${p}-2`, events: [h2] }]);

        const sub = store().subscribeToAll({ from: start, filter: { streamPrefixes: [p] } });
        try {
          const reader = read(sub);
          const history = await reader.until((item) => item.kind === 'caught-up');
          const head = await store().headPosition();
          await store().append([{ streamId: `${p}-1`, events: [l1] }]);
          await store().append([{ streamId: `${p}-2`, events: [l2] }]);
          const live = await reader.untilEvents(2);

          const stored = byPosition([...(await store().readStream(`${p}-1`)), ...(await store().readStream(`${p}-2`))]);
          expect(eventsOf(history)).toEqual(stored.slice(0, 2));
          expect(eventsOf(live)).toEqual(stored.slice(2));
          expect(stored.map((e) => e.id)).toEqual([h1.id, h2.id, l1.id, l2.id]);
          const caughtUp = history[history.length - 1] as { position: LogPosition };
          expect(comparePositions(caughtUp.position, stored[1].position)).toBeGreaterThanOrEqual(0);
          expect(comparePositions(caughtUp.position, head)).toBeLessThanOrEqual(0);
          expectOrdered(start, [...history, ...live]);
        } finally {
          await sub.close();
        }
      });

      it('starts after the given event position when unfiltered', async () => {
        const p = prefix();
        const [e1, e2, e3] = [event('E'), event('E'), event('E')];
        await appendVisible(store(), [{ streamId: `${p}-1`, events: [e1, e2] }]);
        const [stored1] = await store().readStream(`${p}-1`);

        const sub = store().subscribeToAll({ from: stored1.position });
        try {
          const reader = read(sub);
          const history = await reader.until((item) => item.kind === 'caught-up');
          await store().append([{ streamId: `${p}-1`, events: [e3] }]);
          const live = await reader.until((item) => item.kind === 'event' && item.event.id === e3.id);

          const ours = (items: SubscriptionItem[]) =>
            eventsOf(items)
              .filter((e) => e.streamId.startsWith(p))
              .map((e) => e.id);
          expect(ours(history)).toEqual([e2.id]);
          expect(ours(live)).toEqual([e3.id]);
          expectOrdered(stored1.position, [...history, ...live]);
        } finally {
          await sub.close();
        }
      });

      it('filters by event type, in history and live', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const [used, called] = [`${p}.Used`, `${p}.Called`];
        const history = [event(used), event(called), event(used)];
        const live = [event(called), event(used)];
        await appendVisible(store(), [{ streamId: `${p}-1`, events: history }]);

        const sub = store().subscribeToAll({ from: start, filter: { eventTypes: [used] } });
        try {
          const reader = read(sub);
          const before = await reader.until((item) => item.kind === 'caught-up');
          await store().append([{ streamId: `${p}-2`, events: live }]);
          const after = await reader.untilEvents(1);

          expect(eventsOf(before).map((e) => e.id)).toEqual([history[0].id, history[2].id]);
          expect(eventsOf(after).map((e) => e.id)).toEqual([live[1].id]);
          expectOrdered(start, [...before, ...after]);
        } finally {
          await sub.close();
        }
      });

      it('reports progress past the events a filter skips', async () => {
        const p = prefix();
        const start = await store().headPosition();
        const history = Array.from({ length: 150 }, (_, n) => event(n === 50 ? `${p}.Signal` : `${p}.Noise`, { n }));
        await appendVisible(store(), [{ streamId: `${p}-noise`, events: history }]);
        const signal = event(`${p}.Signal`);

        const sub = store().subscribeToAll({ from: start, filter: { eventTypes: [`${p}.Signal`] } });
        try {
          const reader = read(sub);
          const before = await reader.until((item) => item.kind === 'caught-up');
          await store().append([{ streamId: `${p}-signal`, events: [signal] }]);
          const after = await reader.untilEvents(1);

          expect(eventsOf(before).map((e) => e.id)).toEqual([history[50].id]);
          expect(eventsOf(after).map((e) => e.id)).toEqual([signal.id]);
          const reported = before.flatMap((item) => (item.kind === 'event' ? [] : [item.position]));
          expect(comparePositions(highest(reported), eventsOf(before)[0].position)).toBe(1);
          expectOrdered(start, [...before, ...after]);
        } finally {
          await sub.close();
        }
      });

      it('ends the iteration on close, settling a pending next()', async () => {
        const sub = store().subscribeToAll({ from: await store().headPosition(), filter: { streamPrefixes: [prefix()] } });
        const reader = read(sub);
        await reader.until((item) => item.kind === 'caught-up');

        const pending = reader.iterator.next();
        await sub.close();

        await expect(pending).resolves.toMatchObject({ done: true });
        await expect(reader.iterator.next()).resolves.toMatchObject({ done: true });
      });
    });

    describe('headPosition', () => {
      it('is the position of the last appended event', async () => {
        const s = `${prefix()}-1`;
        const first = await appendVisible(store(), [{ streamId: s, events: [event('A'), event('B')] }]);
        expect(await store().headPosition()).toEqual(first.position);

        const second = await appendVisible(store(), [{ streamId: s, events: [event('C')] }]);
        const stored = await store().readStream(s);
        expect(await store().headPosition()).toEqual(second.position);
        expect(second.position).toEqual(stored[2].position);
        expect(comparePositions(second.position, first.position)).toBe(1);
      });
    });
  });
}

/** A stream-id prefix no other test uses; also serves as a unique event-type prefix. */
/**
 * Appends, then waits until `$all` readers can see the append. The PostgreSQL log
 * hides events behind the oldest writing transaction in the cluster (ADR 0001),
 * which on a busy test server may be another spec's for a moment.
 */
async function appendVisible(store: EventStore, appends: Parameters<EventStore['append']>[0]) {
  const result = await store.append(appends);
  const deadline = Date.now() + WAIT_MS;
  while (comparePositions(await store.headPosition(), result.position) < 0) {
    if (Date.now() > deadline) throw new Error('the append did not become visible to $all readers');
    await new Promise((r) => setTimeout(r, 10));
  }
  return result;
}

function prefix(): string {
  return `contract-${randomUUID().replaceAll('-', '')}`;
}

function event(type: string, data: JsonObject = {}, metadata?: JsonObject): EventData {
  return metadata ? { id: randomUUID(), type, data, metadata } : { id: randomUUID(), type, data };
}

function view(e: RecordedEvent) {
  return { id: e.id, type: e.type, data: e.data, metadata: e.metadata, streamId: e.streamId, revision: e.revision };
}

function byId(events: RecordedEvent[]): RecordedEvent[] {
  return [...events].sort((a, b) => a.id.localeCompare(b.id));
}

function byPosition(events: RecordedEvent[]): RecordedEvent[] {
  return [...events].sort((a, b) => comparePositions(a.position, b.position));
}

function highest(positions: LogPosition[]): LogPosition {
  return positions.reduce((max, p) => (comparePositions(p, max) > 0 ? p : max), LOG_START);
}

function eventsOf(items: SubscriptionItem[]): RecordedEvent[] {
  return items.flatMap((item) => (item.kind === 'event' ? [item.event] : []));
}

function expectStrictlyAscending(positions: LogPosition[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(comparePositions(positions[i - 1], positions[i])).toBe(-1);
  }
}

/**
 * What a projector relies on: no reported position goes backwards, and an event
 * always lies strictly after every position reported before it, so resuming from
 * any checkpoint (exclusive) can skip nothing.
 */
function expectOrdered(from: LogPosition, items: SubscriptionItem[]): void {
  let reached = from;
  for (const item of items) {
    const position = item.kind === 'event' ? item.event.position : item.position;
    expect(comparePositions(position, reached)).toBeGreaterThanOrEqual(item.kind === 'event' ? 1 : 0);
    reached = position;
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function read(sub: Subscription) {
  const iterator = sub[Symbol.asyncIterator]();
  const next = async (): Promise<SubscriptionItem> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no subscription item within ${WAIT_MS} ms`)), WAIT_MS);
    });
    try {
      const result = await Promise.race([iterator.next(), timeout]);
      if (result.done) throw new Error('subscription ended');
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  };
  const until = async (stop: (item: SubscriptionItem) => boolean): Promise<SubscriptionItem[]> => {
    const items: SubscriptionItem[] = [];
    for (;;) {
      const item = await next();
      items.push(item);
      if (stop(item)) return items;
    }
  };
  const untilEvents = async (count: number): Promise<SubscriptionItem[]> => {
    let seen = 0;
    return until((item) => item.kind === 'event' && ++seen === count);
  };
  return { iterator, until, untilEvents };
}
