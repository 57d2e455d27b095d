import { PG_POOL } from '@ledger/database';
import type { Pool } from 'pg';
import { startTestApp, TestApp } from '@ledger/testing';

describe('the service\'s database connections', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('plan each prepared read once, with a generic plan (ADR 0010), on every connection of the pool', async () => {
    const pool = t.app.get<Pool>(PG_POOL);
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    try {
      const modes = await Promise.all(clients.map(async (c) => (await c.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0].plan_cache_mode));
      expect(modes).toEqual(['force_generic_plan', 'force_generic_plan', 'force_generic_plan']);
    } finally {
      clients.forEach((c) => c.release());
    }
  });
});
