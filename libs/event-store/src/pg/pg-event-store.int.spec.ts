import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@ledger/testing';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { PgEventStore } from './pg-event-store';

describeEventStoreContract('PgEventStore', async () => {
  const db = await createTestDatabase();
  const store = new PgEventStore(db.pool);
  return {
    store,
    async teardown() {
      await store.close();
      await db.drop();
    },
  };
});

describe('PgEventStore, when the server ends its LISTEN session', () => {
  it('keeps the process up, keeps delivering, and listens again', async () => {
    const db = await createTestDatabase();
    const store = new PgEventStore(db.pool);
    const listeners = async () =>
      (
        await db.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
        )
      ).rows.map((r) => r.pid);
    const until = async <T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const v = await read();
        if (ok(v)) return v;
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(v)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const sub = store.subscribeToAll({ from: await store.headPosition() });
    const items = sub[Symbol.asyncIterator]();
    try {
      expect((await items.next()).value).toMatchObject({ kind: 'caught-up' });
      const [first] = await until(listeners, (pids) => pids.length === 1);

      await db.pool.query('SELECT pg_terminate_backend($1)', [first]);
      const event = { id: randomUUID(), type: 'Ping', data: { n: 1 } };
      await store.append([{ streamId: 'ping-1', events: [event] }]);
      let next = await items.next();
      while (next.value.kind !== 'event') next = await items.next();

      expect(next.value.event.id).toBe(event.id);
      const [second] = await until(listeners, (pids) => pids.length === 1 && pids[0] !== first);
      expect(second).not.toBe(first);
    } finally {
      await sub.close();
      await store.close();
      await db.drop();
    }
  });
});
