import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { PgEventStore } from './pg-event-store';

/**
 * The bench's 500s at 5M events: batches in flight together share sessions
 * (streams) and carry the same re-sent events. Here each of six writers holds
 * the stream's lock in turn and commits one of the append's events while the
 * append waits for it, which is the worst a convoy of racing batches can do.
 */
describe('PgEventStore, an append racing writers of its own events on the same stream', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  const holders: Client[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    store = new PgEventStore(db.pool);
  });

  afterEach(async () => {
    for (const h of holders.splice(0)) await h.end().catch(() => undefined);
    await store.close();
    await db.drop();
  });

  const backendWaiting = async (queryStart: string): Promise<boolean> => {
    const { rows } = await db.pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [`${queryStart}%`],
    );
    return rows.length > 0;
  };

  const until = async (ok: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('waits for the stream before looking its ids up, so each writer it waited for is seen, and it never gives up', async () => {
    const stream = `race-${randomUUID()}`;
    await store.append([{ streamId: stream, events: [{ id: randomUUID(), type: 'Ping', data: { n: -1 } }] }]);
    const raced = Array.from({ length: 6 }, (_, n) => ({ id: randomUUID(), type: 'Ping', data: { n } }));
    const own = { id: randomUUID(), type: 'Ping', data: { n: 99 } };

    /** Another writer: takes the stream's row lock, then writes one of the append's events, uncommitted. */
    const holder = async (n: number) => {
      const client = new Client({ connectionString: db.url });
      client.on('error', () => undefined);
      holders.push(client);
      await client.connect();
      await client.query('BEGIN');
      const locked = client
        .query('SELECT 1 FROM event_streams WHERE stream_id = $1 FOR UPDATE', [stream])
        .then(() =>
          client.query(`INSERT INTO event_log (stream_id, stream_revision, event_id, event_type, data) VALUES ($1, $2, $3, 'Ping', $4)`, [
            stream,
            1000 + n,
            raced[n].id,
            JSON.stringify(raced[n].data),
          ]),
        )
        // Once the append has stored the event, this writer's copy is the duplicate.
        .then(
          () => true,
          () => false,
        );
      return { client, locked };
    };

    let current = await holder(0);
    await current.locked;
    let settled = false;
    const appended = store.append([{ streamId: stream, events: [...raced, own], expectedRevision: 'any' }]).finally(() => (settled = true));
    appended.catch(() => undefined);
    for (let n = 1; n < raced.length && !settled; n++) {
      await until(async () => settled || (await backendWaiting('INSERT INTO event_streams')), 'the append waits for the stream');
      if (settled) break;
      const next = await holder(n);
      await until(() => backendWaiting('SELECT 1 FROM event_streams'), 'the next writer queues behind the append');
      await current.client.query('COMMIT');
      await next.locked;
      current = next;
    }
    await until(async () => settled || (await backendWaiting('INSERT INTO event_streams')), 'the append settles or waits');
    await current.client.query('COMMIT').catch(() => undefined);

    const result = await appended;
    const stored = await db.pool.query<{ n: number; copies: string }>(
      `SELECT (data->>'n')::int AS n, count(*)::text AS copies FROM event_log WHERE stream_id = $1 GROUP BY 1 ORDER BY 1`,
      [stream],
    );
    expect(stored.rows).toEqual([-1, 0, 1, 2, 3, 4, 5, 99].map((n) => ({ n, copies: '1' })));
    expect(result.alreadyStored.has(raced[0].id)).toBe(true);
    expect(result.alreadyStored.has(own.id)).toBe(false);
    const { rows } = await db.pool.query<{ revision: string }>('SELECT revision FROM event_streams WHERE stream_id = $1', [stream]);
    expect(result.revisions.get(stream)).toBe(BigInt(rows[0].revision));
  });
});
