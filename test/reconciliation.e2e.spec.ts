import Big from 'big.js';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * Reconciliation with the runtimes' own figure (issue 15 §4) over real HTTP: `reported_cost_usd` and
 * `cost_drift_usd` on sessions, executions and workflow runs in both dialects, and
 * `GET /v1/cost/reconciliation`. Every expected figure is worked out here from the catalog's gpt-4o rates
 * ($2.50 input, $10 output, $1.25 cache read per 1M tokens), by hand and by a big.js oracle; a model
 * no catalog prices stands for a call the ledger cannot price.
 */

const UNPRICED = 'acme-private-model-x1';
/**
 * A model this spec prices itself (admin API), at $1 input and $2 output per 1M tokens with no web-search
 * rate: a call of it that searches is only partly priced, and so is never reconciled.
 */
const PARTIAL = 'recon-partial-model-1';

interface Call {
  event_id: string;
  session_id: string;
  execution_id?: string;
  workflow_id?: string;
  phase_id?: string;
  occurred_at: string;
  model: string;
  input_tokens?: number;
  output_tokens?: number;
  cache_read_tokens?: number;
  web_search_requests?: number;
  reported_cost_usd?: string;
}

/** The oracle: the known cost at gpt-4o's list price or PARTIAL's, per 1M tokens; null for the model without a price. */
function computed(c: Call): Big | null {
  const n = (x: number | undefined) => new Big(x ?? 0);
  if (c.model === PARTIAL) return n(c.input_tokens).plus(n(c.output_tokens).times(2)).div(1_000_000);
  if (c.model !== 'gpt-4o') return null;
  return n(c.input_tokens).times('2.5').plus(n(c.output_tokens).times(10)).plus(n(c.cache_read_tokens).times('1.25')).div(1_000_000);
}
/** Priced in full: a known cost, and no searches on a model without a web-search rate. */
const fullyPriced = (c: Call) => computed(c) !== null && !(c.model === PARTIAL && (c.web_search_requests ?? 0) > 0);
const reconciled = (calls: readonly Call[]) => calls.filter((c) => c.reported_cost_usd !== undefined && fullyPriced(c));
const sumOf = (xs: readonly Big[]) => xs.reduce((s, x) => s.plus(x), new Big(0));
/** Σ reported over the calls that reported one; null when none did. */
const reportedOf = (calls: readonly Call[]) => {
  const r = calls.filter((c) => c.reported_cost_usd !== undefined);
  return r.length ? sumOf(r.map((c) => new Big(c.reported_cost_usd!))).toFixed() : null;
};
/** Σ (computed − reported) over the calls with both; null when none has both. */
const driftOf = (calls: readonly Call[]) => {
  const r = reconciled(calls);
  return r.length ? sumOf(r.map((c) => computed(c)!.minus(c.reported_cost_usd!))).toFixed() : null;
};

const RUN = 'run_r1';
const s1 = { session_id: 'sess_1', execution_id: RUN, workflow_id: 'wf_a', phase_id: 'p1' };
const s2 = { session_id: 'sess_2', execution_id: RUN, workflow_id: 'wf_b', phase_id: 'p2' };
const s3 = { session_id: 'sess_3' };
const s4 = { session_id: 'sess_4', execution_id: 'run_r2', workflow_id: 'wf_a' };
const s5 = { session_id: 'sess_5' };
const s6 = { session_id: 'sess_6' };
const C: Record<string, Call> = {
  // 1000×2.50 + 500×10 = 7500 per 1M: exactly what it reported.
  c1: { event_id: 'c1', ...s1, occurred_at: '2026-03-10T10:00:00.000Z', model: 'gpt-4o', input_tokens: 1000, output_tokens: 500, reported_cost_usd: '0.0075' },
  // 2000×2.50 + 1000×10 = 0.015 against 0.0140 reported: +0.001.
  c2: { event_id: 'c2', ...s1, occurred_at: '2026-03-10T10:05:00.000Z', model: 'gpt-4o', input_tokens: 2000, output_tokens: 1000, reported_cost_usd: '0.0140' },
  // No reported cost: 0.002, in no reconciled figure.
  c3: { event_id: 'c3', ...s1, occurred_at: '2026-03-10T10:10:00.000Z', model: 'gpt-4o', input_tokens: 400, output_tokens: 100 },
  // 10000×2.50 + 2000×10 = 0.045 against 0.05: −0.005.
  c4: { event_id: 'c4', ...s2, occurred_at: '2026-03-10T11:00:00.000Z', model: 'gpt-4o', input_tokens: 10000, output_tokens: 2000, reported_cost_usd: '0.05' },
  // No price: its reported 0.0042 counts only with the calls the ledger could not price.
  c5: { event_id: 'c5', ...s2, occurred_at: '2026-03-10T11:05:00.000Z', model: UNPRICED, input_tokens: 1000, output_tokens: 1000, reported_cost_usd: '0.0042' },
  // 100×2.50 = 0.00025, as reported.
  c6: { event_id: 'c6', ...s3, occurred_at: '2026-03-11T09:00:00.000Z', model: 'gpt-4o', input_tokens: 100, reported_cost_usd: '0.00025' },
  // 1000 cache reads × 1.25 = 0.00125 against 0.001: +0.00025.
  c7: { event_id: 'c7', ...s3, occurred_at: '2026-03-11T09:30:00.000Z', model: 'gpt-4o', cache_read_tokens: 1000, reported_cost_usd: '0.001' },
  c8: { event_id: 'c8', ...s5, occurred_at: '2026-03-11T10:00:00.000Z', model: UNPRICED, input_tokens: 10, reported_cost_usd: '0.003' },
  // A run where nothing reported a cost.
  c9: { event_id: 'c9', ...s4, occurred_at: '2026-03-12T08:00:00.000Z', model: 'gpt-4o', input_tokens: 100, output_tokens: 100 },
  // Partly priced: 1000×1 + 1000×2 = 0.003 known, its two searches without a rate; it reported 0.02.
  c10: {
    event_id: 'c10', ...s6, occurred_at: '2026-03-11T11:00:00.000Z', model: PARTIAL, input_tokens: 1000, output_tokens: 1000, web_search_requests: 2,
    reported_cost_usd: '0.02',
  },
};
const ALL = Object.values(C);
const { c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 } = C;
const SESSION_CALLS: Record<string, Call[]> = { sess_1: [c1, c2, c3], sess_2: [c4, c5], sess_3: [c6, c7], sess_4: [c9], sess_5: [c8], sess_6: [c10] };

/** The same ids in another workspace, with a drift of its own that must never reach the first one's figures. */
const FOREIGN: Call[] = [
  { event_id: 'c1', ...s1, occurred_at: '2026-03-10T10:00:00.000Z', model: 'gpt-4o', input_tokens: 1000, output_tokens: 500, reported_cost_usd: '1.00' },
  { event_id: 'c5', ...s2, occurred_at: '2026-03-10T11:05:00.000Z', model: UNPRICED, input_tokens: 1, reported_cost_usd: '9' },
];

/** Twelve calls of 1000×2.50 = 0.0025 each, the k-th reporting k × 0.0001 less. */
const MANY: Call[] = Array.from({ length: 12 }, (_, i) => ({
  event_id: `m${String(i + 1).padStart(2, '0')}`, session_id: 'sess_many', occurred_at: '2026-03-10T12:00:00.000Z', model: 'gpt-4o', input_tokens: 1000,
  reported_cost_usd: new Big('0.0025').minus(new Big('0.0001').times(i + 1)).toFixed(),
}));

/** The route's figures for a set of calls, from the oracle. */
function figures(calls: readonly Call[]) {
  const rec = reconciled(calls);
  const comp = rec.length ? sumOf(rec.map((c) => computed(c)!)) : null;
  const rep = rec.length ? sumOf(rec.map((c) => new Big(c.reported_cost_usd!))) : null;
  const drift = comp && rep && comp.minus(rep);
  const unpriced = calls.filter((c) => c.reported_cost_usd !== undefined && !fullyPriced(c));
  const unpricedSum = unpriced.length ? sumOf(unpriced.map((c) => new Big(c.reported_cost_usd!))) : null;
  return {
    calls: calls.length,
    reconciledCalls: rec.length,
    computedCostUsd: comp && comp.toNumber(), computedCostUsdExact: comp && comp.toFixed(),
    reportedCostUsd: rep && rep.toNumber(), reportedCostUsdExact: rep && rep.toFixed(),
    driftUsd: drift && drift.toNumber(), driftUsdExact: drift && drift.toFixed(),
    driftRatio: expect.anything() as unknown,
    unpricedReportedCalls: unpriced.length,
    unpricedReportedCostUsd: unpricedSum && unpricedSum.toNumber(), unpricedReportedCostUsdExact: unpricedSum && unpricedSum.toFixed(),
  };
}
/** As `figures`, with the ratio written out by hand. */
const withRatio = (calls: readonly Call[], driftRatio: string | null) => ({ ...figures(calls), driftRatio });

const worst = (c: Call, driftRatio: string | null) => {
  const comp = computed(c)!;
  const drift = comp.minus(c.reported_cost_usd!);
  return {
    eventId: c.event_id, sessionId: c.session_id, workflowRunId: c.execution_id ?? null, model: c.model, occurredAt: c.occurred_at,
    computedCostUsd: comp.toNumber(), computedCostUsdExact: comp.toFixed(),
    reportedCostUsd: new Big(c.reported_cost_usd!).toNumber(), reportedCostUsdExact: new Big(c.reported_cost_usd!).toFixed(),
    driftUsd: drift.toNumber(), driftUsdExact: drift.toFixed(), driftRatio,
  };
};

describe('reconciliation with the runtimes’ reported cost', () => {
  let t: TestApp;
  let ws: string;
  let key: string;
  let foreignWs: string;
  let foreignKey: string;
  let manyKey: string;
  let position: string;
  const get = (k: string, path: string) => t.http.get(`${path}${path.includes('?') ? '&' : '?'}after=${position}`).set('x-api-key', k);
  const post = async (k: string, calls: readonly Call[]) => {
    const res = await t.http.post('/v1/events').set('x-api-key', k).send({ events: calls.map((c) => ({ type: 'TokenUsed', ...c })) });
    expect(res.status).toBe(202);
    return res.body.data.position as string;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ws = freshWorkspace('recon');
    foreignWs = freshWorkspace('recon_foreign');
    [key, foreignKey, manyKey] = await Promise.all([t.keyFor(ws), t.keyFor(foreignWs), t.keyFor(freshWorkspace('recon_many'))]);
    // Priced before any call of it is written, so nothing is restated.
    const price = await t.http.put(`/v1/pricing/models/${PARTIAL}`).set('x-api-key', ADMIN_KEY).send({
      effective_from: '2026-01-01T00:00:00Z', rates: { input: '1', output: '2', cache_creation: '1', cache_read: '0.1' }, reason: 'reconciliation spec',
    });
    expect(price.body.data).toMatchObject({ affected: { events: 0 }, rebuild: { state: 'not_needed' } });
    await post(foreignKey, FOREIGN);
    await post(manyKey, MANY);
    // The projection applies the log in order: reading after the last write sees all three workspaces.
    position = await post(key, ALL);
  });
  afterAll(async () => {
    await t.close();
  });

  it('has an oracle that agrees with the figures worked out by hand', () => {
    expect([c1, c2, c3, c4, c6, c7, c9].map((c) => computed(c)!.toFixed())).toEqual(['0.0075', '0.015', '0.002', '0.045', '0.00025', '0.00125', '0.00125']);
    expect(computed(c5)).toBeNull();
    expect([computed(c10)!.toFixed(), fullyPriced(c10)]).toEqual(['0.003', false]);
    expect(Object.fromEntries(Object.entries(SESSION_CALLS).map(([id, calls]) => [id, [reportedOf(calls), driftOf(calls)]]))).toEqual({
      sess_1: ['0.0215', '0.001'],
      sess_2: ['0.0542', '-0.005'],
      sess_3: ['0.00125', '0.00025'],
      sess_4: [null, null],
      sess_5: ['0.003', null],
      sess_6: ['0.02', null],
    });
  });

  describe('Syntropic137 sessions and executions', () => {
    it.each(Object.keys(SESSION_CALLS))('show %s’s reported cost and drift, and never replace its cost with the reported one', async (id) => {
      const res = await get(key, `/costs/sessions/${id}`);
      expect(res.status).toBe(200);
      const calls = SESSION_CALLS[id];
      expect(res.body).toMatchObject({
        reported_cost_usd: reportedOf(calls),
        cost_drift_usd: driftOf(calls),
        token_cost_usd: sumOf(calls.flatMap((c) => computed(c) ?? [])).toFixed(),
      });
    });

    it('shows them in the session list too, and under the /api/v1 prefix', async () => {
      const list = await get(key, `/costs/sessions?execution_id=${RUN}`);
      expect(list.body.map((s: Record<string, unknown>) => [s.session_id, s.reported_cost_usd, s.cost_drift_usd])).toEqual([
        ['sess_2', '0.0542', '-0.005'],
        ['sess_1', '0.0215', '0.001'],
      ]);
      const prefixed = await get(key, '/api/v1/costs/sessions/sess_3');
      expect(prefixed.body).toMatchObject({ reported_cost_usd: '0.00125', cost_drift_usd: '0.00025' });
    });

    it('sum an execution’s over its sessions: 0.0215 + 0.0542 reported, 0.001 − 0.005 drift', async () => {
      const one = await get(key, `/costs/executions/${RUN}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ reported_cost_usd: '0.0757', cost_drift_usd: '-0.004' });
      expect(one.body.reported_cost_usd).toBe(reportedOf([...SESSION_CALLS.sess_1, ...SESSION_CALLS.sess_2]));
      expect(one.body.cost_drift_usd).toBe(driftOf([...SESSION_CALLS.sess_1, ...SESSION_CALLS.sess_2]));
      const none = await get(key, '/costs/executions/run_r2');
      expect(none.body).toMatchObject({ reported_cost_usd: null, cost_drift_usd: null, token_cost_usd: '0.00125' });
      const list = await get(key, '/costs/executions');
      expect(list.body.map((e: Record<string, unknown>) => [e.execution_id, e.reported_cost_usd, e.cost_drift_usd])).toEqual([
        ['run_r2', null, null],
        [RUN, '0.0757', '-0.004'],
      ]);
    });
  });

  describe('Stevora workflow runs', () => {
    it('show the run’s reported cost and drift beside its own total, as numbers with their exact decimals', async () => {
      const res = await get(key, `/v1/workflow-runs/${RUN}/cost`);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        // 0.0075 + 0.015 + 0.002 + 0.045: the ledger's cost, whatever was reported.
        totalCostUsdExact: '0.0695',
        reportedCostUsd: 0.0757,
        reportedCostUsdExact: '0.0757',
        costDriftUsd: -0.004,
        costDriftUsdExact: '-0.004',
      });
      const none = await get(key, '/v1/workflow-runs/run_r2/cost');
      expect(none.body.data).toMatchObject({ totalCostUsdExact: '0.00125', reportedCostUsd: null, reportedCostUsdExact: null, costDriftUsd: null, costDriftUsdExact: null });
    });

    it('keep another workspace’s run with the same id apart', async () => {
      const res = await get(foreignKey, `/v1/workflow-runs/${RUN}/cost`);
      // 0.0075 computed against 1.00 reported; its unpriced call's 9 is reported but not reconciled.
      expect(res.body.data).toMatchObject({ totalCostUsdExact: '0.0075', reportedCostUsdExact: '10', costDriftUsdExact: '-0.9925' });
      const session = await get(foreignKey, '/costs/sessions/sess_1');
      expect(session.body).toMatchObject({ reported_cost_usd: '1', cost_drift_usd: '-0.9925' });
    });
  });

  describe('GET /v1/cost/reconciliation', () => {
    it('compares computed with reported per model over all time, the unpriced model’s reports apart', async () => {
      const res = await get(key, '/v1/cost/reconciliation');
      expect(res.status).toBe(200);
      const gpt = ALL.filter((c) => c.model === 'gpt-4o');
      // By hand: computed 0.0075 + 0.015 + 0.045 + 0.00025 + 0.00125 = 0.069, reported 0.07275, drift −0.00375,
      // −0.00375 / 0.07275 = −0.0515463…
      expect(figures(gpt)).toMatchObject({ reconciledCalls: 5, computedCostUsdExact: '0.069', reportedCostUsdExact: '0.07275', driftUsdExact: '-0.00375' });
      expect(res.body).toEqual({
        success: true,
        data: {
          workspaceId: ws,
          from: null,
          to: null,
          groupBy: 'model',
          total: withRatio(ALL, '-0.051546'),
          // Largest absolute drift first; the models with nothing reconciled last, more calls first.
          groups: [
            { key: 'gpt-4o', ...withRatio(gpt, '-0.051546') },
            { key: UNPRICED, ...withRatio([c5, c8], null) },
            { key: PARTIAL, ...withRatio([c10], null) },
          ],
          worstCalls: [worst(c4, '-0.1'), worst(c2, '0.071429'), worst(c7, '0.25'), worst(c1, '0'), worst(c6, '0')],
        },
      });
      // c5, c8 and the partly priced c10: 0.0042 + 0.003 + 0.02.
      expect(res.body.data.total).toMatchObject({ calls: 10, unpricedReportedCalls: 3, unpricedReportedCostUsdExact: '0.0272' });
      expect(res.body.data.groups[2]).toMatchObject({ calls: 1, reconciledCalls: 0, driftUsdExact: null, unpricedReportedCalls: 1, unpricedReportedCostUsdExact: '0.02' });
    });

    it('groups one day per workflow, exact at both ends of the range', async () => {
      const res = await get(key, '/v1/cost/reconciliation?from=2026-03-10T00:00:00Z&to=2026-03-10T23:59:59.999Z&group_by=workflow');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        workspaceId: ws,
        from: '2026-03-10T00:00:00.000Z',
        to: '2026-03-10T23:59:59.999Z',
        groupBy: 'workflow',
        // −0.004 / 0.0715 = −0.0559440…
        total: withRatio([c1, c2, c3, c4, c5], '-0.055944'),
        groups: [
          // −0.005 / 0.05
          { key: 'wf_b', ...withRatio([c4, c5], '-0.1') },
          // 0.001 / 0.0215 = 0.0465116…
          { key: 'wf_a', ...withRatio([c1, c2, c3], '0.046512') },
        ],
        worstCalls: [worst(c4, '-0.1'), worst(c2, '0.071429'), worst(c1, '0')],
      });
    });

    it('counts a call at from and one at to (both inclusive) and none outside, with group_by=none', async () => {
      const res = await get(key, '/v1/cost/reconciliation?from=2026-03-10T10:05:00Z&to=2026-03-10T11:00:00.000Z&group_by=none');
      expect(res.body.data).toMatchObject({
        groupBy: 'none',
        // c2, c3 and c4: 0.06 against 0.064.
        total: withRatio([c2, c3, c4], '-0.0625'),
        groups: [],
        worstCalls: [worst(c4, '-0.1'), worst(c2, '0.071429')],
      });
      expect(res.body.data.total).toMatchObject({ calls: 3, computedCostUsdExact: '0.06', reportedCostUsdExact: '0.064', unpricedReportedCostUsdExact: null });
    });

    it('groups per phase, calls without one under the null key', async () => {
      const res = await get(key, '/v1/cost/reconciliation?group_by=phase');
      expect(res.body.data.groups.map((g: Record<string, unknown>) => [g.key, g.calls, g.driftUsdExact])).toEqual([
        ['p2', 2, '-0.005'],
        ['p1', 3, '0.001'],
        [null, 5, '0.00025'],
      ]);
    });

    it('answers a range without calls with zero calls and no figures', async () => {
      const res = await get(key, '/v1/cost/reconciliation?from=2030-01-01T00:00:00Z');
      expect(res.body.data).toEqual({
        workspaceId: ws, from: '2030-01-01T00:00:00.000Z', to: null, groupBy: 'model',
        total: withRatio([], null), groups: [], worstCalls: [],
      });
    });

    it('lists only the ten worst calls, by absolute drift', async () => {
      const res = await get(manyKey, '/v1/cost/reconciliation');
      // The k-th call drifts k × 0.0001 on 0.0025 − k × 0.0001 reported.
      expect(res.body.data.worstCalls.map((c: Record<string, unknown>) => [c.eventId, c.driftUsdExact])).toEqual(
        [12, 11, 10, 9, 8, 7, 6, 5, 4, 3].map((k) => [`m${String(k).padStart(2, '0')}`, new Big('0.0001').times(k).toFixed()]),
      );
      // 0.0012 / 0.0013 = 0.923076923…
      expect(res.body.data.worstCalls[0].driftRatio).toBe('0.923077');
      expect(res.body.data.total).toMatchObject({ reconciledCalls: 12, driftUsdExact: '0.0078', reportedCostUsdExact: '0.0222' });
    });

    it('reads only the caller’s workspace; the admin key names one', async () => {
      const foreign = await get(foreignKey, '/v1/cost/reconciliation');
      expect(foreign.body.data.total).toMatchObject({
        calls: 2, reconciledCalls: 1, computedCostUsdExact: '0.0075', reportedCostUsdExact: '1', driftUsdExact: '-0.9925', driftRatio: '-0.9925',
        unpricedReportedCalls: 1, unpricedReportedCostUsdExact: '9',
      });
      expect(foreign.body.data.worstCalls.map((c: Record<string, unknown>) => c.driftUsdExact)).toEqual(['-0.9925']);
      // A workspace key asking for another workspace still reads its own.
      const asked = await get(key, `/v1/cost/reconciliation?workspace_id=${foreignWs}`);
      expect(asked.body.data).toMatchObject({ workspaceId: ws, total: { calls: 10, driftUsdExact: '-0.00375' } });
      const admin = await get(ADMIN_KEY, `/v1/cost/reconciliation?workspace_id=${ws}`);
      expect(admin.body).toEqual((await get(key, '/v1/cost/reconciliation')).body);
    });

    it.each([
      ['group_by=tool', 'group_by', 'group_by must be one of model, workflow, phase, none'],
      ['from=yesterday', 'from', 'from must be an ISO-8601 date-time with a timezone and at most millisecond precision, e.g. 2026-04-01T00:00:00Z'],
      ['to=2026-04-31T00:00:00Z', 'to', expect.stringMatching(/^to /)],
      ['from=2026-03-11T00:00:00Z&to=2026-03-10T00:00:00Z', 'from', 'from must not be after to'],
      ['from=2026-03-10T00:00:00.0001Z', 'from', expect.stringContaining('at most millisecond precision')],
    ])('refuses %s with a 400 naming %s', async (query, field, message) => {
      const res = await get(key, `/v1/cost/reconciliation?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'VALIDATION_ERROR', message: expect.any(String), details: [{ field, location: 'query', message }] } });
    });

    it('refuses the admin key without a workspace_id, and a request without a key', async () => {
      const admin = await get(ADMIN_KEY, '/v1/cost/reconciliation');
      expect(admin.status).toBe(400);
      expect(admin.body.error.details).toEqual([{ field: 'workspace_id', location: 'query', message: 'the admin key must name the workspace_id to reconcile' }]);
      expect((await t.http.get('/v1/cost/reconciliation')).status).toBe(401);
    });
  });
});
