import { USAGE_CLASSES, UsageField } from '@ledger/pricing';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * Unpriced usage you can see and fix (issue 15 §3) over real HTTP: each model name as sent (with its
 * provider) whose calls have no price, why (no catalog model, no row in force then, or a class without a
 * rate), its calls, usage, first and last instants and the workspaces affected; and a price set through the
 * admin API restating those calls off the list.
 */

const admin = { 'x-api-key': ADMIN_KEY };
/** Every class's count, 0 unless given: the keys come from the price model, as the routes derive them. */
/** An entry as the /v1/cost family answers it: the admin route's keys, camelCase (written out, not derived from the service's helper). */
const stevora = (entry: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(entry).map(([k, v]) => [k.split('_').map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join(''), v]));
const usage = (given: Partial<Record<UsageField, number>>) => Object.fromEntries(USAGE_CLASSES.map((c) => [c.field, given[c.field] ?? 0]));

/** Names no catalog rule should claim: the spec's own models. */
const MYSTERY = 'unp-mystery-7b';
const FUTURE = 'unp-future-1';
const NO_SEARCH = 'unp-nosearch-1';
const RATES = { input: '1', output: '2', cache_read: '0.1' };

const call = (event_id: string, occurred_at: string, model: string, fields: Record<string, unknown>) => ({
  type: 'TokenUsed',
  event_id,
  session_id: `sess_${event_id}`,
  occurred_at,
  model,
  ...fields,
});

/** Workspace A: an unknown model from provider acme and without one, a model before its first row, web search without a rate, a priced call. */
const A_EVENTS = [
  call('u1', '2026-03-10T10:05:00.123Z', MYSTERY, { provider: 'acme', input_tokens: 1000, output_tokens: 200 }),
  call('u2', '2026-03-10T12:40:00.000Z', MYSTERY, { provider: 'acme', input_tokens: 500, output_tokens: 50, cache_read_tokens: 300 }),
  call('u3', '2026-03-10T10:06:00.000Z', MYSTERY, { input_tokens: 10, output_tokens: 1 }),
  call('f1', '2026-03-10T11:00:00.000Z', FUTURE, { input_tokens: 2000, output_tokens: 100 }),
  call('s1', '2026-03-10T11:30:00.000Z', NO_SEARCH, { input_tokens: 100, output_tokens: 10, web_search_requests: 2 }),
  // Priced, in the same hour as s1 and of the same model: read with it, never listed.
  call('p1', '2026-03-10T11:31:00.000Z', NO_SEARCH, { input_tokens: 100, output_tokens: 10 }),
  // Priced by the shipped catalog, through resolution (a dated snapshot under its provider): never listed.
  call('p2', '2026-03-10T11:32:00.000Z', 'claude-sonnet-4-5-20250929', { provider: 'anthropic', input_tokens: 100, output_tokens: 10 }),
];
/** Workspace B: the unknown model once, a day later. */
const B_EVENTS = [call('b1', '2026-03-11T09:00:00.000Z', MYSTERY, { provider: 'acme', input_tokens: 40, output_tokens: 4 })];

describe('unpriced usage', () => {
  let t: TestApp;
  let wsA: string;
  let wsB: string;
  let keyA: string;
  let keyB: string;

  const hints = {
    mysteryAcme: `No catalog model matches ${MYSTERY} from provider acme: set a price for it with PUT /v1/pricing/models/${MYSTERY}, list it in a priced model's aliases with PUT /v1/pricing/models/{model}, or import a catalog that matches it (ledger catalog import).`,
    mystery: `No catalog model matches ${MYSTERY}: set a price for it with PUT /v1/pricing/models/${MYSTERY}, list it in a priced model's aliases with PUT /v1/pricing/models/{model}, or import a catalog that matches it (ledger catalog import).`,
    future: `${FUTURE} resolves to ${FUTURE}, which has no price row in force then: set one effective from 2026-03-10T11:00:00.000Z or earlier with PUT /v1/pricing/models/${FUTURE}, or import a catalog that has one (ledger catalog import).`,
    noSearch: `The row pricing ${NO_SEARCH} has no web_search rate, which these calls used: set the row again with it (PUT /v1/pricing/models/${NO_SEARCH}).`,
  };

  /** The entries as the workspace route answers them (the admin route adds `workspaces`). */
  const entries = () => ({
    mysteryAcmeA: {
      model: MYSTERY, provider: 'acme', resolved_model: null, reason: 'unresolved', missing_rates: [], calls: 2,
      ...usage({ input_tokens: 1500, output_tokens: 250, cache_read_tokens: 300 }),
      first_seen: '2026-03-10T10:05:00.123Z', last_seen: '2026-03-10T12:40:00.000Z', hint: hints.mysteryAcme,
    },
    mysteryAcmeB: {
      model: MYSTERY, provider: 'acme', resolved_model: null, reason: 'unresolved', missing_rates: [], calls: 1,
      ...usage({ input_tokens: 40, output_tokens: 4 }),
      first_seen: '2026-03-11T09:00:00.000Z', last_seen: '2026-03-11T09:00:00.000Z', hint: hints.mysteryAcme,
    },
    future: {
      model: FUTURE, provider: null, resolved_model: FUTURE, reason: 'no_price_then', missing_rates: [], calls: 1,
      ...usage({ input_tokens: 2000, output_tokens: 100 }),
      first_seen: '2026-03-10T11:00:00.000Z', last_seen: '2026-03-10T11:00:00.000Z', hint: hints.future,
    },
    mystery: {
      model: MYSTERY, provider: null, resolved_model: null, reason: 'unresolved', missing_rates: [], calls: 1,
      ...usage({ input_tokens: 10, output_tokens: 1 }),
      first_seen: '2026-03-10T10:06:00.000Z', last_seen: '2026-03-10T10:06:00.000Z', hint: hints.mystery,
    },
    noSearch: {
      model: NO_SEARCH, provider: null, resolved_model: NO_SEARCH, reason: 'partial', missing_rates: ['web_search'], calls: 1,
      ...usage({ input_tokens: 100, output_tokens: 10, web_search_requests: 2 }),
      first_seen: '2026-03-10T11:30:00.000Z', last_seen: '2026-03-10T11:30:00.000Z', hint: hints.noSearch,
    },
  });

  async function waitForRebuild(id: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await t.http.get('/v1/admin/projections').set(admin);
      const { rebuild, pending_rebuilds } = res.body.data[0];
      if (rebuild?.id >= id && rebuild.state === 'done' && pending_rebuilds === 0) return;
      if (rebuild?.state === 'failed') throw new Error(`rebuild failed: ${rebuild.error}`);
      if (Date.now() > deadline) throw new Error(`rebuild ${id} did not finish: ${JSON.stringify(res.body.data[0])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    t = await startTestApp();
    [wsA, wsB] = [freshWorkspace('unp_a'), freshWorkspace('unp_b')].sort();
    [keyA, keyB] = [await t.keyFor(wsA), await t.keyFor(wsB)];
    // Prices set before any usage touch none: no rebuild.
    for (const [model, effective_from] of [[FUTURE, '2027-01-01T00:00:00Z'], [NO_SEARCH, '2026-01-01T00:00:00Z']]) {
      const res = await t.http.put(`/v1/pricing/models/${model}`).set(admin).send({ effective_from, rates: RATES, reason: 'unpriced spec' });
      expect(res.status).toBe(200);
      expect(res.body.data.rebuild.state).toBe('not_needed');
    }
    expect((await t.http.post('/v1/events').set('x-api-key', keyA).send({ events: A_EVENTS })).status).toBe(202);
    const last = await t.http.post('/v1/events').set('x-api-key', keyB).send({ events: B_EVENTS });
    expect(last.status).toBe(202);
    // The checkpoint is one for all workspaces: once B's position is projected, so is A's batch before it.
    const seen = await t.http.get(`/v1/cost/summary?after=${last.body.data.position}`).set('x-api-key', keyB);
    expect(seen.headers['ledger-consistency']).toBe('consistent');
  });
  afterAll(async () => {
    await t.close();
  });

  it("lists a workspace's own unpriced model names, most calls first, with why and how to fix each; never a priced call", async () => {
    const res = await t.http.get('/v1/cost/unpriced').set('x-api-key', keyA);
    expect(res.status).toBe(200);
    const e = entries();
    expect(res.body).toEqual({ success: true, data: { workspaceId: wsA, from: null, to: null, models: [e.mysteryAcmeA, e.future, e.mystery, e.noSearch].map(stevora) } });
  });

  it('confines a workspace key to its own workspace, whatever workspace_id it names; the admin key names one', async () => {
    const e = entries();
    const own = { success: true, data: { workspaceId: wsB, from: null, to: null, models: [e.mysteryAcmeB].map(stevora) } };
    expect((await t.http.get(`/v1/cost/unpriced?workspace_id=${wsA}`).set('x-api-key', keyB)).body).toEqual(own);
    expect((await t.http.get(`/v1/cost/unpriced?workspace_id=${wsB}`).set(admin)).body).toEqual(own);
    const unnamed = await t.http.get('/v1/cost/unpriced').set(admin);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.details).toEqual([expect.objectContaining({ field: 'workspace_id', location: 'query' })]);
  });

  it('lists every workspace for the admin key, with the workspaces affected and their calls', async () => {
    const res = await t.http.get('/v1/pricing/unpriced').set(admin);
    expect(res.status).toBe(200);
    const e = entries();
    const only = (ws: string, calls: number) => [{ workspace_id: ws, calls }];
    expect(res.body).toEqual({
      success: true,
      data: {
        from: null,
        to: null,
        models: [
          {
            ...e.mysteryAcmeA, calls: 3, ...usage({ input_tokens: 1540, output_tokens: 254, cache_read_tokens: 300 }), last_seen: '2026-03-11T09:00:00.000Z',
            workspaces: [{ workspace_id: wsA, calls: 2 }, { workspace_id: wsB, calls: 1 }],
          },
          { ...e.future, workspaces: only(wsA, 1) },
          { ...e.mystery, workspaces: only(wsA, 1) },
          { ...e.noSearch, workspaces: only(wsA, 1) },
        ],
      },
    });
    expect((await t.http.get('/v1/pricing/unpriced').set('x-api-key', keyA)).status).toBe(403);
  });

  it('cuts to from and to, both inclusive, to the millisecond', async () => {
    const e = entries();
    const hour = await t.http.get('/v1/cost/unpriced?from=2026-03-10T11:00:00Z&to=2026-03-10T12:30:00%2B01:00').set('x-api-key', keyA);
    expect(hour.body.data).toEqual({ workspaceId: wsA, from: '2026-03-10T11:00:00.000Z', to: '2026-03-10T11:30:00.000Z', models: [e.future, e.noSearch].map(stevora) });
    const late = await t.http.get('/v1/pricing/unpriced?from=2026-03-10T10:05:00.124Z').set(admin);
    expect(late.body.data.models).toEqual([
      {
        ...e.mysteryAcmeA, ...usage({ input_tokens: 540, output_tokens: 54, cache_read_tokens: 300 }),
        first_seen: '2026-03-10T12:40:00.000Z', last_seen: '2026-03-11T09:00:00.000Z',
        workspaces: [{ workspace_id: wsA, calls: 1 }, { workspace_id: wsB, calls: 1 }],
      },
      { ...e.future, workspaces: [{ workspace_id: wsA, calls: 1 }] },
      { ...e.mystery, workspaces: [{ workspace_id: wsA, calls: 1 }] },
      { ...e.noSearch, workspaces: [{ workspace_id: wsA, calls: 1 }] },
    ]);
    // Across a UTC day: both bounds land exactly on a call.
    const days = await t.http.get('/v1/pricing/unpriced?from=2026-03-10T12:40:00Z&to=2026-03-11T09:00:00Z').set(admin);
    expect(days.body.data.models).toEqual([
      {
        ...e.mysteryAcmeA, ...usage({ input_tokens: 540, output_tokens: 54, cache_read_tokens: 300 }),
        first_seen: '2026-03-10T12:40:00.000Z', last_seen: '2026-03-11T09:00:00.000Z',
        workspaces: [{ workspace_id: wsA, calls: 1 }, { workspace_id: wsB, calls: 1 }],
      },
    ]);
    const none = await t.http.get('/v1/pricing/unpriced?to=2026-03-10T10:05:00.122Z').set(admin);
    expect(none.body.data).toEqual({ from: null, to: '2026-03-10T10:05:00.122Z', models: [] });
  });

  it('refuses a bad range naming the field', async () => {
    const refused = async (query: string) => {
      const res = await t.http.get(`/v1/pricing/unpriced?${query}`).set(admin);
      expect(res.status).toBe(400);
      return res.body.error.details.map((d: { field: string; message: string }) => [d.field, d.message]);
    };
    expect(await refused('from=yesterday')).toEqual([
      ['from', 'from must be an ISO-8601 date-time with a timezone and at most millisecond precision, e.g. 2026-04-01T00:00:00Z'],
    ]);
    expect(await refused('to=2026-02-30T00:00:00Z')).toEqual([['to', 'to is not a valid date-time: 2026-02-30 is not a calendar date']]);
    expect(await refused('from=2026-03-10T00:00:00.0001Z')).toEqual([
      ['from', 'from must be an ISO-8601 date-time with a timezone and at most millisecond precision, e.g. 2026-04-01T00:00:00Z'],
    ]);
    expect(await refused('from=2026-03-11T00:00:00Z&to=2026-03-10T00:00:00Z')).toEqual([['from', 'from must not be after to']]);
  });

  it('drops a model off the list once a price set for it has restated its calls', async () => {
    const change = await t.http
      .put(`/v1/pricing/models/${MYSTERY}`)
      .set(admin)
      .send({ effective_from: '2026-01-01T00:00:00Z', rates: { input: '0.5', output: '1.5', cache_read: '0.05' }, reason: 'priced from the unpriced list' });
    expect(change.status).toBe(200);
    expect(change.body.data).toMatchObject({ affected: { events: 4 }, rebuild: { state: 'queued' } });
    await waitForRebuild(change.body.data.rebuild.id);

    const e = entries();
    const res = await t.http.get('/v1/pricing/unpriced').set(admin);
    expect(res.body.data.models).toEqual([
      { ...e.future, workspaces: [{ workspace_id: wsA, calls: 1 }] },
      { ...e.noSearch, workspaces: [{ workspace_id: wsA, calls: 1 }] },
    ]);
    expect((await t.http.get('/v1/cost/unpriced').set('x-api-key', keyB)).body.data.models).toEqual([]);
    // Restated, not dropped: B's one call at 0.5 and 1.5 per 1M, 40 × 0.5 + 4 × 1.5 = 26 per 1M.
    const summary = (await t.http.get('/v1/cost/summary').set('x-api-key', keyB)).body.data;
    expect(summary).toMatchObject({ totalCostUsdExact: '0.000026', unpricedCalls: 0, totalCalls: 1 });
  });
});

describe('unpriced usage on a projector-only process', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_ROLE: 'projector' });
  });
  afterAll(() => t.close());

  it('mounts neither route', async () => {
    expect((await t.http.get('/v1/pricing/unpriced').set(admin)).status).toBe(404);
    expect((await t.http.get('/v1/cost/unpriced?workspace_id=w1').set(admin)).status).toBe(404);
  });
});
