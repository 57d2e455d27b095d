import { PG_POOL, READ_POOL } from '@ledger/database';
import type { Pool, PoolClient } from 'pg';
import { freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

const usage = (session: string) => ({
  event_id: `${session}-e1`, type: 'TokenUsed', session_id: session, occurred_at: '2026-04-02T12:00:00Z', model: 'gpt-4o', input_tokens: 1000, output_tokens: 100,
});

/**
 * Holds every connection `pool` can open (the write pool keeps one for LISTEN), so that any other checkout waits;
 * resolves to the function that gives them back, and any that came late.
 */
async function exhaust(pool: Pool): Promise<() => void> {
  const max = pool.options.max!;
  const held: PoolClient[] = [];
  let done = false;
  // A checkout of the read pool gives up after its time limit: ask again until this one holds them all.
  const take = (): Promise<unknown> => pool.connect().then((c) => (done ? c.release() : held.push(c)), () => (done ? undefined : take()));
  for (let i = 0; i < max; i++) void take();
  while (!(pool.totalCount === max && pool.idleCount === 0 && (held.length === max || pool.waitingCount > 0))) await new Promise((r) => setTimeout(r, 10));
  return () => {
    done = true;
    held.splice(0).forEach((c) => c.release());
  };
}

/**
 * The service's pools (ADR 0027): ingest and the projector write through one, the cost views are read through
 * another with a statement timeout; both hand out connections already set up (ADR 0010: generic plans).
 */
describe('the database pools', () => {
  let t: TestApp;
  let key: string;
  let session: string;
  beforeAll(async () => {
    t = await startTestApp();
    key = await t.keyFor(freshWorkspace('pools'));
    session = freshWorkspace('session');
    const posted = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [usage(session)] });
    expect(posted.status).toBe(202);
    // Read once through ?after= so the key is resolved and cached and the session projected before a test holds the write pool.
    const read = await t.http.get(`/costs/sessions/${session}?after=${posted.body.data.position}`).set('x-api-key', key);
    expect([read.status, read.headers['ledger-consistency']]).toEqual([200, 'consistent']);
  });
  afterAll(() => t.close());

  it.each([['write', PG_POOL], ['read', READ_POOL]])('sets plan_cache_mode on every connection of the %s pool as it connects', async (_, token) => {
    const pool = t.app.get<Pool>(token);
    // Ten at once: each is a fresh connection's first query, which the SET must precede.
    const modes = await Promise.all(Array.from({ length: 10 }, () => pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')));
    expect(modes.map((r) => r.rows[0].plan_cache_mode)).toEqual(Array(10).fill('force_generic_plan'));
  });

  it('sets the read timeout (LEDGER_READ_TIMEOUT_MS, 5 s by default) on the read pool only', async () => {
    const timeout = async (token: symbol) => (await t.app.get<Pool>(token).query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0].statement_timeout;
    expect(await timeout(READ_POOL)).toBe('5s');
    expect(await timeout(PG_POOL)).toBe('0');
    expect([t.app.get<Pool>(READ_POOL).options.max, t.app.get<Pool>(PG_POOL).options.max]).toEqual([10, 20]);
  });

  it('answers reads with every connection of the write pool held (as by appends and a projector batch)', async () => {
    const write = t.app.get<Pool>(PG_POOL);
    const release = await exhaust(write);
    try {
      const sessionRead = await t.http.get(`/costs/sessions/${session}`).set('x-api-key', key);
      expect([sessionRead.status, sessionRead.body.total_cost_usd, sessionRead.body.input_tokens]).toEqual([200, '0.0035', 1000]);
      const summary = await t.http.get('/v1/cost/summary?from=2026-04-01T00:00:00Z&to=2026-04-30T23:59:59Z').set('x-api-key', key);
      expect([summary.status, summary.body.data.totalCostUsdExact, summary.body.data.totalCalls]).toEqual([200, '0.0035', 1]);
      expect((await t.http.get('/costs/summary').set('x-api-key', key)).body.total_cost_usd).toBe('0.0035');
      expect(write.waitingCount).toBeGreaterThan(0);
    } finally {
      release();
    }
  });

  it('does not open a read pool in a projector-only process, which serves no views', async () => {
    const projector = await startTestApp({ LEDGER_ROLE: 'projector' }, 'postgres', t.db);
    try {
      expect(() => projector.app.get(READ_POOL)).toThrow();
      expect(projector.app.get<Pool>(PG_POOL).options.max).toBe(20);
    } finally {
      await projector.close({ keepDatabase: true });
    }
  });

  describe('a read past its time limit', () => {
    let short: TestApp;
    beforeAll(async () => {
      short = await startTestApp({ LEDGER_READ_TIMEOUT_MS: '1000', LEDGER_READ_POOL_SIZE: '2', LEDGER_ROLE: 'api' }, 'postgres', t.db);
    });
    // The time limit bounds opening a connection too: each test starts with one open, so only the lock or the held pool can cut a read off.
    beforeEach(async () => {
      expect((await short.http.get(`/costs/sessions/${session}`).set('x-api-key', key)).status).toBe(200);
    });
    afterAll(() => short.close({ keepDatabase: true }));

    /** Runs `work` while a transaction holds every read-model table exclusively, as a blue/green swap would for a moment. */
    async function withReadModelLocked(work: () => Promise<void>): Promise<void> {
      const db = await t.db.pool.connect();
      try {
        await db.query('BEGIN');
        const { rows } = await db.query<{ name: string }>(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = 'read_model'`);
        await db.query(`LOCK TABLE ${rows.map((r) => r.name).join(', ')} IN ACCESS EXCLUSIVE MODE`);
        await work();
      } finally {
        await db.query('ROLLBACK');
        db.release();
      }
    }

    it('is cut off and answered 503 with Retry-After in each API family, and the service reads again once the database answers', async () => {
      const message = 'the query ran past the time limit for reads and was cancelled: the database is busy, or the request reads too much; retry shortly';
      await withReadModelLocked(async () => {
        const sessionRead = await short.http.get(`/costs/sessions/${session}`).set('x-api-key', key);
        expect([sessionRead.status, sessionRead.headers['retry-after'], sessionRead.body]).toEqual([503, '2', { detail: message }]);
        const summary = await short.http.get('/v1/cost/summary').set('x-api-key', key);
        expect([summary.status, summary.headers['retry-after'], summary.body]).toEqual([503, '2', { success: false, error: { code: 'UNAVAILABLE', message } }]);
      });
      const again = await short.http.get(`/costs/sessions/${session}`).set('x-api-key', key);
      expect([again.status, again.body.total_cost_usd]).toEqual([200, '0.0035']);
      expect(short.app.get<Pool>(READ_POOL).totalCount).toBeLessThanOrEqual(2);
    });

    it('waits at most the time limit for a read connection, then answers 503 with Retry-After', async () => {
      const read = short.app.get<Pool>(READ_POOL);
      const release = await exhaust(read);
      try {
        const res = await short.http.get(`/costs/sessions/${session}`).set('x-api-key', key);
        expect([res.status, res.headers['retry-after'], res.body]).toEqual([503, '2', { detail: 'no database connection came free in time: the service is busy; retry shortly' }]);
      } finally {
        release();
      }
      expect((await short.http.get(`/costs/sessions/${session}`).set('x-api-key', key)).status).toBe(200);
    });
  });
});
