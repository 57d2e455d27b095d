import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * The Stevora cost API (`/v1/workflow-runs/:id/cost`, `/v1/cost/summary`) and the time series extension,
 * over real HTTP with exact expected values. Our catalog prices gpt-4o at $2.50 / $10 and Claude Sonnet 4
 * at $3 / $15 per 1M tokens, so costs differ from the seed page's illustration; each is worked out below.
 */
describe('Stevora cost API over HTTP', () => {
  let t: TestApp;
  let ws: string;
  let key: string;
  let position: string;

  const post = async (k: string, events: unknown[]) => {
    const res = await t.http.post('/v1/events').set('x-api-key', k).send({ events });
    expect(res.status).toBe(202);
    return res.body.data.position as string;
  };
  const get = (k: string, path: string) => t.http.get(`${path}${path.includes('?') ? '&' : '?'}after=${position}`).set('x-api-key', k);

  const call = (id: string, at: string, model: string, input: number, output: number, extra: Record<string, unknown> = {}) => ({
    event_id: id, type: 'TokenUsed', session_id: 'sess_def456', execution_id: 'wfrun_def456', workflow_id: 'wf_onboarding',
    occurred_at: at, model, input_tokens: input, output_tokens: output, ...extra,
  });

  /** The seed page's run: the same steps, models, tokens and instants. */
  const seedRun = [
    call('c1', '2026-04-02T12:00:05.100Z', 'gpt-4o', 245, 312, { step_name: 'generate-welcome-email', phase_id: 'compose' }),
    call('c2', '2026-04-02T12:00:10.200Z', 'gpt-4o', 680, 410, { step_name: 'generate-summary', phase_id: 'compose' }),
    call('c3', '2026-04-02T12:00:12.500Z', 'claude-sonnet-4-20250514', 595, 168, { step_name: 'classify-intent', phase_id: 'route' }),
    { event_id: 'c4', type: 'ToolCalled', session_id: 'sess_def456', execution_id: 'wfrun_def456', occurred_at: '2026-04-02T12:00:11.000Z',
      tool_name: 'Bash', compute_cost_usd: '0.0015' },
  ];
  const others = [
    // Another run in April: 1000×2.50 + 1000×10 = 12500 per 1M = 0.0125; acme-1 has no price.
    { ...call('b1', '2026-04-10T08:30:00.000Z', 'gpt-4o', 1000, 1000), session_id: 'sess_b', execution_id: 'wfrun_b', workflow_id: undefined },
    { ...call('b2', '2026-04-10T08:31:00.000Z', 'acme-1', 100, 100), session_id: 'sess_b', execution_id: 'wfrun_b', workflow_id: undefined, phase_id: 'draft' },
    // Just outside April on either side: 1×2.50 + 1×10 = 12.5 per 1M = 0.0000125 each.
    { ...call('o1', '2026-03-31T23:59:59.999Z', 'gpt-4o', 1, 1), session_id: 'sess_c', execution_id: 'wfrun_c' },
    { ...call('o2', '2026-05-01T00:00:00.000Z', 'gpt-4o', 1, 1), session_id: 'sess_c', execution_id: 'wfrun_c' },
  ];

  /** A run of 25 calls for paging; five calls share each instant, so within one the eventId decides. */
  const longRun = Array.from({ length: 25 }, (_, i) => ({
    event_id: `m${String(24 - i).padStart(2, '0')}`, type: 'TokenUsed', session_id: `sess_m${i % 3}`, execution_id: 'wfrun_many',
    occurred_at: new Date(Date.parse('2026-04-03T10:59:59.000Z') + Math.floor(i / 5) * 700).toISOString(),
    model: 'gpt-4o-mini', input_tokens: 1000 + i, output_tokens: 10,
  }));

  beforeAll(async () => {
    t = await startTestApp();
    ws = freshWorkspace('stevora');
    key = await t.keyFor(ws);
    position = await post(key, [...seedRun, ...others, ...longRun]);
  });
  afterAll(async () => {
    await t.close();
  });

  /** The 2026 classes' counts, none in these calls. */
  const noNewClasses = { reasoningTokens: 0, cacheCreation1hTokens: 0, webSearchRequests: 0 };
  /** The catalog model and row that priced a call sent without a provider (ADR 0022). */
  const pricedBy = (model: string | null) => ({ provider: null, pricedModel: model, priceRef: model && `${model}@1970-01-01T00:00:00.000Z` });
  const noNewTotals = { totalReasoningTokens: 0, totalCacheCreation1hTokens: 0, totalWebSearchRequests: 0 };
  const zeroClasses = { reasoning: '0', cache_creation: '0', cache_creation_1h: '0', cache_read: '0', web_search: '0' };
  const seedCalls = [
    // 245×2.50 + 312×10 = 3732.5 per 1M
    { stepName: 'generate-welcome-email', model: 'gpt-4o', ...pricedBy('openai/gpt-4o'), inputTokens: 245, outputTokens: 312, costUsd: 0.0037325, createdAt: '2026-04-02T12:00:05.100Z',
      costUsdExact: '0.0037325', cacheCreationTokens: 0, cacheReadTokens: 0, pricingStatus: 'priced', eventId: 'c1', sessionId: 'sess_def456' , ...noNewClasses },
    // 680×2.50 + 410×10 = 5800 per 1M
    { stepName: 'generate-summary', model: 'gpt-4o', ...pricedBy('openai/gpt-4o'), inputTokens: 680, outputTokens: 410, costUsd: 0.0058, createdAt: '2026-04-02T12:00:10.200Z',
      costUsdExact: '0.0058', cacheCreationTokens: 0, cacheReadTokens: 0, pricingStatus: 'priced', eventId: 'c2', sessionId: 'sess_def456' , ...noNewClasses },
    // 595×3 + 168×15 = 4305 per 1M
    { stepName: 'classify-intent', model: 'claude-sonnet-4-20250514', ...pricedBy('anthropic/claude-sonnet-4-0'), inputTokens: 595, outputTokens: 168, costUsd: 0.004305, createdAt: '2026-04-02T12:00:12.500Z',
      costUsdExact: '0.004305', cacheCreationTokens: 0, cacheReadTokens: 0, pricingStatus: 'priced', eventId: 'c3', sessionId: 'sess_def456' , ...noNewClasses },
  ];
  /** No call here reports a cost of its own (reconciliation has its own spec). */
  const nothingReported = { reportedCostUsd: null, reportedCostUsdExact: null, costDriftUsd: null, costDriftUsdExact: null };
  const seedTotals = {
    workflowRunId: 'wfrun_def456',
    // 0.0037325 + 0.0058 + 0.004305, the LLM cost of the calls; the Bash compute cost is reported beside it.
    totalCostUsd: 0.0138375,
    totalInputTokens: 1520,
    totalOutputTokens: 890,
    totalCostUsdExact: '0.0138375',
    totalCacheCreationTokens: 0,
    totalCacheReadTokens: 0,
    ...noNewTotals,
    totalCalls: 3,
    totalToolCalls: 1,
    unpricedCalls: 0,
    pricingStatus: 'complete',
    toolComputeCostUsd: 0.0015,
    toolComputeCostUsdExact: '0.0015',
    workflowId: 'wf_onboarding',
    // input 925×2.50 + 595×3, output 722×10 + 168×15 (per 1M): totalCostUsdExact, split
    costByClass: { input: '0.0040975', output: '0.00974', ...zeroClasses },
    ...nothingReported,
  };

  describe('GET /v1/workflow-runs/:id/cost', () => {
    it('answers the seed example shape with exact figures', async () => {
      const res = await get(key, '/v1/workflow-runs/wfrun_def456/cost');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: { ...seedTotals, calls: seedCalls, nextCallsCursor: null } });
    });

    it('pages calls with calls_limit and calls_cursor, totals unchanged on every page', async () => {
      const first = await get(key, '/v1/workflow-runs/wfrun_def456/cost?calls_limit=2');
      expect(first.body.data).toEqual({ ...seedTotals, calls: seedCalls.slice(0, 2), nextCallsCursor: expect.any(String) });
      const second = await get(key, `/v1/workflow-runs/wfrun_def456/cost?calls_limit=2&calls_cursor=${first.body.data.nextCallsCursor}`);
      expect(second.body.data).toEqual({ ...seedTotals, calls: seedCalls.slice(2), nextCallsCursor: null });
    });

    it('pages a long run in (createdAt, eventId) order across equal instants', async () => {
      const seen: { eventId: string; createdAt: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await get(key, `/v1/workflow-runs/wfrun_many/cost?calls_limit=10${cursor ? `&calls_cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        // Σ input = 25×1000 + (0+…+24) = 25300; cost = 25300×0.15 + 250×0.60 = 3945 per 1M.
        expect(res.body.data).toMatchObject({ totalCostUsd: 0.003945, totalCostUsdExact: '0.003945', totalInputTokens: 25300, totalOutputTokens: 250, totalCalls: 25 });
        seen.push(...res.body.data.calls);
        cursor = res.body.data.nextCallsCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      const expected = longRun
        .map((e) => ({ eventId: e.event_id, createdAt: e.occurred_at }))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.eventId < b.eventId ? -1 : 1));
      expect(seen.map((c) => ({ eventId: c.eventId, createdAt: c.createdAt }))).toEqual(expected);
    });

    it('groups calls by model, step or phase, most expensive first', async () => {
      const byModel = await get(key, '/v1/workflow-runs/wfrun_def456/cost?group_by=model');
      expect(byModel.body.data.breakdown).toEqual([
        // 3732.5 + 5800 per 1M
        { key: 'gpt-4o', costUsd: 0.0095325, costUsdExact: '0.0095325', inputTokens: 925, outputTokens: 722, calls: 2, unpricedCalls: 0 },
        { key: 'claude-sonnet-4-20250514', costUsd: 0.004305, costUsdExact: '0.004305', inputTokens: 595, outputTokens: 168, calls: 1, unpricedCalls: 0 },
      ]);
      const byStep = await get(key, '/v1/workflow-runs/wfrun_def456/cost?group_by=step&calls_limit=1');
      expect(byStep.body.data.breakdown.map((g: { key: string; costUsd: number }) => [g.key, g.costUsd])).toEqual([
        ['generate-summary', 0.0058],
        ['classify-intent', 0.004305],
        ['generate-welcome-email', 0.0037325],
      ]);
      expect(byStep.body.data.calls).toHaveLength(1);
      const byPhase = await get(key, '/v1/workflow-runs/wfrun_def456/cost?group_by=phase');
      expect(byPhase.body.data.breakdown.map((g: { key: string; costUsdExact: string }) => [g.key, g.costUsdExact])).toEqual([
        ['compose', '0.0095325'],
        ['route', '0.004305'],
      ]);
      expect((await get(key, '/v1/workflow-runs/wfrun_def456/cost')).body.data.breakdown).toBeUndefined();
    });

    it('keeps an unpriced call unpriced: null cost, tokens counted, nothing invented', async () => {
      const res = await get(key, '/v1/workflow-runs/wfrun_b/cost?group_by=step');
      expect(res.body.data).toEqual({
        workflowRunId: 'wfrun_b',
        totalCostUsd: 0.0125,
        totalInputTokens: 1100,
        totalOutputTokens: 1100,
        calls: [
          { stepName: null, model: 'gpt-4o', ...pricedBy('openai/gpt-4o'), inputTokens: 1000, outputTokens: 1000, costUsd: 0.0125, createdAt: '2026-04-10T08:30:00.000Z',
            costUsdExact: '0.0125', cacheCreationTokens: 0, cacheReadTokens: 0, pricingStatus: 'priced', eventId: 'b1', sessionId: 'sess_b' , ...noNewClasses },
          // No step name: the phase stands in.
          { stepName: 'draft', model: 'acme-1', ...pricedBy(null), inputTokens: 100, outputTokens: 100, costUsd: null, createdAt: '2026-04-10T08:31:00.000Z',
            costUsdExact: null, cacheCreationTokens: 0, cacheReadTokens: 0, pricingStatus: 'unpriced', eventId: 'b2', sessionId: 'sess_b' , ...noNewClasses },
        ],
        nextCallsCursor: null,
        totalCostUsdExact: '0.0125',
        totalCacheCreationTokens: 0,
        totalCacheReadTokens: 0,
        ...noNewTotals,
        totalCalls: 2,
        totalToolCalls: 0,
        unpricedCalls: 1,
        pricingStatus: 'partial',
        toolComputeCostUsd: 0,
        toolComputeCostUsdExact: '0',
        workflowId: null,
        // gpt-4o's 1000×2.50 and 1000×10 per 1M; acme-1's tokens have no price and add nothing
        costByClass: { input: '0.0025', output: '0.01', ...zeroClasses },
        ...nothingReported,
        breakdown: [
          { key: null, costUsd: 0.0125, costUsdExact: '0.0125', inputTokens: 1000, outputTokens: 1000, calls: 1, unpricedCalls: 0 },
          { key: 'draft', costUsd: null, costUsdExact: null, inputTokens: 100, outputTokens: 100, calls: 1, unpricedCalls: 1 },
        ],
      });
    });

    it("answers another workspace's run exactly like an unknown one: 404 NOT_FOUND", async () => {
      const other = await t.keyFor(freshWorkspace('other'));
      const foreign = await get(other, '/v1/workflow-runs/wfrun_def456/cost');
      const unknown = await get(other, '/v1/workflow-runs/wfrun_nope/cost');
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Workflow run not found' } });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual(foreign.body);
      // A workspace key cannot widen its scope by naming the owner's workspace.
      expect((await get(other, `/v1/workflow-runs/wfrun_def456/cost?workspace_id=${ws}`)).status).toBe(404);
    });

    it('lets the admin key read any workspace, or name one', async () => {
      const named = await get(ADMIN_KEY, `/v1/workflow-runs/wfrun_def456/cost?workspace_id=${ws}`);
      expect(named.body.data.totalCostUsdExact).toBe('0.0138375');
      expect((await get(ADMIN_KEY, '/v1/workflow-runs/wfrun_def456/cost')).body.data.totalCostUsdExact).toBe('0.0138375');
      expect((await get(ADMIN_KEY, '/v1/workflow-runs/wfrun_def456/cost?workspace_id=elsewhere')).status).toBe(404);
    });

    it('answers bad paging or grouping with 400 naming the parameter', async () => {
      for (const [query, field] of [
        ['calls_limit=0', 'calls_limit'],
        ['calls_limit=1001', 'calls_limit'],
        ['calls_limit=ten', 'calls_limit'],
        ['calls_cursor=not-a-cursor', 'calls_cursor'],
        ['group_by=tool', 'group_by'],
      ]) {
        const res = await get(key, `/v1/workflow-runs/wfrun_def456/cost?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.success).toBe(false);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details).toEqual([expect.objectContaining({ field, location: 'query' })]);
      }
    });
  });

  describe('GET /v1/cost/summary', () => {
    it('answers the seed example shape for a month, exact, its total the sum of byModel and tool compute cost beside it', async () => {
      const res = await get(key, '/v1/cost/summary?from=2026-04-01T00:00:00Z&to=2026-04-30T23:59:59Z');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        data: {
          workspaceId: ws,
          from: '2026-04-01T00:00:00.000Z',
          to: '2026-04-30T23:59:59.000Z',
          // gpt-4o 0.0037325 + 0.0058 + 0.0125, Sonnet 0.004305, gpt-4o-mini (wfrun_many) 0.003945: Σ byModel
          totalCostUsd: 0.0302825,
          totalInputTokens: 1520 + 1100 + 25300,
          totalOutputTokens: 890 + 1100 + 250,
          totalRuns: 3,
          byModel: [
            { model: 'gpt-4o', costUsd: 0.0220325, costUsdExact: '0.0220325', inputTokens: 1925, outputTokens: 1722, cacheCreationTokens: 0, cacheReadTokens: 0, calls: 3, unpricedCalls: 0 },
            { model: 'claude-sonnet-4-20250514', costUsd: 0.004305, costUsdExact: '0.004305', inputTokens: 595, outputTokens: 168, cacheCreationTokens: 0, cacheReadTokens: 0, calls: 1, unpricedCalls: 0 },
            { model: 'gpt-4o-mini', costUsd: 0.003945, costUsdExact: '0.003945', inputTokens: 25300, outputTokens: 250, cacheCreationTokens: 0, cacheReadTokens: 0, calls: 25, unpricedCalls: 0 },
            { model: 'acme-1', costUsd: null, costUsdExact: null, inputTokens: 100, outputTokens: 100, cacheCreationTokens: 0, cacheReadTokens: 0, calls: 1, unpricedCalls: 1 },
          ],
          totalCostUsdExact: '0.0302825',
          // Bash
          toolComputeCostUsd: 0.0015,
          toolComputeCostUsdExact: '0.0015',
          totalCacheCreationTokens: 0,
          totalCacheReadTokens: 0,
          totalCalls: 30,
          totalToolCalls: 1,
          unpricedCalls: 1,
          pricingStatus: 'partial',
        },
      });
    });

    it('covers all time when from and to are omitted, answering them as null', async () => {
      const res = await get(key, '/v1/cost/summary');
      // April's 0.0302825 plus the two calls either side of it, 0.0000125 each.
      expect(res.body.data).toMatchObject({ from: null, to: null, totalCostUsdExact: '0.0303075', totalCostUsd: 0.0303075, totalRuns: 4 });
      const untilApril = await get(key, '/v1/cost/summary?to=2026-04-01T00:00:00%2B02:00');
      expect(untilApril.body.data).toMatchObject({ from: null, to: '2026-03-31T22:00:00.000Z', totalCostUsdExact: '0', totalRuns: 0, byModel: [] });
      const fromMay = await get(key, '/v1/cost/summary?from=2026-04-30T20:00:00-04:00');
      expect(fromMay.body.data).toMatchObject({ from: '2026-05-01T00:00:00.000Z', to: null, totalCostUsdExact: '0.0000125', totalRuns: 1 });
    });

    it('counts both ends inclusively, to the millisecond', async () => {
      const res = await get(key, '/v1/cost/summary?from=2026-04-02T12:00:10.200Z&to=2026-04-02T12:00:12.500Z');
      // c2 0.0058 + c3 0.004305; Bash 0.0015 beside
      expect(res.body.data).toMatchObject({ totalCostUsdExact: '0.010105', toolComputeCostUsdExact: '0.0015', totalRuns: 1, totalCalls: 2, totalToolCalls: 1 });
      const oneMsLess = await get(key, '/v1/cost/summary?from=2026-04-02T12:00:10.201Z&to=2026-04-02T12:00:12.499Z');
      expect(oneMsLess.body.data).toMatchObject({ totalCostUsdExact: '0', toolComputeCostUsdExact: '0.0015', totalCalls: 0, totalToolCalls: 1, byModel: [] });
      const odd = await get(key, '/v1/cost/summary?from=2026-04-02T12:00:05.101Z&to=2026-04-10T08:30:00.000Z');
      // c2 + c3 + b1 0.0125 + wfrun_many 0.003945, across whole hours and two partial ones
      expect(odd.body.data).toMatchObject({ totalCostUsdExact: '0.02655', toolComputeCostUsdExact: '0.0015', totalRuns: 3 });
    });

    it('answers bad ranges with 400 VALIDATION_ERROR naming the parameter', async () => {
      for (const [query, field] of [
        ['from=yesterday', 'from'],
        ['from=2026-04-01', 'from'],
        ['to=2026-02-30T00:00:00Z', 'to'],
        ['to=2026-04-01T00:00:00', 'to'],
        ['from=2026-04-01T00:00:00.1234Z', 'from'],
        ['from=2026-04-02T00:00:00Z&to=2026-04-01T23:59:59.999Z', 'from'],
        ['from=a&from=b', 'from'],
      ]) {
        const res = await get(key, `/v1/cost/summary?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details).toEqual([expect.objectContaining({ field, location: 'query' })]);
      }
    });

    it('makes the admin key name the workspace', async () => {
      const res = await get(ADMIN_KEY, '/v1/cost/summary');
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to summarise' }]);
      const named = await get(ADMIN_KEY, `/v1/cost/summary?workspace_id=${ws}&from=2026-04-01T00:00:00Z&to=2026-04-30T23:59:59Z`);
      expect(named.body.data).toMatchObject({ workspaceId: ws, totalCostUsdExact: '0.0302825' });
    });
  });

  describe('authentication', () => {
    it('refuses a missing or invalid key with 401 AUTH_ERROR on every route', async () => {
      for (const path of ['/v1/workflow-runs/wfrun_def456/cost', '/v1/cost/summary', '/v1/cost/timeseries']) {
        const missing = await t.http.get(path);
        expect(missing.status).toBe(401);
        expect(missing.body).toEqual({ success: false, error: { code: 'AUTH_ERROR', message: 'missing API key: send it as x-api-key or Authorization: Bearer' } });
        const wrong = await t.http.get(path).set('x-api-key', 'stv_wrong');
        expect(wrong.status).toBe(401);
        expect(wrong.body).toEqual({ success: false, error: { code: 'AUTH_ERROR', message: 'invalid API key' } });
      }
    });
  });

  describe('GET /v1/cost/timeseries', () => {
    let dstKey: string;
    /** LLM cost and model calls; tool calls and their compute cost beside them. */
    const fig = (cost: string | null, input: number, output: number, calls: number, unpricedCalls = 0, toolCalls = 0, compute = '0') => ({
      costUsd: cost === null ? null : Number(cost), costUsdExact: cost, inputTokens: input, outputTokens: output, cacheCreationTokens: 0, cacheReadTokens: 0, calls,
      toolCalls, toolComputeCostUsd: Number(compute), toolComputeCostUsdExact: compute, unpricedCalls,
    });
    const zero = fig('0', 0, 0, 0);

    beforeAll(async () => {
      dstKey = await t.keyFor(freshWorkspace('dst'));
      const ev = (id: string, at: string, rest: Record<string, unknown>) => ({ event_id: id, type: 'TokenUsed', session_id: 'sess_dst', execution_id: 'run_dst', occurred_at: at, ...rest });
      position = await post(dstKey, [
        // New York: Sat 7 Mar 23:59:59.999 EST. Kolkata: Sun 8 Mar 10:29:59.999. 1000×3 per 1M.
        ev('d1', '2026-03-08T04:59:59.999Z', { model: 'claude-sonnet-4-20250514', input_tokens: 1000 }),
        // New York 01:30 EST, before the clocks jump from 02:00 to 03:00. 1000×2.50 per 1M.
        ev('d2', '2026-03-08T06:30:00.000Z', { model: 'gpt-4o', input_tokens: 1000, phase_id: 'plan' }),
        // New York 03:15 EDT. 1000×10 per 1M.
        ev('d3', '2026-03-08T07:15:00.000Z', { model: 'gpt-4o', output_tokens: 1000, phase_id: 'plan' }),
        // Kolkata's midnight is 18:30Z: the last and first millisecond of two Kolkata days, in one UTC hour.
        ev('d4', '2026-03-08T18:29:59.999Z', { model: 'gpt-4o-mini', input_tokens: 1000 }),
        ev('d5', '2026-03-08T18:30:00.000Z', { model: 'gpt-4o-mini', output_tokens: 1000 }),
        // New York: Sun 8 Mar 23:59:59.999 EDT.
        { event_id: 'd6', type: 'ToolCalled', session_id: 'sess_dst', execution_id: 'run_dst', workflow_id: 'wf-x', occurred_at: '2026-03-09T03:59:59.999Z', tool_name: 'Bash', compute_cost_usd: '0.5' },
        ev('d7', '2026-03-10T12:00:00.000Z', { model: 'acme-1', input_tokens: 10, output_tokens: 10, workflow_id: 'wf-x' }),
      ]);
    });

    it('buckets New York days across the spring-forward change, empty days as zeros', async () => {
      const res = await get(dstKey, '/v1/cost/timeseries?from=2026-03-07T00:00:00-05:00&to=2026-03-10T23:59:59.999-04:00&granularity=day&tz=America/New_York&group_by=model');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        data: {
          workspaceId: expect.stringMatching(/^dst_/),
          granularity: 'day',
          tz: 'America/New_York',
          from: '2026-03-07T05:00:00.000Z',
          to: '2026-03-11T03:59:59.999Z',
          groupBy: 'model',
          totalCostUsd: 0.01625,
          totalCostUsdExact: '0.01625',
          toolComputeCostUsd: 0.5,
          toolComputeCostUsdExact: '0.5',
          buckets: [
            { start: '2026-03-07T00:00:00.000-05:00', end: '2026-03-08T00:00:00.000-05:00', ...fig('0.003', 1000, 0, 1),
              groups: [{ key: 'claude-sonnet-4-20250514', ...fig('0.003', 1000, 0, 1) }] },
            // 23 hours: d2..d6. gpt-4o 0.0025 + 0.01; gpt-4o-mini 0.00015 + 0.0006; Bash (no model) 0.5 of compute.
            { start: '2026-03-08T00:00:00.000-05:00', end: '2026-03-09T00:00:00.000-04:00', ...fig('0.01325', 2000, 2000, 4, 0, 1, '0.5'),
              groups: [
                { key: null, ...fig('0', 0, 0, 0, 0, 1, '0.5') },
                { key: 'gpt-4o', ...fig('0.0125', 1000, 1000, 2) },
                { key: 'gpt-4o-mini', ...fig('0.00075', 1000, 1000, 2) },
              ] },
            { start: '2026-03-09T00:00:00.000-04:00', end: '2026-03-10T00:00:00.000-04:00', ...zero, groups: [] },
            // Only an unpriced call: its tokens count, the bucket's priced cost is 0, the group's cost is unknown.
            { start: '2026-03-10T00:00:00.000-04:00', end: '2026-03-11T00:00:00.000-04:00', ...fig('0', 10, 10, 1, 1),
              groups: [{ key: 'acme-1', ...fig(null, 10, 10, 1, 1) }] },
          ],
        },
      });
    });

    it('has no bucket for the skipped local hour 02:00 in New York', async () => {
      const res = await get(dstKey, '/v1/cost/timeseries?from=2026-03-08T00:00:00-05:00&to=2026-03-08T03:59:59.999-04:00&granularity=hour&tz=America/New_York');
      expect(res.body.data.groupBy).toBeNull();
      expect(res.body.data.buckets).toEqual([
        { start: '2026-03-08T00:00:00.000-05:00', end: '2026-03-08T01:00:00.000-05:00', ...zero, groups: [] },
        { start: '2026-03-08T01:00:00.000-05:00', end: '2026-03-08T03:00:00.000-04:00', ...fig('0.0025', 1000, 0, 1), groups: [] },
        { start: '2026-03-08T03:00:00.000-04:00', end: '2026-03-08T04:00:00.000-04:00', ...fig('0.01', 0, 1000, 1), groups: [] },
      ]);
    });

    it('splits Kolkata days inside a UTC hour exactly, grouping by workflow, phase and tool', async () => {
      const range = 'from=2026-03-08T00:00:00%2B05:30&to=2026-03-09T23:59:59.999%2B05:30&granularity=day&tz=Asia/Kolkata';
      const byWorkflow = await get(dstKey, `/v1/cost/timeseries?${range}&group_by=workflow`);
      expect(byWorkflow.body.data.buckets).toEqual([
        // d1..d4: 0.003 + 0.0025 + 0.01 + 0.00015, none in a workflow
        { start: '2026-03-08T00:00:00.000+05:30', end: '2026-03-09T00:00:00.000+05:30', ...fig('0.01565', 3000, 1000, 4),
          groups: [{ key: null, ...fig('0.01565', 3000, 1000, 4) }] },
        { start: '2026-03-09T00:00:00.000+05:30', end: '2026-03-10T00:00:00.000+05:30', ...fig('0.0006', 0, 1000, 1, 0, 1, '0.5'),
          groups: [{ key: 'wf-x', ...fig('0', 0, 0, 0, 0, 1, '0.5') }, { key: null, ...fig('0.0006', 0, 1000, 1) }] },
      ]);
      const byPhase = await get(dstKey, `/v1/cost/timeseries?${range}&group_by=phase`);
      expect(byPhase.body.data.buckets[0].groups).toEqual([{ key: 'plan', ...fig('0.0125', 1000, 1000, 2) }, { key: null, ...fig('0.00315', 2000, 0, 2) }]);
      const byTool = await get(dstKey, `/v1/cost/timeseries?${range}&group_by=tool`);
      expect(byTool.body.data.buckets[1].groups).toEqual([{ key: 'Bash', ...fig('0', 0, 0, 0, 0, 1, '0.5') }, { key: null, ...fig('0.0006', 0, 1000, 1) }]);
    });

    it('clips the first and last periods to the range, so it sums what the summary sums', async () => {
      const range = 'from=2026-03-08T06:30:00.001Z&to=2026-03-09T03:59:59.998Z';
      const res = await get(dstKey, `/v1/cost/timeseries?${range}&granularity=day&tz=UTC`);
      // d3 0.01, d4 0.00015, d5 0.0006; not d2 (a millisecond before from), nor d6 (a millisecond after to).
      expect(res.body.data).toMatchObject({
        from: '2026-03-08T06:30:00.001Z', to: '2026-03-09T03:59:59.998Z', totalCostUsdExact: '0.01075', toolComputeCostUsdExact: '0',
        buckets: [
          { start: '2026-03-08T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z', ...fig('0.01075', 1000, 2000, 3) },
          { start: '2026-03-09T00:00:00.000Z', end: '2026-03-10T00:00:00.000Z', ...zero },
        ],
      });
      const summary = await get(dstKey, `/v1/cost/summary?${range}`);
      expect(summary.body.data).toMatchObject({ totalCostUsdExact: '0.01075', totalCalls: 3, totalToolCalls: 0 });
    });

    it('answers bad parameters with 400 naming them', async () => {
      const cases: [string, string[]][] = [
        ['', ['from', 'to']],
        ['from=2026-03-01T00:00:00Z', ['to']],
        ['from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&tz=Mars/Olympus', ['tz']],
        ['from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&granularity=minute', ['granularity']],
        ['from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z&group_by=step', ['group_by']],
        ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', ['from']],
        // 1001 hours
        ['from=2026-01-01T00:00:00Z&to=2026-02-11T16:00:00Z&granularity=hour', ['to']],
      ];
      for (const [query, fields] of cases) {
        const res = await get(dstKey, `/v1/cost/timeseries?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(fields);
      }
      const admin = await get(ADMIN_KEY, '/v1/cost/timeseries?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z');
      expect(admin.body.error.details.map((d: { field: string }) => d.field)).toEqual(['workspace_id']);
    });
  });

  describe('GET /costs/sessions/:id?group_by (Syntropic family)', () => {
    it('adds the compact breakdown with money as decimal strings', async () => {
      const res = await get(key, '/costs/sessions/sess_def456?group_by=model');
      expect(res.status).toBe(200);
      expect(res.body.total_cost_usd).toBe('0.0153375');
      expect(res.body.breakdown).toEqual([
        { key: 'gpt-4o', cost_usd: '0.0095325', input_tokens: 925, output_tokens: 722, calls: 2, unpriced_calls: 0 },
        { key: 'claude-sonnet-4-20250514', cost_usd: '0.004305', input_tokens: 595, output_tokens: 168, calls: 1, unpriced_calls: 0 },
      ]);
      const byStep = await get(key, '/costs/sessions/sess_b?group_by=step');
      expect(byStep.body.breakdown).toEqual([
        { key: null, cost_usd: '0.0125', input_tokens: 1000, output_tokens: 1000, calls: 1, unpriced_calls: 0 },
        { key: 'draft', cost_usd: null, input_tokens: 100, output_tokens: 100, calls: 1, unpriced_calls: 1 },
      ]);
      expect((await get(key, '/costs/sessions/sess_def456')).body.breakdown).toBeUndefined();
      const bad = await get(key, '/costs/sessions/sess_def456?group_by=tool');
      expect(bad.status).toBe(422);
      const expected = "'step', 'model', 'phase' or 'price'";
      expect(bad.body).toEqual({ detail: [{ type: 'literal_error', loc: ['query', 'group_by'], msg: `Input should be ${expected}`, input: 'tool', ctx: { expected } }] });
    });
  });
});
