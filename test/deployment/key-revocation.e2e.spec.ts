import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { LedgerProcess, startLedgerProcess } from './support/ledger-process';

const ADMIN_KEY = 'revocation-admin-key-0123456789';

/**
 * Two API processes of the real service on one database, as two replicas behind a load balancer: a key
 * revoked or rotated through one is refused by the other within a second (ADR 0017), though the other
 * had just served it from its cache.
 */
describe('key revocation across two processes', () => {
  let db: TestDatabase;
  let procs: LedgerProcess[] = [];
  const url = (p: LedgerProcess, path: string) => `http://127.0.0.1:${p.port}${path}`;
  const as = (key: string) => ({ headers: { 'x-api-key': key, 'content-type': 'application/json' } });
  const summaryStatus = async (p: LedgerProcess, key: string) => (await fetch(url(p, '/v1/cost/summary'), as(key))).status;

  /** Polls `p` with `key` until it answers `status`; returns the milliseconds that took. */
  const untilStatus = async (p: LedgerProcess, key: string, status: number, timeoutMs: number) => {
    const start = Date.now();
    for (;;) {
      if ((await summaryStatus(p, key)) === status) return Date.now() - start;
      if (Date.now() - start > timeoutMs) throw new Error(`${p.name} did not answer ${status} within ${timeoutMs} ms\n${procs.map((q) => q.output()).join('\n')}`);
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { LEDGER_ROLE: 'api', DATABASE_URL: db.url, LEDGER_ADMIN_KEY: ADMIN_KEY };
    procs = await Promise.all([startLedgerProcess('api-a', env), startLedgerProcess('api-b', env)]);
    await Promise.all(procs.map((p) => p.waitHealthy(60_000)));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await db?.drop();
  });

  const issue = async (p: LedgerProcess) => {
    const res = await fetch(url(p, '/v1/admin/api-keys'), { method: 'POST', ...as(ADMIN_KEY), body: JSON.stringify({ workspace_id: 'ws_replicas', name: 'runtime' }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { data: { id: string; key: string } }).data;
  };

  it('refuses a key revoked through the other process within a second', async () => {
    const [a, b] = procs;
    const k = await issue(a);
    // Both processes have the key cached.
    for (const p of [a, b, b]) expect(await summaryStatus(p, k.key)).toBe(200);
    const res = await fetch(url(a, `/v1/admin/api-keys/${k.id}`), { method: 'DELETE', ...as(ADMIN_KEY) });
    expect(res.status).toBe(200);
    expect(await untilStatus(b, k.key, 401, 1000)).toBeLessThan(1000);
    expect(await summaryStatus(a, k.key)).toBe(401);
  });

  it('refuses a secret rotated away without grace through the other process within a second, and takes the new one', async () => {
    const [a, b] = procs;
    const k = await issue(b);
    for (const p of [a, b]) expect(await summaryStatus(p, k.key)).toBe(200);
    const res = await fetch(url(b, `/v1/admin/api-keys/${k.id}/rotate`), { method: 'POST', ...as(ADMIN_KEY), body: '{}' });
    expect(res.status).toBe(200);
    const rotated = ((await res.json()) as { data: { key: string } }).data;
    expect(await untilStatus(a, k.key, 401, 1000)).toBeLessThan(1000);
    for (const p of [a, b]) expect(await summaryStatus(p, rotated.key)).toBe(200);
  });
});

describe('configuration errors', () => {
  it('name the variable and the rule, never the secret', async () => {
    const secret = 'sh0rt-s3cret';
    const p = await startLedgerProcess('bad-config', { DATABASE_URL: 'postgres://ledger:pw@127.0.0.1:1/ledger', LEDGER_ADMIN_KEY: secret });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('LEDGER_ADMIN_KEY must be at least 16 characters');
    expect(p.output()).not.toContain(secret);
  }, 60_000);
});
