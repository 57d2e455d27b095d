import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/** `GET /v1/admin/api-keys`, `DELETE /v1/admin/api-keys/{id}`, `POST /v1/admin/api-keys/{id}/rotate` and per-key rate limiting (ADR 0017). */
describe('API key lifecycle', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  const issue = async (workspaceId: string, name = 'runtime') => {
    const res = await t.http.post('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY).send({ workspace_id: workspaceId, name });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; key: string; created_at: string };
  };
  const admin = {
    list: (query: Record<string, string | number> = {}) => t.http.get('/v1/admin/api-keys').query(query).set('x-api-key', ADMIN_KEY),
    revoke: (id: string) => t.http.delete(`/v1/admin/api-keys/${id}`).set('x-api-key', ADMIN_KEY),
    rotate: (id: string, body?: object) => {
      const req = t.http.post(`/v1/admin/api-keys/${id}/rotate`).set('x-api-key', ADMIN_KEY);
      return body === undefined ? req : req.send(body);
    },
  };
  /** A workspace read: 200 while the key works, 401 once it does not. */
  const statusWith = async (key: string) => (await t.http.get('/v1/cost/summary').set('x-api-key', key)).status;

  describe('GET /v1/admin/api-keys', () => {
    it('lists a workspace’s keys newest first, a page at a time, never with a secret or its hash', async () => {
      const ws = freshWorkspace();
      const other = freshWorkspace();
      const k1 = await issue(ws, 'one');
      const k2 = await issue(ws, 'two');
      const k3 = await issue(ws, 'three');
      await issue(other, 'elsewhere');

      const first = await admin.list({ workspace_id: ws, limit: 2 });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        success: true,
        data: [
          { id: k3.id, workspace_id: ws, name: 'three', created_at: k3.created_at, last_used_at: null, revoked_at: null },
          { id: k2.id, workspace_id: ws, name: 'two', created_at: k2.created_at, last_used_at: null, revoked_at: null },
        ],
        next_cursor: expect.any(String),
      });
      const second = await admin.list({ workspace_id: ws, limit: 2, cursor: first.body.next_cursor });
      expect(second.body).toEqual({
        success: true,
        data: [{ id: k1.id, workspace_id: ws, name: 'one', created_at: k1.created_at, last_used_at: null, revoked_at: null }],
        next_cursor: null,
      });
      expect(JSON.stringify([first.body, second.body])).not.toMatch(/clk_|key_hash/);
    });

    it('lists every workspace without a filter', async () => {
      const a = await issue(freshWorkspace());
      const b = await issue(freshWorkspace());
      const res = await admin.list({ limit: 200 });
      expect(res.status).toBe(200);
      expect(res.body.data.map((k: { id: string }) => k.id).slice(0, 2)).toEqual([b.id, a.id]);
    });

    it('shows when a key was last used, to the minute', async () => {
      const ws = freshWorkspace();
      const k = await issue(ws);
      const before = Date.now();
      expect(await statusWith(k.key)).toBe(200);
      let lastUsed: string | null = null;
      for (let i = 0; i < 50 && !lastUsed; i++) {
        lastUsed = (await admin.list({ workspace_id: ws })).body.data[0].last_used_at;
        if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
      }
      expect(Date.parse(lastUsed!)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(lastUsed!)).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('refuses a cursor it did not issue and a limit out of range, naming them', async () => {
      const cursor = await admin.list({ cursor: 'bm9wZQ' });
      expect(cursor.status).toBe(400);
      expect(cursor.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'cursor', location: 'query' }] });
      const limit = await admin.list({ limit: 0 });
      expect(limit.status).toBe(400);
      expect(limit.body.error.details).toEqual([{ field: 'limit', message: 'limit must be >= 1', location: 'query' }]);
    });
  });

  describe('DELETE /v1/admin/api-keys/{id}', () => {
    it('revokes a key at once, and a second revoke changes nothing', async () => {
      const ws = freshWorkspace();
      const k = await issue(ws);
      expect(await statusWith(k.key)).toBe(200);
      const res = await admin.revoke(k.id);
      expect(res.status).toBe(200);
      // last_used_at is recorded off the request's path, so it may or may not have landed yet.
      const { last_used_at: _lastUsed, ...rest } = res.body.data;
      expect(rest).toEqual({ id: k.id, workspace_id: ws, name: 'runtime', created_at: k.created_at, revoked_at: expect.any(String) });
      expect(Object.keys(res.body.data).sort()).toEqual(['created_at', 'id', 'last_used_at', 'name', 'revoked_at', 'workspace_id']);
      expect(Date.parse(res.body.data.revoked_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(await statusWith(k.key)).toBe(401);
      const again = await admin.revoke(k.id);
      expect(again.status).toBe(200);
      expect(again.body.data.revoked_at).toBe(res.body.data.revoked_at);
      expect((await admin.list({ workspace_id: ws })).body.data[0].revoked_at).toBe(res.body.data.revoked_at);
    });

    it('answers 404 for a key that does not exist', async () => {
      for (const id of ['key_0000000000000000', 'nonsense']) {
        const res = await admin.revoke(id);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'api key not found' } });
      }
    });
  });

  describe('POST /v1/admin/api-keys/{id}/rotate', () => {
    it('gives a new secret, shown once, and lets the old one work for the grace period asked for', async () => {
      const ws = freshWorkspace();
      const k = await issue(ws);
      expect(await statusWith(k.key)).toBe(200);
      const res = await admin.rotate(k.id, { grace_seconds: 2 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        data: {
          id: k.id, key: expect.stringMatching(/^clk_/), workspace_id: ws, name: 'runtime', created_at: k.created_at,
          previous_key_valid_until: expect.any(String),
        },
      });
      const graceEnds = Date.parse(res.body.data.previous_key_valid_until);
      expect(graceEnds - Date.now()).toBeGreaterThan(1000);
      expect(graceEnds - Date.now()).toBeLessThanOrEqual(2000);
      expect(res.body.data.key).not.toBe(k.key);
      expect(await statusWith(res.body.data.key)).toBe(200);
      expect(await statusWith(k.key)).toBe(200);
      await new Promise((r) => setTimeout(r, graceEnds - Date.now() + 50));
      expect(await statusWith(k.key)).toBe(401);
      expect(await statusWith(res.body.data.key)).toBe(200);
    });

    it('refuses the old secret at once without a grace period (the default)', async () => {
      const k = await issue(freshWorkspace());
      expect(await statusWith(k.key)).toBe(200);
      const res = await admin.rotate(k.id);
      expect(res.status).toBe(200);
      expect(await statusWith(k.key)).toBe(401);
      expect(await statusWith(res.body.data.key)).toBe(200);
    });

    it('bounds the grace period to a week, naming grace_seconds', async () => {
      const k = await issue(freshWorkspace());
      for (const [grace, message] of [
        [-1, 'grace_seconds must be >= 0'],
        [604_801, 'grace_seconds must be <= 604800 (a week)'],
        ['60', 'grace_seconds must be an integer'],
      ] as const) {
        const res = await admin.rotate(k.id, { grace_seconds: grace });
        expect(res.status).toBe(400);
        expect(res.body.error.details).toEqual([{ field: 'grace_seconds', message, location: 'body' }]);
      }
      expect(await statusWith(k.key)).toBe(200);
    });

    it('answers 404 for an unknown key and 409 for a revoked one', async () => {
      expect((await admin.rotate('key_0000000000000000', {})).status).toBe(404);
      const k = await issue(freshWorkspace());
      await admin.revoke(k.id);
      const res = await admin.rotate(k.id, {});
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ success: false, error: { code: 'CONFLICT', message: `api key ${k.id} is revoked; issue a new key instead` } });
    });
  });

  it('keeps these routes from workspace keys: 403, and nothing changes', async () => {
    const ws = freshWorkspace();
    const mine = await issue(ws);
    const forbidden = { success: false, error: { code: 'FORBIDDEN', message: 'this route needs the admin key' } };
    for (const req of [
      t.http.get('/v1/admin/api-keys').query({ workspace_id: ws }),
      t.http.delete(`/v1/admin/api-keys/${mine.id}`),
      t.http.post(`/v1/admin/api-keys/${mine.id}/rotate`).send({ grace_seconds: 60 }),
    ]) {
      const res = await req.set('x-api-key', mine.key);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(forbidden);
    }
    expect(await statusWith(mine.key)).toBe(200);
    expect((await admin.list({ workspace_id: ws })).body.data[0].revoked_at).toBeNull();
  });
});

describe('per-key rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ LEDGER_RATE_LIMIT_PER_SECOND: '0.5', LEDGER_RATE_LIMIT_BURST: '2' })));
  afterAll(() => t?.close());

  it('answers 429 RATE_LIMITED with Retry-After in both API families once a key spends its burst, and spares other keys and the admin key', async () => {
    const key = await t.keyFor(freshWorkspace());
    const other = await t.keyFor(freshWorkspace());
    expect((await t.http.get('/v1/cost/summary').set('x-api-key', key)).status).toBe(200);
    expect((await t.http.get('/costs/summary').set('x-api-key', key)).status).toBe(200);

    const v1 = await t.http.get('/v1/cost/summary').set('x-api-key', key);
    expect(v1.status).toBe(429);
    expect(v1.headers['retry-after']).toBe('2');
    expect(v1.body).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'rate limit exceeded for this API key; retry after 2 s' } });

    const costs = await t.http.get('/costs/summary').set('x-api-key', key);
    expect(costs.status).toBe(429);
    expect(Number(costs.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(costs.body).toEqual({ detail: expect.stringMatching(/^rate limit exceeded for this API key; retry after [12] s$/) });

    expect((await t.http.get('/costs/summary').set('x-api-key', other)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await t.http.get('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY)).status).toBe(200);

    const retryAfter = Number(costs.headers['retry-after']);
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await t.http.get('/costs/summary').set('x-api-key', key)).status).toBe(200);
  });

  it('documents 429 with Retry-After on every route that takes a key', async () => {
    const doc = (await t.http.get('/docs-json')).body as { paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ where: `${method} ${path}`, op })));
    const keyed = operations.filter(({ op }) => op.responses['401']);
    expect(keyed.map(({ where }) => where)).toEqual(expect.arrayContaining(['get /v1/admin/api-keys', 'get /costs/summary', 'post /v1/events']));
    for (const { op } of keyed) expect(op.responses['429']).toMatchObject({ headers: { 'Retry-After': expect.any(Object) } });
    expect(doc.paths['/health'].get.responses['429']).toBeUndefined();
  });
});
