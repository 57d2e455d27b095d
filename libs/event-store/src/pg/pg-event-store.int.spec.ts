import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@ledger/testing';
import { describeEventStoreContract } from '../../testing/event-store.contract';
import { PgEventStore } from './pg-event-store';
import { formatPosition, LOG_START, LogPosition } from '../event-store.port';

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

describe('PgEventStore.scanSql', () => {
  it('reads, up to a head position, exactly what $all readers deliver; slices partition it; later appends stay out', async () => {
    const db = await createTestDatabase();
    const store = new PgEventStore(db.pool);
    try {
      const event = (type: string, n: number) => ({ id: randomUUID(), type, data: { n } });
      for (let i = 0; i < 6; i++) {
        await store.append([{ streamId: `scan-${i % 3}`, events: [event('TokenUsed', i), event('Other', i), event('ToolCalled', i)] }]);
      }
      const filter = { eventTypes: ['TokenUsed', 'ToolCalled'] };
      // Appends are readable once no older transaction is open anywhere on the server.
      let delivered = await store.readAll({ filter });
      while (delivered.length < 12) {
        await new Promise((r) => setTimeout(r, 10));
        delivered = await store.readAll({ filter });
      }
      const head = await store.headPosition();
      await store.append([{ streamId: 'scan-late', events: [event('TokenUsed', 99)] }]);

      type Row = { event_type: string; data: { n: number }; commit_pos: string; prepare_pos: string };
      const scan = async (slice?: { from: bigint; to: bigint }) => {
        const { text, values } = store.scanSql(filter, head, slice);
        return (await db.pool.query<Row>(`SELECT * FROM (${text}) e ORDER BY commit_pos, prepare_pos`, [...values])).rows;
      };
      const expected = delivered.map((e) => ({ event_type: e.type, data: e.data, commit_pos: String(e.position.commit), prepare_pos: String(e.position.prepare) }));
      expect(await scan()).toEqual(expected);
      const end = BigInt(expected[expected.length - 1].prepare_pos) + 1n;
      const halves = [...(await scan({ from: 0n, to: end / 2n })), ...(await scan({ from: end / 2n, to: end }))];
      expect(halves.sort((a, b) => Number(BigInt(a.prepare_pos) - BigInt(b.prepare_pos)))).toEqual(
        [...expected].sort((a, b) => Number(BigInt(a.prepare_pos) - BigInt(b.prepare_pos))),
      );
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe('PgEventStore.pageSql', () => {
  it('chooses the first events after a position below the horizon, with the head of the same snapshot; scanSql after it reads the same range', async () => {
    const db = await createTestDatabase();
    const store = new PgEventStore(db.pool);
    try {
      const event = (type: string, n: number) => ({ id: randomUUID(), type, data: { n } });
      for (let i = 0; i < 4; i++) await store.append([{ streamId: `page-${i}`, events: [event('TokenUsed', i), event('Other', i)] }]);
      const filter = { eventTypes: ['TokenUsed'] };
      let delivered = await store.readAll({ filter });
      while (delivered.length < 4) {
        await new Promise((r) => setTimeout(r, 10));
        delivered = await store.readAll({ filter });
      }
      const head = await store.headPosition();
      type Row = { event_type: string; data: { n: number }; commit_pos: string; prepare_pos: string };
      const page = async (after: LogPosition, max: number) => {
        // In one statement, as its user runs it: the page and the head share a snapshot.
        const sql = store.pageSql(filter, after, max);
        const { rows } = await db.pool.query<{ rows: number[] | null; head: string }>(
          `WITH page AS (${sql.text}), head AS (${sql.head})
           SELECT (SELECT json_agg((data->>'n')::int ORDER BY commit_pos, prepare_pos) FROM page) AS rows, (SELECT commit_pos || '-' || prepare_pos FROM head) AS head`,
          [...sql.values],
        );
        return { rows: rows[0].rows ?? [], head: rows[0].head };
      };
      expect(await page(LOG_START, 2)).toEqual({ rows: [0, 1], head: formatPosition(head) });
      expect(await page(delivered[1].position, 10)).toEqual({ rows: [2, 3], head: formatPosition(head) });

      // A writer still open holds the horizon: nothing it or a later writer wrote is in a page, nor in its head.
      const slow = await db.pool.connect();
      try {
        await slow.query('BEGIN');
        await slow.query(`INSERT INTO event_log (stream_id, stream_revision, event_id, event_type, data) VALUES ('page-slow', 0, $1, 'TokenUsed', '{"n":9}')`, [randomUUID()]);
        await store.append([{ streamId: 'page-fast', events: [event('TokenUsed', 10)] }]);
        expect(await page(delivered[3].position, 10)).toEqual({ rows: [], head: formatPosition(head) });
        await slow.query('COMMIT');
      } finally {
        slow.release();
      }

      const scan = store.scanSql(filter, delivered[3].position, undefined, delivered[1].position);
      expect((await db.pool.query<Row>(`SELECT * FROM (${scan.text}) e ORDER BY commit_pos, prepare_pos`, [...scan.values])).rows.map((r) => r.data.n)).toEqual([2, 3]);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
