import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { Pool } from 'pg';
import { ApiKeyChanges } from './api-key-changes';
import { ApiKeysService } from './api-keys.service';

const ADMIN = 'admin-key-0123456789';

/** One replica's key service: its own pool and its own listening connection, on the shared database. */
async function replica(db: TestDatabase) {
  const pool = new Pool({ connectionString: db.url, max: 4 });
  const changes = new ApiKeyChanges(pool);
  const keys = new ApiKeysService(pool, ADMIN, changes);
  await changes.onApplicationBootstrap();
  const queries = jest.spyOn(pool, 'query');
  return {
    keys,
    changes,
    queries,
    /** Statements this replica sent that read a key by its hash. */
    lookups: () => queries.mock.calls.filter(([sql]) => String(sql).includes('key_hash = $1')).length,
    close: async () => {
      await changes.onApplicationShutdown();
      await pool.end();
    },
  };
}

const within = async (ms: number, done: () => Promise<boolean>) => {
  const start = Date.now();
  while (!(await done())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
};

describe('ApiKeysService', () => {
  let db: TestDatabase;
  let a: Awaited<ReturnType<typeof replica>>;
  let b: Awaited<ReturnType<typeof replica>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([replica(db), replica(db)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it('asks the database once for a key it keeps hearing about, never for the admin key', async () => {
    const { id, key } = await a.keys.issue('ws_cache', 'runtime');
    const before = b.lookups();
    for (let i = 0; i < 5; i++) expect(await b.keys.resolve(key)).toEqual({ kind: 'workspace', workspaceId: 'ws_cache', keyId: id });
    expect(await b.keys.resolve(ADMIN)).toEqual({ kind: 'admin' });
    expect(b.lookups() - before).toBe(1);
  });

  it('refuses a key revoked through another replica within a second, with no request in between', async () => {
    const { id, key } = await a.keys.issue('ws_revoke', 'runtime');
    expect(await b.keys.resolve(key)).toMatchObject({ workspaceId: 'ws_revoke' });
    await a.keys.revoke(id);
    const ms = await within(1000, async () => (await b.keys.resolve(key)) === undefined);
    expect(ms).toBeLessThan(1000);
  });

  it('hears a key deleted by hand, in SQL, as well', async () => {
    const { id, key } = await a.keys.issue('ws_deleted', 'runtime');
    expect(await b.keys.resolve(key)).toMatchObject({ workspaceId: 'ws_deleted' });
    await db.pool.query('DELETE FROM api_keys WHERE id = $1', [id]);
    await within(1000, async () => (await b.keys.resolve(key)) === undefined);
  });

  it('stops caching while it cannot hear changes, and listens again by itself', async () => {
    const { id, key } = await a.keys.issue('ws_lost', 'runtime');
    await b.keys.resolve(key);
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN api_key_changed' AND datname = current_database()`);
    await within(1000, async () => !b.changes.live);
    const before = b.lookups();
    await b.keys.resolve(key);
    await b.keys.resolve(key);
    expect(b.lookups() - before).toBe(2);
    await within(3000, async () => b.changes.live);
    await a.keys.revoke(id);
    await within(1000, async () => (await b.keys.resolve(key)) === undefined);
  });

  it('lets a rotated-away secret work for its grace period only, and the new one at once', async () => {
    const { id, key: first } = await a.keys.issue('ws_rotate', 'runtime');
    expect(await b.keys.resolve(first)).toMatchObject({ keyId: id });
    const second = await a.keys.rotate(id, 1);
    expect(await b.keys.resolve(second.key)).toEqual({ kind: 'workspace', workspaceId: 'ws_rotate', keyId: id });
    expect(await b.keys.resolve(first)).toMatchObject({ keyId: id });
    // A second rotation with no grace ends every earlier secret's grace at once.
    const third = await a.keys.rotate(id, 0);
    // Another replica hears the change within notification latency: `second` may be refused by a lookup that
    // missed its cache before `first`'s cached grace is dropped, so each is awaited the same way.
    await within(1000, async () => (await b.keys.resolve(second.key)) === undefined);
    await within(1000, async () => (await b.keys.resolve(first)) === undefined);
    expect(await b.keys.resolve(third.key)).toMatchObject({ keyId: id });
  });

  it('ends a grace period when it is over, though nothing is announced then', async () => {
    const { id, key: old } = await a.keys.issue('ws_grace', 'runtime');
    const rotated = await a.keys.rotate(id, 1);
    expect(await b.keys.resolve(old)).toMatchObject({ keyId: id });
    const ms = await within(2000, async () => (await b.keys.resolve(old)) === undefined);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(rotated.previous_key_valid_until));
    expect(ms).toBeGreaterThan(0);
  });

  it('records last_used_at with at most one write a minute per key, off the request path', async () => {
    const { id, key } = await a.keys.issue('ws_touch', 'runtime');
    const touches = () => a.queries.mock.calls.filter(([sql]) => String(sql).includes('SET last_used_at')).length;
    const before = touches();
    for (let i = 0; i < 20; i++) await a.keys.resolve(key);
    expect(touches() - before).toBe(1);
    await within(1000, async () => (await db.pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id])).rows[0].last_used_at !== null);
  });

  it('keeps at most 10,000 presented keys, so made-up keys cannot grow it without bound', async () => {
    for (let i = 0; i < 10_050; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => b.keys.resolve(`clk_made_up_${i + j}`)));
    }
    expect((b.keys as unknown as { cache: Map<string, unknown> }).cache.size).toBe(10_000);
  }, 120_000);
});
