import { PG_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { startTestApp, TestApp } from '@ledger/testing';

/** The service's pool hands out connections already set up (ADR 0010: generic plans). */
describe('the database pool', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('sets plan_cache_mode on every connection as it connects', async () => {
    const pool = t.app.get<Pool>(PG_POOL);
    // Ten at once: each is a fresh connection's first query, which the SET must precede.
    const modes = await Promise.all(Array.from({ length: 10 }, () => pool.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')));
    expect(modes.map((r) => r.rows[0].plan_cache_mode)).toEqual(Array(10).fill('force_generic_plan'));
  });
});
