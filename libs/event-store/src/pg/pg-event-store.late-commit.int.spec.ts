import { createTestDatabase, withEventLog } from '@ledger/testing';
import { comparePositions, formatPosition, LOG_START } from '../event-store.port';
import { PgEventStore } from './pg-event-store';

/**
 * Reads the whole log once it holds `count` events: readers stop below the oldest
 * writing transaction in the cluster, which may briefly be another spec's.
 */
async function readWhenVisible(store: PgEventStore, count: number) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const all = await store.readAll({ from: LOG_START });
    if (all.length >= count || Date.now() > deadline) return all;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const event = (n: number) => ({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'TokenUsed', data: { n } });

describe('PgEventStore: an append that commits late', () => {
  const log = withEventLog();

  it('is read after the later appends that committed first, never skipped', async () => {
    // A writer takes the lower position, then holds its transaction open.
    const slow = await log.db.pool.connect();
    await slow.query('BEGIN');
    await slow.query(`INSERT INTO event_log (stream_id, stream_revision, event_id, event_type, data) VALUES ('s-slow', 0, $1, 'TokenUsed', '{"n":1}')`, [
      event(1).id,
    ]);

    const fast = await log.store.append([{ streamId: 's-fast', events: [event(2), event(3)] }]);

    // The reader stops below the open transaction: it must not pass the slow event's slot.
    const whileOpen = await log.store.readAll({ from: LOG_START });
    expect(whileOpen).toEqual([]);
    // The position the fast append returned is beyond the readers' head, but it was written: read-your-writes must wait for it.
    expect(comparePositions(fast.position, await log.store.headPosition())).toBeGreaterThan(0);
    expect(await log.store.lastAppendedPosition()).toEqual(fast.position);

    await slow.query('COMMIT');
    slow.release();

    const afterCommit = await readWhenVisible(log.store, 3);
    expect(afterCommit.map((e) => e.data.n)).toEqual([1, 2, 3]);
    // A reader that checkpointed before the late commit still gets it next.
    const positions = afterCommit.map((e) => formatPosition(e.position));
    expect(new Set(positions).size).toBe(3);
  });
});

describe('PgEventStore: log order across transaction ids of different lengths', () => {
  it('orders by transaction id as a number, not as text', async () => {
    const db = await createTestDatabase();
    const store = new PgEventStore(db.pool);
    try {
      await store.append([{ streamId: 'order-a', events: [event(101)] }]);
      const first = (await readWhenVisible(store, 1))[0].position.commit;
      // Burn transaction ids until the next one has one more digit ("9999" sorts after "10000" as text).
      const target = 10n ** BigInt(String(first).length);
      const client = await db.pool.connect();
      for (let xid = first; xid < target; xid++) await client.query('SELECT pg_current_xact_id()');
      client.release();
      await store.append([{ streamId: 'order-b', events: [event(102)] }]);
      const all = await readWhenVisible(store, 2);
      expect(all.map((e) => e.data.n)).toEqual([101, 102]);
      expect(String(all[1].position.commit).length).toBeGreaterThan(String(all[0].position.commit).length);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe('PgEventStore: concurrent appends of the same events', () => {
  it('stores each id once and fails none of the writers', async () => {
    const db = await createTestDatabase();
    const store = new PgEventStore(db.pool);
    try {
      // Many writers, each appending the same events to the same streams in a different order.
      const streams = Array.from({ length: 20 }, (_, s) => ({ streamId: `race-${s}`, events: [event(1000 + s * 2), event(1001 + s * 2)] }));
      const writers = Array.from({ length: 8 }, (_, w) => store.append(w % 2 ? [...streams].reverse() : streams));
      await expect(Promise.all(writers)).resolves.toHaveLength(8);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM event_log WHERE stream_id LIKE 'race-%'`);
      expect(rows[0]).toEqual({ n: 40, d: 40 });
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
