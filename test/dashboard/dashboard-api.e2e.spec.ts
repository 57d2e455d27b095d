import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * The routes the dashboard added to the API (issue 18), over real HTTP with exact figures: executions sorted by
 * cost and by time, paged; a session's calls with reported cost and drift per call; the admin's workspace list.
 * Costs at the shipped catalog's gpt-4o list price ($2.50 input, $10 output, $1.25 cache read per 1M tokens);
 * a model no catalog prices stands for an unpriced call.
 */

const UNPRICED = 'acme-private-model-x1';

describe('the API the dashboard reads', () => {
  let t: TestApp;
  let A: string;
  let B: string;
  let C: string;
  const keys: Record<string, string> = {};
  let position = '';

  const post = async (key: string, events: object[]) => {
    const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events });
    expect(res.status).toBe(202);
    position = res.body.data.position;
  };
  const call = (o: Record<string, unknown>) => ({ type: 'TokenUsed', model: 'gpt-4o', ...o });
  const get = (path: string, key: string) => t.http.get(`${path}${path.includes('?') ? '&' : '?'}after=${position}`).set('x-api-key', key);
  const ids = (body: { execution_id: string }[]) => body.map((e) => e.execution_id);

  beforeAll(async () => {
    t = await startTestApp();
    [A, B, C] = [freshWorkspace('dash_a'), freshWorkspace('dash_b'), freshWorkspace('dash_c')];
    for (const ws of [A, B, C]) keys[ws] = await t.keyFor(ws);
    await post(keys[A], [
      // 1000 × 2.50 + 500 × 10 = 0.0075 against 0.007 reported: drift +0.0005.
      call({ event_id: 'c1', session_id: 'sess_a1', execution_id: 'run_1', occurred_at: '2026-03-10T10:00:00.000Z', input_tokens: 1000, output_tokens: 500, reported_cost_usd: '0.007' }),
      // No price: no cost, so no drift either, whatever it reported.
      call({ event_id: 'c2', session_id: 'sess_a1', execution_id: 'run_1', occurred_at: '2026-03-10T10:01:00.000Z', model: UNPRICED, input_tokens: 1000, reported_cost_usd: '0.001' }),
      // 1000 cache reads × 1.25 = 0.00125; nothing reported.
      call({ event_id: 'c3', session_id: 'sess_a1', execution_id: 'run_1', occurred_at: '2026-03-10T10:02:00.000Z', cache_read_tokens: 1000 }),
      // 10000 × 2.50 + 2000 × 10 = 0.045
      call({ event_id: 'c4', session_id: 'sess_a2', execution_id: 'run_2', occurred_at: '2026-03-11T10:00:00.000Z', input_tokens: 10000, output_tokens: 2000 }),
      // 100 × 2.50 = 0.00025, twice: a tie in cost, broken by the execution id.
      call({ event_id: 'c5', session_id: 'sess_a3', execution_id: 'run_3', occurred_at: '2026-03-12T10:00:00.000Z', input_tokens: 100 }),
      call({ event_id: 'c6', session_id: 'sess_a4', execution_id: 'run_4', occurred_at: '2026-03-13T10:00:00.000Z', input_tokens: 100 }),
    ]);
    // Another workspace with the same session and execution ids, and far more cost.
    await post(keys[B], [
      call({ event_id: 'c1', session_id: 'sess_a1', execution_id: 'run_1', occurred_at: '2026-03-09T10:00:00.000Z', input_tokens: 1_000_000, reported_cost_usd: '2.5' }),
    ]);
  });
  afterAll(() => t.close());

  describe('GET /costs/executions?sort=', () => {
    it('orders by total cost, either way, ties by execution id, with the totals of the seed shape', async () => {
      const desc = await get('/costs/executions?sort=-total_cost_usd', keys[A]);
      expect(desc.status).toBe(200);
      expect(desc.body.map((e: { execution_id: string; total_cost_usd: string }) => [e.execution_id, e.total_cost_usd])).toEqual([
        ['run_2', '0.045'], ['run_1', '0.00875'], ['run_4', '0.00025'], ['run_3', '0.00025'],
      ]);
      expect(ids((await get('/costs/executions?sort=total_cost_usd', keys[A])).body)).toEqual(['run_3', 'run_4', 'run_1', 'run_2']);
    });

    it('orders by start, oldest or newest first (the default)', async () => {
      expect(ids((await get('/costs/executions?sort=started_at', keys[A])).body)).toEqual(['run_1', 'run_2', 'run_3', 'run_4']);
      expect(ids((await get('/costs/executions', keys[A])).body)).toEqual(['run_4', 'run_3', 'run_2', 'run_1']);
      expect(ids((await get('/api/v1/costs/executions?sort=-started_at', keys[A])).body)).toEqual(['run_4', 'run_3', 'run_2', 'run_1']);
    });

    it.each([['-total_cost_usd', ['run_2', 'run_1'], ['run_4', 'run_3']], ['total_cost_usd', ['run_3', 'run_4'], ['run_1', 'run_2']], ['started_at', ['run_1', 'run_2'], ['run_3', 'run_4']]])(
      'pages sort=%s through the Link header',
      async (sort, first, second) => {
        const page1 = await get(`/costs/executions?sort=${sort}&limit=2`, keys[A]);
        expect(ids(page1.body)).toEqual(first);
        const next = /^<([^>]+)>; rel="next"$/.exec(page1.headers.link)![1];
        expect(next).toContain(`sort=${encodeURIComponent(sort)}`);
        const page2 = await t.http.get(next).set('x-api-key', keys[A]);
        expect(ids(page2.body)).toEqual(second);
        expect(page2.headers.link).toBeUndefined();
      },
    );

    it('refuses a cursor of another sort, never reading it as a position of this one', async () => {
      const byCost = await get('/costs/executions?sort=-total_cost_usd&limit=1', keys[A]);
      const cursor = new URL(`http://x${/^<([^>]+)>/.exec(byCost.headers.link)![1]}`).searchParams.get('cursor')!;
      const byTime = await get(`/costs/executions?limit=1&cursor=${cursor}`, keys[A]);
      expect(byTime.status).toBe(422);
      expect(byTime.body.detail[0].loc).toEqual(['query', 'cursor']);
      const ascending = await get(`/costs/executions?sort=total_cost_usd&limit=1&cursor=${cursor}`, keys[A]);
      expect(ascending.status).toBe(422);
      expect(ascending.body.detail[0].msg).toBe('Value error, cursor is not one this service issued for sort=total_cost_usd; take it from the Link header of that sort');
    });

    it('refuses an unknown sort as FastAPI would', async () => {
      const res = await get('/costs/executions?sort=cost', keys[A]);
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'literal_error', loc: ['query', 'sort'], input: 'cost' });
    });

    it('keeps a workspace key to its own executions; the admin key sorts across workspaces', async () => {
      expect((await get('/costs/executions?sort=-total_cost_usd', keys[B])).body.map((e: { total_cost_usd: string }) => e.total_cost_usd)).toEqual(['2.5']);
      expect((await get('/costs/executions?sort=-total_cost_usd', keys[C])).body).toEqual([]);
      const all = await get('/costs/executions?sort=-total_cost_usd&limit=200', ADMIN_KEY);
      const ours = all.body.filter((e: { workspace_id: string }) => e.workspace_id === A || e.workspace_id === B);
      expect(ours.map((e: { workspace_id: string; execution_id: string }) => `${e.workspace_id === A ? 'A' : 'B'}:${e.execution_id}`)).toEqual([
        'B:run_1', 'A:run_2', 'A:run_1', 'A:run_4', 'A:run_3',
      ]);
    });
  });

  describe('GET /costs/sessions?sort=', () => {
    const sessions = (body: { session_id: string; total_cost_usd: string }[]) => body.map((x) => [x.session_id, x.total_cost_usd]);

    it('orders by total cost or start, either way, and pages each order through its own cursor', async () => {
      expect(sessions((await get('/costs/sessions?sort=-total_cost_usd', keys[A])).body)).toEqual([
        ['sess_a2', '0.045'], ['sess_a1', '0.00875'], ['sess_a4', '0.00025'], ['sess_a3', '0.00025'],
      ]);
      expect(sessions((await get('/costs/sessions?sort=total_cost_usd', keys[A])).body).map(([id]) => id)).toEqual(['sess_a3', 'sess_a4', 'sess_a1', 'sess_a2']);
      expect(sessions((await get('/costs/sessions?sort=started_at', keys[A])).body).map(([id]) => id)).toEqual(['sess_a1', 'sess_a2', 'sess_a3', 'sess_a4']);
      const page1 = await get('/costs/sessions?sort=-total_cost_usd&limit=3', keys[A]);
      const next = /^<([^>]+)>; rel="next"$/.exec(page1.headers.link)![1];
      expect(sessions((await t.http.get(next).set('x-api-key', keys[A])).body)).toEqual([['sess_a3', '0.00025']]);
      const cursor = new URL(`http://x${next}`).searchParams.get('cursor')!;
      expect((await get(`/costs/sessions?cursor=${cursor}`, keys[A])).status).toBe(422);
    });

    it('keeps the execution filter and the workspace', async () => {
      expect(sessions((await get('/costs/sessions?sort=-total_cost_usd&execution_id=run_1', keys[A])).body)).toEqual([['sess_a1', '0.00875']]);
      expect(sessions((await get('/costs/sessions?sort=-total_cost_usd', keys[B])).body)).toEqual([['sess_a1', '2.5']]);
    });
  });

  describe('GET /v1/sessions/{id}/calls', () => {
    it('lists the calls oldest first with cost, reported cost and drift, each exact', async () => {
      const res = await get('/v1/sessions/sess_a1/calls', keys[A]);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ sessionId: 'sess_a1', workflowRunId: 'run_1', nextCallsCursor: null });
      const pick = (c: Record<string, unknown>) => [c.eventId, c.model, c.costUsdExact, c.reportedCostUsdExact, c.costDriftUsdExact, c.pricingStatus];
      expect(res.body.data.calls.map(pick)).toEqual([
        ['c1', 'gpt-4o', '0.0075', '0.007', '0.0005', 'priced'],
        ['c2', UNPRICED, null, '0.001', null, 'unpriced'],
        ['c3', 'gpt-4o', '0.00125', null, null, 'priced'],
      ]);
      expect(res.body.data.calls[0]).toMatchObject({
        sessionId: 'sess_a1', createdAt: '2026-03-10T10:00:00.000Z', inputTokens: 1000, outputTokens: 500, costUsd: 0.0075, reportedCostUsd: 0.007, costDriftUsd: 0.0005,
        pricedModel: 'openai/gpt-4o',
      });
      expect(res.body.data.calls[2]).toMatchObject({ cacheReadTokens: 1000, costUsd: 0.00125, reportedCostUsd: null, costDriftUsd: null });
    });

    it('pages by calls_limit and nextCallsCursor', async () => {
      const page1 = await get('/v1/sessions/sess_a1/calls?calls_limit=2', keys[A]);
      expect(page1.body.data.calls.map((c: { eventId: string }) => c.eventId)).toEqual(['c1', 'c2']);
      const page2 = await get(`/v1/sessions/sess_a1/calls?calls_limit=2&calls_cursor=${page1.body.data.nextCallsCursor}`, keys[A]);
      expect(page2.body.data).toMatchObject({ nextCallsCursor: null, calls: [{ eventId: 'c3' }] });
      const forged = await get('/v1/sessions/sess_a1/calls?calls_cursor=bm9wZQ', keys[A]);
      expect(forged.status).toBe(400);
      expect(forged.body.error.details[0].field).toBe('calls_cursor');
    });

    it('answers another workspace’s session exactly like a missing one', async () => {
      const theirs = await get('/v1/sessions/sess_a1/calls', keys[C]);
      const missing = await get('/v1/sessions/sess_nope/calls', keys[C]);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Session not found' } });
      expect((await get('/v1/sessions/sess_a1/calls', keys[B])).body.data.calls.map((c: { costUsdExact: string }) => c.costUsdExact)).toEqual(['2.5']);
    });

    it('makes the admin key choose between workspaces holding the id', async () => {
      const both = await get('/v1/sessions/sess_a1/calls', ADMIN_KEY);
      expect(both.status).toBe(409);
      expect(both.body.error.message).toBe(`Session sess_a1 exists in workspaces ${[A, B].sort().join(', ')}; pass workspace_id to choose one`);
      const chosen = await get(`/v1/sessions/sess_a1/calls?workspace_id=${A}`, ADMIN_KEY);
      expect(chosen.body.data.calls).toHaveLength(3);
      expect((await get('/v1/sessions/sess_a2/calls', ADMIN_KEY)).body.data.calls.map((c: { costUsdExact: string }) => c.costUsdExact)).toEqual(['0.045']);
    });

    it('validates calls_limit', async () => {
      const res = await get('/v1/sessions/sess_a1/calls?calls_limit=0', keys[A]);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ field: 'calls_limit', message: 'calls_limit must be >= 1' });
    });
  });

  describe('GET /v1/admin/workspaces', () => {
    type Ws = { workspace_id: string; first_seen: string | null; last_seen: string | null; sessions: number; keys: number; revoked_keys: number };
    const ours = (list: Ws[]) => list.filter((w) => [A, B, C].includes(w.workspace_id));
    const admin = (path: string) => t.http.get(path).set('x-api-key', ADMIN_KEY);

    // An admin route takes no `after`: a read that does waits until the views hold the seed.
    beforeAll(async () => {
      for (const ws of [A, B]) expect((await get('/costs/executions', keys[ws])).headers['ledger-consistency']).toBe('consistent');
    });

    it('lists every workspace with usage or a key, most recently active first, keys-only ones last', async () => {
      const res = await admin('/v1/admin/workspaces');
      expect(res.status).toBe(200);
      expect(ours(res.body.data.workspaces)).toEqual([
        { workspace_id: A, first_seen: '2026-03-10T10:00:00.000Z', last_seen: '2026-03-13T10:00:00.000Z', sessions: 4, keys: 1, revoked_keys: 0 },
        { workspace_id: B, first_seen: '2026-03-09T10:00:00.000Z', last_seen: '2026-03-09T10:00:00.000Z', sessions: 1, keys: 1, revoked_keys: 0 },
        { workspace_id: C, first_seen: null, last_seen: null, sessions: 0, keys: 1, revoked_keys: 0 },
      ]);
    });

    it('pages by limit and next_cursor, and counts revoked keys apart', async () => {
      const issued = await t.http.post('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY).send({ workspace_id: C, name: 'revoked' });
      await t.http.delete(`/v1/admin/api-keys/${issued.body.data.id}`).set('x-api-key', ADMIN_KEY).expect(200);
      const seen: Ws[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { data: { workspaces: Ws[]; next_cursor: string | null } } } = await admin(`/v1/admin/workspaces?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.body.data.workspaces.length).toBeLessThanOrEqual(1);
        seen.push(...res.body.data.workspaces);
        cursor = res.body.data.next_cursor;
      } while (cursor);
      expect(ours(seen).map((w) => [w.workspace_id, w.keys, w.revoked_keys])).toEqual([[A, 1, 0], [B, 1, 0], [C, 1, 1]]);
    });

    it('is the admin key’s alone, and validates its parameters', async () => {
      expect((await get('/v1/admin/workspaces', keys[A])).status).toBe(403);
      const bad = await admin('/v1/admin/workspaces?limit=0');
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0]).toMatchObject({ field: 'limit', message: 'limit must be >= 1' });
      expect((await admin('/v1/admin/workspaces?cursor=bm9wZQ')).status).toBe(400);
    });
  });

  describe('GET /v1/admin/projections/rebuilds', () => {
    it('lists every rebuild newest first, a page at a time', async () => {
      const queued: number[] = [];
      for (const reason of ['dash history 1', 'dash history 2', 'dash history 3']) {
        const res = await t.http.post('/v1/admin/projections/rebuild').set('x-api-key', ADMIN_KEY).send({ reason });
        expect(res.status).toBe(202);
        queued.push(res.body.data.rebuild_id);
      }
      const page1 = await t.http.get('/v1/admin/projections/rebuilds?limit=2').set('x-api-key', ADMIN_KEY);
      expect(page1.status).toBe(200);
      expect(page1.body.data.map((r: { id: number; reason: string }) => [r.id, r.reason])).toEqual([[queued[2], 'dash history 3'], [queued[1], 'dash history 2']]);
      expect(page1.body.next_cursor).toBe(String(queued[1]));
      const page2 = await t.http.get(`/v1/admin/projections/rebuilds?limit=2&cursor=${page1.body.next_cursor}`).set('x-api-key', ADMIN_KEY);
      expect(page2.body.data[0]).toMatchObject({ id: queued[0], reason: 'dash history 1', source: 'facts' });
      expect((await t.http.get('/v1/admin/projections/rebuilds').set('x-api-key', keys[A])).status).toBe(403);
      expect((await t.http.get('/v1/admin/projections/rebuilds?cursor=x').set('x-api-key', ADMIN_KEY)).status).toBe(400);
    });
  });
});
