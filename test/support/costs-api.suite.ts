import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp, TestEventStore } from '@ledger/testing';

/** The catalog's version once seeded with the shipped snapshot: one event. */
const SEEDED_VERSION = 1;

/**
 * The core contract over real HTTP: usage events in through `POST /v1/events`,
 * Syntropic137-shaped cost views out of `/costs`, with exact decimals. It runs
 * once per event store (see the two spec files that call it).
 */
export const describeCostLedger = (eventStore: TestEventStore) => describe(`Cost ledger over HTTP (${eventStore} event store)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, eventStore);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (key: string, events: unknown[]) => t.http.post('/v1/events').set('x-api-key', key).send({ events });
  const get = (key: string, path: string) => t.http.get(path).set('Authorization', `Bearer ${key}`);

  /** Writes a marker after a refused batch and reads past it: the refused session must not exist. */
  const expectNotStored = async (key: string, sessionId: string) => {
    const marker = await post(key, [{ event_id: `marker-${sessionId}`, type: 'SessionFinalized', session_id: `marker-${sessionId}`, occurred_at: '2026-04-02T12:00:00Z' }]);
    expect((await get(key, `/costs/sessions/marker-${sessionId}?after=${marker.body.data.position}`)).status).toBe(200);
    expect((await get(key, `/costs/sessions/${sessionId}`)).status).toBe(404);
  };

  /** A session of three model calls, two tool calls and a finalization (figures as in the Stevora example). */
  const runEvents = (session = 's1') => [
    { event_id: `${session}-e1`, type: 'TokenUsed', session_id: session, execution_id: 'ex1', workflow_id: 'wf1', phase_id: 'p1',
      occurred_at: '2026-04-02T12:00:05.100Z', model: 'gpt-4o', input_tokens: 245, output_tokens: 312,
      step_name: 'generate-welcome-email', tool_tokens: { Read: 100, Bash: 200 } },
    { event_id: `${session}-e2`, type: 'TokenUsed', session_id: session, execution_id: 'ex1', workflow_id: 'wf1', phase_id: 'p1',
      occurred_at: '2026-04-02T12:00:10.200Z', model: 'gpt-4o', input_tokens: 680, output_tokens: 410, cache_read_tokens: 1000 },
    { event_id: `${session}-e3`, type: 'TokenUsed', session_id: session, execution_id: 'ex1', workflow_id: 'wf1', phase_id: 'p2',
      occurred_at: '2026-04-02T14:00:12.500+02:00', model: 'claude-sonnet-4-20250514', input_tokens: 595, output_tokens: 168,
      cache_creation_tokens: 2000, tool_tokens: { Bash: 500 }, reported_cost_usd: '0.0118' },
    { event_id: `${session}-e4`, type: 'ToolCalled', session_id: session, execution_id: 'ex1', phase_id: 'p1',
      occurred_at: '2026-04-02T12:00:11.000Z', tool_name: 'Bash', duration_ms: 1200, compute_cost_usd: '0.0015' },
    { event_id: `${session}-e5`, type: 'ToolCalled', session_id: session, execution_id: 'ex1',
      occurred_at: '2026-04-02T12:00:11.500Z', tool_name: 'Read', compute_cost_usd: '0.00050' },
    { event_id: `${session}-e6`, type: 'SessionFinalized', session_id: session, execution_id: 'ex1',
      occurred_at: '2026-04-02T12:00:14.000Z', status: 'completed' },
  ];

  const expectedSession = (workspace: string) => ({
    session_id: 's1',
    execution_id: 'ex1',
    workflow_id: 'wf1',
    phase_id: 'p1',
    workspace_id: workspace,
    // gpt-4o: 245×2.50 + 312×10 and 680×2.50 + 410×10 + 1000×1.25; sonnet: 595×3 + 168×15 + 2000×3.75 (per 1M)
    total_cost_usd: '0.0245875',
    token_cost_usd: '0.0225875',
    compute_cost_usd: '0.002',
    input_tokens: 1520,
    output_tokens: 890,
    total_tokens: 5410,
    cache_creation_tokens: 2000,
    cache_read_tokens: 1000,
    reasoning_tokens: 0,
    cache_creation_1h_tokens: 0,
    web_search_requests: 0,
    tool_calls: 2,
    turns: 3,
    duration_ms: 8900,
    cost_by_model: { 'gpt-4o': '0.0107825', 'claude-sonnet-4-20250514': '0.011805' },
    cost_by_tool: { Bash: '0.0015', Read: '0.0005' },
    tokens_by_tool: { Bash: 700, Read: 100 },
    // Read: 100/557 of 0.0037325; Bash: 200/557 of 0.0037325 + 500/2763 of 0.011805, each rounded half-even to 18 places
    cost_by_tool_tokens: { Bash: '0.003476480369280912', Read: '0.000670107719928187' },
    // input (925×2.50 + 595×3), output (722×10 + 168×15), cache_read 1000×1.25, cache_creation 2000×3.75: the token cost, split
    cost_by_class: { input: '0.0040975', output: '0.00974', reasoning: '0', cache_creation: '0.0075', cache_creation_1h: '0', cache_read: '0.00125', web_search: '0' },
    is_finalized: true,
    started_at: '2026-04-02T12:00:05.100Z',
    completed_at: '2026-04-02T12:00:14.000Z',
    pricing_status: 'complete',
    unpriced_models: [],
    pricing_version: SEEDED_VERSION,
    reported_cost_usd: '0.0118',
    // The sonnet call: 0.011805 computed against the 0.0118 it reported.
    cost_drift_usd: '0.000005',
  });

  describe('authentication', () => {
    it('refuses a missing or wrong key with 401 in each family shape', async () => {
      const v1 = await t.http.post('/v1/events').send({ events: [] });
      expect(v1.status).toBe(401);
      expect(v1.body).toEqual({ success: false, error: { code: 'AUTH_ERROR', message: 'missing API key: send it as x-api-key or Authorization: Bearer' } });
      const costs = await t.http.get('/costs/summary').set('x-api-key', 'clk_wrong');
      expect(costs.status).toBe(401);
      // FastAPI's HTTPException: a string detail, which Syntropic137's CLI prints as it is.
      expect(costs.body).toEqual({ detail: 'invalid API key' });
    });

    it('issues a workspace key once, with the admin key only', async () => {
      const ws = freshWorkspace();
      const res = await t.http.post('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY).send({ workspace_id: ws, name: 'runtime' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        success: true,
        data: { id: expect.stringMatching(/^key_[0-9a-f]{16}$/), key: expect.stringMatching(/^clk_/), workspace_id: ws, name: 'runtime', created_at: expect.any(String) },
      });
      const stored = await t.db.pool.query('SELECT key_hash FROM api_keys WHERE id = $1', [res.body.data.id]);
      expect(stored.rows[0].key_hash.toString('utf8')).not.toContain(res.body.data.key);

      const asWorkspace = await t.http.post('/v1/admin/api-keys').set('x-api-key', res.body.data.key).send({ workspace_id: 'other', name: 'x' });
      expect(asWorkspace.status).toBe(403);
      expect(asWorkspace.body.error.code).toBe('FORBIDDEN');

      const bad = await t.http.post('/v1/admin/api-keys').set('x-api-key', ADMIN_KEY).send({ workspace_id: 'has space', name: '' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['name', 'workspace_id']);
    });

    it('answers GET /health without a key', async () => {
      const res = await t.http.get('/health');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    });
  });

  describe('ingestion', () => {
    it('accepts a batch after it is durably appended, and counts a re-send as duplicates', async () => {
      const key = await t.keyFor(freshWorkspace());
      const first = await post(key, runEvents());
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ success: true, data: { accepted: 6, duplicates: 0, position: expect.stringMatching(/^\d+-\d+$/) } });
      const again = await post(key, runEvents());
      expect(again.status).toBe(202);
      expect(again.body.data).toEqual({ accepted: 0, duplicates: 6, position: first.body.data.position });
      const session = await get(key, `/costs/sessions/s1?after=${again.body.data.position}`);
      expect(session.body.total_cost_usd).toBe('0.0245875');
    });

    it('refuses a re-used event_id with another payload with 409, storing nothing of the batch', async () => {
      const key = await t.keyFor(freshWorkspace());
      await post(key, runEvents());
      const changed: Record<string, unknown>[] = runEvents().slice(0, 2);
      changed[1] = { ...changed[1], input_tokens: 681 };
      const res = await post(key, [{ ...runEvents('s9')[0] }, ...changed]);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        success: false,
        error: {
          code: 'IDEMPOTENCY_CONFLICT',
          message: 'event_id already used in this workspace with a different payload; nothing of the batch was stored',
          details: [{ index: 2, field: 'event_id', message: 'event_id s1-e2 was recorded with a different payload' }],
        },
      });
      await expectNotStored(key, 's9');
      expect((await get(key, '/costs/sessions/s1')).body.input_tokens).toBe(1520);
    });

    it('refuses bad input with 400 naming every bad field, storing nothing of the batch', async () => {
      const key = await t.keyFor(freshWorkspace());
      const res = await post(key, [
        runEvents('ok')[0],
        { event_id: 'bad id!', type: 'TokenUsed', session_id: 's', occurred_at: '2026-04-02T12:00:00', model: 'gpt-4o', input_tokens: -1 },
        { event_id: 'x2', type: 'ToolCalled', session_id: 's', occurred_at: '2026-04-02T12:00:00Z', compute_cost_usd: 0.5, model: 'gpt-4o' },
        { event_id: 'x3', type: 'Bogus', session_id: 's', occurred_at: '2026-04-02T12:00:00Z' },
        { event_id: 'x4', type: 'TokenUsed', session_id: 's', occurred_at: '2099-01-01T00:00:00Z', model: 'gpt-4o', cache_read_tokens: 1.5 },
      ]);
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      const fields = res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`).sort();
      expect(fields).toEqual(['1:event_id', '1:input_tokens', '1:occurred_at', '2:compute_cost_usd', '2:model', '2:tool_name', '3:type', '4:cache_read_tokens', '4:occurred_at']);
      expect(res.body.error.details).toContainEqual({ index: 4, field: 'occurred_at', location: 'body', message: 'occurred_at is more than 5 minutes in the future' });
      await expectNotStored(key, 'ok');
    });

    it('refuses an empty or oversized batch, malformed JSON and a body over 1 MiB', async () => {
      const key = await t.keyFor(freshWorkspace());
      const empty = await post(key, []);
      expect(empty.status).toBe(400);
      expect(empty.body.error.details).toEqual([{ field: 'events', location: 'body', message: 'events must be an array of 1 to 1000 events' }]);
      const tooMany = await post(key, Array.from({ length: 1001 }, (_, i) => ({ ...runEvents()[4], event_id: `t${i}` })));
      expect(tooMany.status).toBe(400);
      const malformed = await t.http.post('/v1/events').set('x-api-key', key).set('content-type', 'application/json').send('{"events": [');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toEqual({ code: 'VALIDATION_ERROR', message: 'body: malformed JSON', details: [{ field: 'body', message: 'malformed JSON', location: 'body' }] });
      const huge = await t.http.post('/v1/events').set('x-api-key', key).set('content-type', 'application/json').send(`{"events":[],"pad":"${'x'.repeat(1024 * 1024)}"}`);
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the 1 MiB limit' } });
    });

    it('counts events that arrive late, after the session was finalized', async () => {
      const key = await t.keyFor(freshWorkspace());
      const [e1, , , , , fin] = runEvents();
      await post(key, [fin]);
      const late = await post(key, [e1]);
      const session = await get(key, `/costs/sessions/s1?after=${late.body.data.position}`);
      expect(session.body).toMatchObject({ token_cost_usd: '0.0037325', is_finalized: true, turns: 1, started_at: '2026-04-02T12:00:05.100Z', duration_ms: 8900 });
    });
  });

  describe('cost views', () => {
    let ws: string;
    let key: string;
    let position: string;
    beforeAll(async () => {
      ws = freshWorkspace();
      key = await t.keyFor(ws);
      await post(key, runEvents());
      const second = await post(key, [
        { event_id: 's2-a', type: 'TokenUsed', session_id: 's2', execution_id: 'ex1', phase_id: 'p3', occurred_at: '2026-04-02T12:05:00.000Z', model: 'acme-1', input_tokens: 100, output_tokens: 100, tool_tokens: { Grep: 40 } },
        { event_id: 's2-b', type: 'TokenUsed', session_id: 's2', execution_id: 'ex1', phase_id: 'p3', occurred_at: '2026-04-02T12:06:00.000Z', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 1000 },
        { event_id: 's3-a', type: 'TokenUsed', session_id: 's3', execution_id: 'ex2', occurred_at: '2026-04-03T09:00:00.000Z', model: 'claude-sonnet-4-20250514', input_tokens: 150001, output_tokens: 1000, cache_read_tokens: 50000 },
      ]);
      position = second.body.data.position;
    });

    it('serves a session field for field, with exact decimals', async () => {
      const res = await get(key, `/costs/sessions/s1?after=${position}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expectedSession(ws));
    });

    it('empties the five maps with include_breakdown=false', async () => {
      const res = await get(key, `/costs/sessions/s1?include_breakdown=false&after=${position}`);
      expect(res.body).toEqual({ ...expectedSession(ws), cost_by_model: {}, cost_by_tool: {}, tokens_by_tool: {}, cost_by_tool_tokens: {}, cost_by_class: {} });
    });

    it('keeps an unpriced model unpriced: its tokens count, its cost is not invented', async () => {
      const res = await get(key, `/costs/sessions/s2?after=${position}`);
      expect(res.body).toMatchObject({
        total_cost_usd: '0.00075',
        input_tokens: 1100,
        cost_by_model: { 'gpt-4o-mini': '0.00075' },
        // An unpriced call's tokens still count for its tools, but it has no cost to attribute.
        tokens_by_tool: { Grep: 40 },
        cost_by_tool_tokens: { Grep: '0' },
        pricing_status: 'partial',
        unpriced_models: ['acme-1'],
        is_finalized: false,
        completed_at: null,
        duration_ms: 60000,
      });
    });

    it('bills a call above 200k prompt tokens entirely at the long-context tier', async () => {
      const res = await get(key, `/costs/sessions/s3?after=${position}`);
      // 150001×6 + 1000×22.50 + 50000×0.60 per 1M
      expect(res.body.total_cost_usd).toBe('0.952506');
    });

    it('serves an execution as the sum of its sessions', async () => {
      const res = await get(key, `/costs/executions/ex1?include_session_ids=true&after=${position}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        execution_id: 'ex1',
        workflow_id: 'wf1',
        session_count: 2,
        session_ids: ['s1', 's2'],
        total_cost_usd: '0.0253375',
        token_cost_usd: '0.0233375',
        compute_cost_usd: '0.002',
        input_tokens: 2620,
        output_tokens: 1990,
        total_tokens: 7610,
        cache_creation_tokens: 2000,
        cache_read_tokens: 1000,
        reasoning_tokens: 0,
        cache_creation_1h_tokens: 0,
        web_search_requests: 0,
        tool_calls: 2,
        turns: 5,
        duration_ms: 354900,
        cost_by_phase: { p1: '0.0122825', p2: '0.011805', p3: '0.00075', unattributed: '0.0005' },
        cost_by_model: { 'gpt-4o': '0.0107825', 'claude-sonnet-4-20250514': '0.011805', 'gpt-4o-mini': '0.00075' },
        cost_by_tool: { Bash: '0.0015', Read: '0.0005' },
        // s1's classes plus s2's gpt-4o-mini call; acme-1 is unpriced and adds nothing
        cost_by_class: { input: '0.0042475', output: '0.01034', reasoning: '0', cache_creation: '0.0075', cache_creation_1h: '0', cache_read: '0.00125', web_search: '0' },
        is_complete: false,
        started_at: '2026-04-02T12:00:05.100Z',
        completed_at: null,
        workspace_id: ws,
        pricing_status: 'partial',
        unpriced_models: ['acme-1'],
        pricing_version: SEEDED_VERSION,
        // s1's sonnet call is the only one that reported a cost.
        reported_cost_usd: '0.0118',
        cost_drift_usd: '0.000005',
      });
      const bare = await get(key, `/costs/executions/ex1?include_breakdown=false`);
      expect(bare.body).toMatchObject({ session_ids: [], cost_by_phase: {}, cost_by_model: {}, cost_by_tool: {}, cost_by_class: {} });
    });

    it('marks an execution complete once every session is finalized', async () => {
      const fin = await post(key, [{ event_id: 's2-fin', type: 'SessionFinalized', session_id: 's2', execution_id: 'ex1', occurred_at: '2026-04-02T12:07:00.000Z', num_turns: 7, duration_ms: 1234 }]);
      const res = await get(key, `/costs/executions/ex1?after=${fin.body.data.position}`);
      expect(res.body).toMatchObject({ is_complete: true, completed_at: '2026-04-02T12:07:00.000Z', turns: 10, duration_ms: 414900 });
      const s2 = await get(key, '/costs/sessions/s2');
      expect(s2.body).toMatchObject({ turns: 7, duration_ms: 1234, is_finalized: true });
    });

    it('lists newest first, honours limit, filters by execution and pages with a Link cursor', async () => {
      const all = await get(key, `/costs/sessions?after=${position}`);
      expect(all.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s3', 's2', 's1']);
      expect(all.headers.link).toBeUndefined();
      const byExecution = await get(key, '/costs/sessions?execution_id=ex1');
      expect(byExecution.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s2', 's1']);
      const first = await get(key, '/costs/sessions?limit=2');
      expect(first.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s3', 's2']);
      const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.link)![1];
      const second = await get(key, next);
      expect(second.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s1']);
      expect(second.headers.link).toBeUndefined();
      const executions = await get(key, '/costs/executions?limit=1');
      expect(executions.body.map((e: { execution_id: string }) => e.execution_id)).toEqual(['ex2']);
      const nextExecutions = await get(key, /^<([^>]+)>/.exec(executions.headers.link)![1]);
      expect(nextExecutions.body.map((e: { execution_id: string }) => e.execution_id)).toEqual(['ex1']);
    });

    it('answers a bad parameter with 422 as FastAPI does, pydantic v2 types and messages included', async () => {
      const refused = async (path: string) => {
        const res = await get(key, path);
        expect(res.status).toBe(422);
        return res.body;
      };
      const msgInt = 'Input should be a valid integer, unable to parse string as an integer';
      expect(await refused('/costs/sessions?limit=abc')).toEqual({ detail: [{ type: 'int_parsing', loc: ['query', 'limit'], msg: msgInt, input: 'abc' }] });
      expect(await refused('/costs/sessions?limit=0')).toEqual({
        detail: [{ type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } }],
      });
      expect(await refused('/costs/executions?limit=201')).toEqual({
        detail: [{ type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '201', ctx: { le: 200 } }],
      });
      expect(await refused('/costs/sessions/s1?include_breakdown=maybe')).toEqual({
        detail: [{ type: 'bool_parsing', loc: ['query', 'include_breakdown'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' }],
      });
    });

    it('reads parameters as FastAPI does: unknown ones ignored, pydantic booleans, an empty execution_id is no filter', async () => {
      const busted = await get(key, `/costs/executions?_=1733350000000&color=red&after=${position}`);
      expect(busted.status).toBe(200);
      expect(busted.body.map((e: { execution_id: string }) => e.execution_id)).toEqual(['ex2', 'ex1']);
      for (const off of ['0', 'no', 'OFF', 'f', 'N', 'False']) {
        expect((await get(key, `/costs/sessions/s1?include_breakdown=${off}`)).body.cost_by_model).toEqual({});
      }
      for (const on of ['1', 'yes', 'ON', 't', 'Y', 'True']) {
        expect((await get(key, `/costs/executions/ex1?include_session_ids=${on}`)).body.session_ids).toEqual(['s1', 's2']);
      }
      const unfiltered = await get(key, '/costs/sessions?execution_id=');
      expect(unfiltered.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s3', 's2', 's1']);
      // Of a repeated parameter the last counts, on this page and in the link to the next.
      const repeated = await get(key, '/costs/sessions?limit=3&limit=2');
      expect(repeated.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s3', 's2']);
      const next = await get(key, /^<([^>]+)>/.exec(repeated.headers.link)![1]);
      expect(next.body.map((s: { session_id: string }) => s.session_id)).toEqual(['s1']);
    });

    it('lists each execution with its session ids, as Syntropic137 does', async () => {
      const res = await get(key, `/costs/executions?after=${position}`);
      expect(res.body.map((e: { session_ids: string[] }) => e.session_ids)).toEqual([['s3'], ['s1', 's2']]);
    });

    it('totals the workspace in the summary', async () => {
      const res = await get(key, `/costs/summary?after=${position}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        total_cost_usd: '0.9778435',
        total_sessions: 3,
        total_executions: 2,
        total_tokens: 208611,
        total_tool_calls: 2,
        top_models: [
          { model: 'claude-sonnet-4-20250514', total_cost_usd: '0.964311', cost: '0.964311', total_tokens: 203764, calls: 2, unpriced_calls: 0 },
          { model: 'gpt-4o', total_cost_usd: '0.0107825', cost: '0.0107825', total_tokens: 2647, calls: 2, unpriced_calls: 0 },
          { model: 'gpt-4o-mini', total_cost_usd: '0.00075', cost: '0.00075', total_tokens: 2000, calls: 1, unpriced_calls: 0 },
          { model: 'acme-1', total_cost_usd: '0', cost: '0', total_tokens: 200, calls: 1, unpriced_calls: 1 },
        ],
        top_sessions: [
          { session_id: 's3', execution_id: 'ex2', total_cost_usd: '0.952506', cost: '0.952506', total_tokens: 201001, workspace_id: ws },
          { session_id: 's1', execution_id: 'ex1', total_cost_usd: '0.0245875', cost: '0.0245875', total_tokens: 5410, workspace_id: ws },
          { session_id: 's2', execution_id: 'ex1', total_cost_usd: '0.00075', cost: '0.00075', total_tokens: 2200, workspace_id: ws },
        ],
      });
    });
  });

  describe('tenant isolation', () => {
    it("answers another workspace's session and execution exactly like unknown ones", async () => {
      const owner = await t.keyFor(freshWorkspace('owner'));
      const other = await t.keyFor(freshWorkspace('other'));
      const res = await post(owner, runEvents('private'));
      const position = res.body.data.position;
      expect((await get(owner, `/costs/sessions/private?after=${position}`)).status).toBe(200);
      for (const path of ['/costs/sessions/private', '/costs/executions/ex1']) {
        const foreign = await get(other, `${path}?after=${position}`);
        const unknown = await get(other, path.replace(/private|ex1/, 'does-not-exist'));
        expect(foreign.status).toBe(404);
        expect(foreign.body).toEqual(unknown.body);
      }
      expect((await get(other, '/costs/sessions/private')).body).toEqual({ detail: 'Session not found' });
      // Nor is another workspace's id a candidate for a prefix.
      expect((await get(owner, '/costs/sessions/priv')).body.session_id).toBe('private');
      expect((await get(other, '/costs/sessions/priv')).body).toEqual({ detail: 'Session not found' });
      expect((await get(other, '/costs/sessions')).body).toEqual([]);
      expect((await get(other, '/costs/summary')).body).toMatchObject({ total_cost_usd: '0', total_sessions: 0, top_models: [], top_sessions: [] });
      // A workspace key cannot widen its scope by naming another workspace.
      expect((await get(other, '/costs/sessions?workspace_id=owner_x')).body).toEqual([]);
      // Once the other workspace has its own match, each workspace's prefix finds its own id.
      const privet = await post(other, [{ event_id: 'privet-1', type: 'SessionFinalized', session_id: 'privet', occurred_at: '2026-04-02T12:00:00Z' }]);
      expect((await get(other, `/costs/sessions/priv?after=${privet.body.data.position}`)).body.session_id).toBe('privet');
      expect((await get(owner, '/costs/sessions/priv')).body.session_id).toBe('private');
    });
  });
});
