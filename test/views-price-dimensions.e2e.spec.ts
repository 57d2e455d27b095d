import Big from 'big.js';
import { freshWorkspace, startTestApp, TestApp, TestEventStore } from '@ledger/testing';

/**
 * The views of the 2026 price model (issue 14 §4) over real HTTP: `cost_by_class` / `costByClass`, every
 * class's count, the calls' non-default modifiers and `partial` status, and the `service_tier` and `speed`
 * groupings, checked exactly against an oracle that prices each call on its own with big.js from the
 * shipped catalog's rows (genai-prices with the overlay), copied below by hand.
 */

type ClassKey = 'input' | 'output' | 'reasoning' | 'cache_creation' | 'cache_creation_1h' | 'cache_read' | 'web_search';
const CLASS_KEYS: readonly ClassKey[] = ['input', 'output', 'reasoning', 'cache_creation', 'cache_creation_1h', 'cache_read', 'web_search'];

interface Row {
  rates: Partial<Record<ClassKey, string>>;
  modifiers: Record<string, Record<string, string>>;
}
/** The shipped catalog's rows for the models used here (USD per 1M tokens; web search per 1,000 requests). */
const ROWS: Record<string, Row> = {
  'claude-opus-4-6': {
    rates: { input: '5', output: '25', cache_creation: '6.25', cache_creation_1h: '10', cache_read: '0.5', web_search: '10' },
    modifiers: { service_tier: { batch: '0.5' }, speed: { fast: '6' }, inference_geo: { us: '1.1' } },
  },
  'claude-sonnet-4-20250514': {
    rates: { input: '3', output: '15', cache_creation: '3.75', cache_creation_1h: '6', cache_read: '0.3', web_search: '10' },
    modifiers: { service_tier: { batch: '0.5' } },
  },
  'gpt-4o': {
    rates: { input: '2.5', output: '10', cache_read: '1.25', web_search: '10' },
    modifiers: { service_tier: { batch: '0.5', priority: '1.7' } },
  },
  'gpt-4.1-nano': {
    rates: { input: '0.1', output: '0.4', cache_read: '0.025' },
    modifiers: { service_tier: { batch: '0.5' } },
  },
};

/** The catalog model each name resolves to (ADR 0022), whose only row starts at the epoch. */
const PRICED_AS: Record<string, string> = {
  'claude-opus-4-6': 'anthropic/claude-opus-4-6',
  'claude-sonnet-4-20250514': 'anthropic/claude-sonnet-4-0',
  'gpt-4o': 'openai/gpt-4o',
  'gpt-4.1-nano': 'openai/gpt-4.1-nano',
};

interface Call {
  event_id: string;
  session_id: string;
  occurred_at: string;
  model: string;
  input_tokens?: number;
  output_tokens?: number;
  reasoning_tokens?: number;
  cache_creation_tokens?: number;
  cache_creation_1h_tokens?: number;
  cache_read_tokens?: number;
  web_search_requests?: number;
  service_tier?: string;
  speed?: string;
  inference_geo?: string;
}

interface Priced {
  /** Each class's cost; null: the class was used and has no rate. */
  byClass: Record<ClassKey, Big | null>;
  /** The known cost (every priced class). */
  cost: Big;
  partial: boolean;
}

/** The oracle: the subset rule, the fallbacks (reasoning at output, cache writes at input), modifiers on tokens only. */
function price(c: Call): Priced {
  const row = ROWS[c.model];
  const n = (x: number | undefined) => new Big(x ?? 0);
  const units: Record<ClassKey, Big> = {
    input: n(c.input_tokens),
    output: n(c.output_tokens).minus(n(c.reasoning_tokens)),
    reasoning: n(c.reasoning_tokens),
    cache_creation: n(c.cache_creation_tokens).minus(n(c.cache_creation_1h_tokens)),
    cache_creation_1h: n(c.cache_creation_1h_tokens),
    cache_read: n(c.cache_read_tokens),
    web_search: n(c.web_search_requests),
  };
  const rate = (k: ClassKey): string | undefined =>
    row.rates[k] ?? { reasoning: row.rates.output, cache_creation: row.rates.input, cache_creation_1h: row.rates.input }[k as string];
  let multiplier = new Big(1);
  for (const [field, value] of [['service_tier', c.service_tier], ['speed', c.speed], ['inference_geo', c.inference_geo]] as const) {
    const m = value === undefined ? undefined : row.modifiers[field]?.[value];
    if (m) multiplier = multiplier.times(m);
  }
  const byClass = {} as Record<ClassKey, Big | null>;
  let cost = new Big(0);
  let partial = false;
  for (const k of CLASS_KEYS) {
    const r = rate(k);
    if (r === undefined) {
      byClass[k] = units[k].gt(0) ? null : new Big(0);
      partial ||= units[k].gt(0);
      continue;
    }
    const part = k === 'web_search' ? units[k].times(r).div(1000) : units[k].times(r).div(1_000_000).times(multiplier);
    byClass[k] = part;
    cost = cost.plus(part);
  }
  return { byClass, cost, partial };
}

/** `cost_by_class` of a set of calls: a class whose every use lacks a price is left out; one nobody used is "0". */
function classCosts(calls: readonly Call[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of CLASS_KEYS) {
    const users = calls.filter((c) => unitsOf(c, k) > 0);
    const priced = users.filter((c) => price(c).byClass[k] !== null);
    if (users.length > 0 && priced.length === 0) continue;
    out[k] = priced.reduce((total, c) => total.plus(price(c).byClass[k]!), new Big(0)).toFixed();
  }
  return out;
}
const FIELD: Record<ClassKey, keyof Call> = {
  input: 'input_tokens', output: 'output_tokens', reasoning: 'reasoning_tokens', cache_creation: 'cache_creation_tokens',
  cache_creation_1h: 'cache_creation_1h_tokens', cache_read: 'cache_read_tokens', web_search: 'web_search_requests',
};
const unitsOf = (c: Call, k: ClassKey) => Number(c[FIELD[k]] ?? 0);
const sum = (calls: readonly Call[], field: keyof Call) => calls.reduce((s, c) => s + Number(c[field] ?? 0), 0);
const costOf = (calls: readonly Call[]) => calls.reduce((s, c) => s.plus(price(c).cost), new Big(0));

const RUN = 'run_dims';
const AT = (hhmm: string) => `2026-03-10T${hhmm}:00.000Z`;
/** Session A: fast and US (the worked example on claude-opus-4-6), batch, priority; all priced. */
const A: Call[] = [
  {
    event_id: 'a1', session_id: 'sess_a', occurred_at: AT('10:00'), model: 'claude-opus-4-6', input_tokens: 1000, output_tokens: 2000, reasoning_tokens: 500,
    cache_creation_tokens: 12000, cache_creation_1h_tokens: 8000, cache_read_tokens: 100000, web_search_requests: 3, speed: 'fast', inference_geo: 'us',
  },
  { event_id: 'a2', session_id: 'sess_a', occurred_at: AT('10:30'), model: 'claude-sonnet-4-20250514', input_tokens: 2000, output_tokens: 1000, web_search_requests: 1, service_tier: 'batch' },
  { event_id: 'a3', session_id: 'sess_a', occurred_at: AT('11:15'), model: 'gpt-4o', input_tokens: 1000, output_tokens: 1000, reasoning_tokens: 200, service_tier: 'priority' },
];
/** Session B: web search on a row without a web-search rate (partial), and a tier the row does not list (1×); explicit defaults. */
const B: Call[] = [
  { event_id: 'b1', session_id: 'sess_b', occurred_at: AT('11:30'), model: 'gpt-4.1-nano', input_tokens: 100, output_tokens: 100, web_search_requests: 2, service_tier: 'standard' },
  {
    event_id: 'b2', session_id: 'sess_b', occurred_at: AT('11:40'), model: 'claude-opus-4-6', input_tokens: 1000, output_tokens: 100, service_tier: 'flex', speed: 'standard',
    inference_geo: 'global',
  },
];
const TOOL = { event_id: 't1', type: 'ToolCalled', session_id: 'sess_a', execution_id: RUN, occurred_at: AT('10:45'), tool_name: 'Bash', compute_cost_usd: '0.002' };
const ALL = [...A, ...B];

describe.each<TestEventStore>(['postgres', 'esdb'])('views of the 2026 price dimensions (%s event store)', (eventStore) => {
  let t: TestApp;
  let key: string;
  let ws: string;
  let position: string;
  const get = (path: string) => t.http.get(`${path}${path.includes('?') ? '&' : '?'}after=${position}`).set('x-api-key', key);

  beforeAll(async () => {
    t = await startTestApp({}, eventStore);
    ws = freshWorkspace('dims');
    key = await t.keyFor(ws);
    const res = await t.http
      .post('/v1/events')
      .set('x-api-key', key)
      .send({ events: [...ALL.map((c) => ({ type: 'TokenUsed', execution_id: RUN, ...c })), TOOL] });
    expect(res.status).toBe(202);
    position = res.body.data.position;
  });
  afterAll(async () => {
    await t.close();
  });

  it('prices the worked example as the oracle does: (0.21 × 6 × 1.1) + 0.03', () => {
    expect(price(A[0]).cost.toFixed()).toBe('1.416');
  });

  describe('sessions and executions', () => {
    it('split a fully priced session’s token cost by class, adding up to token_cost_usd exactly, with every class’s count', async () => {
      const res = await get('/costs/sessions/sess_a');
      expect(res.status).toBe(200);
      const expected = classCosts(A);
      // By hand: a1's parts × 6.6 (fast 6 × us 1.1) and its 3 searches; a2's × 0.5 (batch) and 1 search; a3's × 1.7 (priority),
      // its reasoning at the output rate. E.g. output: 1500×25×6.6 + 1000×15×0.5 + 800×10×1.7 = 268600 per 1M.
      expect(expected).toEqual({
        input: '0.04025', output: '0.2686', reasoning: '0.0859', cache_creation: '0.165', cache_creation_1h: '0.528', cache_read: '0.33', web_search: '0.04',
      });
      expect(res.body.cost_by_class).toEqual(expected);
      expect(Object.keys(res.body.cost_by_class)).toEqual(CLASS_KEYS);
      expect(res.body.token_cost_usd).toBe(costOf(A).toFixed());
      const total = Object.values(res.body.cost_by_class as Record<string, string>).reduce((s, v) => s.plus(v), new Big(0));
      expect(total.toFixed()).toBe(res.body.token_cost_usd);
      expect(res.body).toMatchObject({
        pricing_status: 'complete',
        input_tokens: 4000,
        output_tokens: 4000,
        reasoning_tokens: 700,
        cache_creation_tokens: 12000,
        cache_creation_1h_tokens: 8000,
        cache_read_tokens: 100000,
        web_search_requests: 4,
        // The subsets are inside their parents: 4000 + 4000 + 12000 + 100000.
        total_tokens: 120000,
      });
    });

    it('leaves out a class whose every use lacks a price (web search on gpt-4.1-nano), never $0', async () => {
      const res = await get('/costs/sessions/sess_b');
      expect(res.body.cost_by_class).toEqual(classCosts(B));
      expect(res.body.cost_by_class).not.toHaveProperty('web_search');
      expect(res.body).toMatchObject({ pricing_status: 'partial', token_cost_usd: costOf(B).toFixed(), web_search_requests: 2 });
    });

    it('empties cost_by_class with include_breakdown=false, like the other maps', async () => {
      const res = await get('/costs/sessions/sess_a?include_breakdown=false');
      expect(res.body).toMatchObject({ cost_by_class: {}, cost_by_model: {}, reasoning_tokens: 700 });
    });

    it('sums an execution’s classes and counts over its sessions, in the list too', async () => {
      const one = await get(`/costs/executions/${RUN}?include_session_ids=true`);
      expect(one.body.cost_by_class).toEqual(classCosts(ALL));
      expect(one.body).toMatchObject({
        token_cost_usd: costOf(ALL).toFixed(),
        reasoning_tokens: sum(ALL, 'reasoning_tokens'),
        cache_creation_1h_tokens: sum(ALL, 'cache_creation_1h_tokens'),
        web_search_requests: sum(ALL, 'web_search_requests'),
        pricing_status: 'partial',
      });
      const list = await get('/costs/executions');
      expect(list.body).toEqual([one.body]);
      const sessions = await get(`/costs/sessions?execution_id=${RUN}`);
      expect(sessions.body.map((s: { cost_by_class: unknown }) => s.cost_by_class)).toEqual([classCosts(B), classCosts(A)]);
    });
  });

  describe('GET /v1/workflow-runs/:id/cost', () => {
    it('gives each call its counts, its non-default modifiers and partial status, and the run its classes and totals', async () => {
      const res = await get(`/v1/workflow-runs/${RUN}/cost`);
      expect(res.status).toBe(200);
      const d = res.body.data;
      const call = (c: Call, status: string, modifiers: Record<string, string>) => ({
        stepName: null, model: c.model, provider: null, pricedModel: PRICED_AS[c.model], priceRef: `${PRICED_AS[c.model]}@1970-01-01T00:00:00.000Z`, createdAt: c.occurred_at, eventId: c.event_id, sessionId: c.session_id,
        costUsd: price(c).cost.toNumber(), costUsdExact: price(c).cost.toFixed(), pricingStatus: status,
        inputTokens: c.input_tokens ?? 0, outputTokens: c.output_tokens ?? 0, reasoningTokens: c.reasoning_tokens ?? 0,
        cacheCreationTokens: c.cache_creation_tokens ?? 0, cacheCreation1hTokens: c.cache_creation_1h_tokens ?? 0,
        cacheReadTokens: c.cache_read_tokens ?? 0, webSearchRequests: c.web_search_requests ?? 0,
        ...modifiers,
      });
      expect(d.calls).toEqual([
        call(A[0], 'priced', { speed: 'fast', inferenceGeo: 'us' }),
        call(A[1], 'priced', { serviceTier: 'batch' }),
        call(A[2], 'priced', { serviceTier: 'priority' }),
        // Its searches have no rate: costUsd is the known (token) part.
        call(B[0], 'partial', {}),
        call(B[1], 'priced', { serviceTier: 'flex' }),
      ]);
      expect(d.costByClass).toEqual(classCosts(ALL));
      const total = Object.values(d.costByClass as Record<string, string>).reduce((s, v) => s.plus(v), new Big(0));
      expect(total.toFixed()).toBe(d.totalCostUsdExact);
      expect(d).toMatchObject({
        totalCostUsdExact: costOf(ALL).toFixed(),
        totalInputTokens: sum(ALL, 'input_tokens'),
        totalOutputTokens: sum(ALL, 'output_tokens'),
        totalReasoningTokens: sum(ALL, 'reasoning_tokens'),
        totalCacheCreationTokens: sum(ALL, 'cache_creation_tokens'),
        totalCacheCreation1hTokens: sum(ALL, 'cache_creation_1h_tokens'),
        totalCacheReadTokens: sum(ALL, 'cache_read_tokens'),
        totalWebSearchRequests: sum(ALL, 'web_search_requests'),
        totalCalls: 5,
        unpricedCalls: 1,
        pricingStatus: 'partial',
      });
    });
  });

  describe('grouping by service_tier and speed', () => {
    /** A group's figures as the summary and the series give them; the default group also holds the tool call when it is in range. */
    const fig = (key: string, calls: readonly Call[], tool = false) => {
      const cost = costOf(calls);
      const unpriced = calls.filter((c) => price(c).partial).length;
      // A group whose calls are all unpriced, even partly, has no cost to show (as every grouping does).
      const shown = calls.length > 0 && unpriced === calls.length ? null : cost;
      return {
        key,
        costUsd: shown && shown.toNumber(), costUsdExact: shown && shown.toFixed(),
        inputTokens: sum(calls, 'input_tokens'), outputTokens: sum(calls, 'output_tokens'),
        cacheCreationTokens: sum(calls, 'cache_creation_tokens'), cacheReadTokens: sum(calls, 'cache_read_tokens'),
        calls: calls.length, unpricedCalls: unpriced,
        toolCalls: tool ? 1 : 0, toolComputeCostUsd: tool ? 0.002 : 0, toolComputeCostUsdExact: tool ? '0.002' : '0',
      };
    };
    /** Most expensive first, groups with no priced call last (as readRollup orders them). */
    type Fig = { costUsdExact: string | null; toolComputeCostUsdExact: string };
    const byCost = (a: Fig, b: Fig) =>
      (a.costUsdExact === null ? 1 : 0) - (b.costUsdExact === null ? 1 : 0) ||
      new Big(b.costUsdExact ?? 0).plus(b.toolComputeCostUsdExact).cmp(new Big(a.costUsdExact ?? 0).plus(a.toolComputeCostUsdExact));
    const [a1, a2, a3] = A;
    const [b1, b2] = B;

    it('summarises a whole day (the daily rollup) per tier, the default as the remainder with the tool call', async () => {
      const res = await get(`/v1/cost/summary?workspace_id=${ws}&from=2026-03-10T00:00:00Z&to=2026-03-10T23:59:59.999Z&group_by=service_tier`);
      expect(res.status).toBe(200);
      expect(res.body.data.groupBy).toBe('service_tier');
      expect(res.body.data.groups).toEqual(
        [fig('standard', [a1, b1], true), fig('batch', [a2]), fig('priority', [a3]), fig('flex', [b2])].sort(byCost),
      );
      expect(res.body.data.totalCostUsdExact).toBe(costOf(ALL).toFixed());
      const speed = await get(`/v1/cost/summary?workspace_id=${ws}&from=2026-03-10T00:00:00Z&to=2026-03-10T23:59:59.999Z&group_by=speed`);
      expect(speed.body.data.groups).toEqual([fig('fast', [a1]), fig('standard', [a2, a3, b1, b2], true)].sort(byCost));
    });

    it('summarises a range of a whole hour and a partial one (hourly rollup and calls) exactly', async () => {
      // [10:00, 11:00) from the hourly rollup; [11:00, 11:35] per call: a3 and b1, not b2.
      const res = await get(`/v1/cost/summary?workspace_id=${ws}&from=2026-03-10T10:00:00Z&to=2026-03-10T11:35:00Z&group_by=service_tier`);
      expect(res.body.data.groups).toEqual([fig('standard', [a1, b1], true), fig('batch', [a2]), fig('priority', [a3])].sort(byCost));
      const speed = await get(`/v1/cost/summary?workspace_id=${ws}&from=2026-03-10T10:20:00Z&to=2026-03-10T11:35:00Z&group_by=speed`);
      expect(speed.body.data.groups).toEqual([fig('standard', [a2, a3, b1], true)]);
    });

    it('splits each period of the time series per tier, with the default as each period’s remainder', async () => {
      const res = await get(`/v1/cost/timeseries?workspace_id=${ws}&from=2026-03-10T10:00:00Z&to=2026-03-10T11:59:59.999Z&granularity=hour&group_by=service_tier`);
      expect(res.status).toBe(200);
      expect(res.body.data.groupBy).toBe('service_tier');
      expect(res.body.data.buckets.map((b: { groups: unknown }) => b.groups)).toEqual([
        [fig('standard', [a1], true), fig('batch', [a2])].sort(byCost),
        [fig('priority', [a3]), fig('standard', [b1]), fig('flex', [b2])].sort(byCost),
      ]);
      const speed = await get(`/v1/cost/timeseries?workspace_id=${ws}&from=2026-03-10T10:15:00Z&to=2026-03-10T11:59:59.999Z&granularity=hour&group_by=speed`);
      expect(speed.body.data.buckets.map((b: { groups: unknown }) => b.groups)).toEqual([
        [fig('standard', [a2], true)],
        [fig('standard', [a3, b1, b2])],
      ]);
    });

    it('refuses an unknown grouping, naming the allowed ones', async () => {
      const res = await get(`/v1/cost/summary?workspace_id=${ws}&group_by=inference_geo`);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { field: 'group_by', location: 'query', message: 'group_by must be one of model, workflow, phase, tool, service_tier, speed' },
      ]);
    });
  });
});
