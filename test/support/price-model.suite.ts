import { createHash, randomBytes } from 'node:crypto';
import Big from 'big.js';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp, TestEventStore } from '@ledger/testing';

/**
 * Issue 14's worked example (section 5) over HTTP: a row with 1-hour cache writes, web search and modifiers,
 * a reasoning rate added and restated, and a negotiated multiplier for one workspace, previewed, restated for
 * that workspace only, and equal byte for byte to a replay of the log. It runs once per event store (see the
 * two price-model spec files). Each test prices a model of its own, so it reads only what it wrote.
 */
export const describePriceModel = (eventStore: TestEventStore) => describe(`The 2026 price model over HTTP (${eventStore} event store)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, eventStore);
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = { 'x-api-key': ADMIN_KEY };
  const freshModel = () => `m-${randomBytes(5).toString('hex')}`;
  const ROW = {
    effective_from: '2026-01-01T00:00:00Z',
    rates: { input: '5', output: '25', cache_creation: '6.25', cache_creation_1h: '10', cache_read: '0.5', web_search: '10' },
    modifiers: { speed: { fast: '2' }, inference_geo: { us: '1.1' } },
  };
  /** The example's call: 500 of its 2000 output tokens are reasoning, 8000 of its 12000 cache writes go to the 1-hour cache. */
  const USAGE = {
    input_tokens: 1000, output_tokens: 2000, reasoning_tokens: 500, cache_creation_tokens: 12000, cache_creation_1h_tokens: 8000,
    cache_read_tokens: 100000, web_search_requests: 3, speed: 'fast', inference_geo: 'us',
  };
  const call = (model: string, id: string, session: string) => ({
    event_id: id, type: 'TokenUsed', session_id: session, occurred_at: '2026-03-02T10:00:00.000Z', model, ...USAGE,
  });

  /**
   * The oracle, written from the issue's arithmetic rather than the ledger's: a subset's units at its own rate
   * (else its parent's) and the parent's remainder at the parent's, per 1M tokens; times the modifiers; plus
   * the searches per 1,000. `k` is a negotiated multiplier of every rate.
   */
  const listCost = (rates: Record<string, string>, k = '1') => {
    const r = (key: string, fallback: string) => new Big(rates[key] ?? rates[fallback]).times(k);
    const tokens = r('input', 'input').times(USAGE.input_tokens)
      .plus(r('output', 'output').times(USAGE.output_tokens - USAGE.reasoning_tokens))
      .plus(r('reasoning', 'output').times(USAGE.reasoning_tokens))
      .plus(r('cache_creation', 'input').times(USAGE.cache_creation_tokens - USAGE.cache_creation_1h_tokens))
      .plus(r('cache_creation_1h', 'input').times(USAGE.cache_creation_1h_tokens))
      .plus(r('cache_read', 'cache_read').times(USAGE.cache_read_tokens))
      .div(1_000_000);
    return tokens.times('2').times('1.1').plus(r('web_search', 'web_search').times(USAGE.web_search_requests).div(1000)).toFixed();
  };

  const record = async (key: string, events: unknown[]) => {
    const res = await t.http.post('/v1/events').set('x-api-key', key).send({ events });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 202 });
    return res.body.data.position as string;
  };
  const session = async (key: string, id: string, after?: string) => {
    const res = await t.http.get(`/costs/sessions/${id}${after ? `?after=${after}` : ''}`).set('x-api-key', key);
    expect(res.status).toBe(200);
    return res.body as { total_cost_usd: string; token_cost_usd: string; pricing_status: string; pricing_version: number };
  };
  const putRow = async (model: string, body: object) => {
    const res = await t.http.put(`/v1/pricing/models/${model}`).set(admin).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    return res.body.data as { catalog_version: number; affected: { events: number }; rebuild: { state: string; id?: number } };
  };

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

  const TABLES: Record<string, string> = {
    cost_facts: 'workspace_id, event_id',
    session_costs: 'workspace_id, session_id',
    hourly_costs: 'workspace_id, dimension, hour, key',
    daily_costs: 'workspace_id, dimension, day, key',
    execution_index: 'workspace_id, execution_id',
  };
  /** Every read-model row of `workspace`, as canonical JSON text, table by table. */
  const rowsOf = async (workspace: string) => {
    const out: Record<string, string[]> = {};
    for (const [table, order] of Object.entries(TABLES)) {
      const { rows } = await t.db.pool.query(`SELECT to_jsonb(x)::text AS row FROM read_model.${table} x WHERE workspace_id = $1 ORDER BY ${order}`, [workspace]);
      out[table] = rows.map((r) => r.row as string);
    }
    return out;
  };
  /** A canonical dump of the whole read model (checkpoint timestamps aside), hashed. */
  const readModelHash = async () => {
    const hash = createHash('sha256');
    for (const [table, order] of Object.entries(TABLES)) {
      const { rows } = await t.db.pool.query(`SELECT to_jsonb(x)::text AS row FROM read_model.${table} x ORDER BY ${order}`);
      for (const r of rows) hash.update(r.row);
    }
    const { rows } = await t.db.pool.query(`SELECT commit_pos::text, prepare_pos::text, events_applied::text, pricing_version::text FROM read_model.checkpoint`);
    hash.update(JSON.stringify(rows));
    return hash.digest('hex');
  };

  it('prices the worked example exactly: 1-hour cache writes, reasoning at the output rate, modifiers on tokens, web search per 1,000: 0.492', async () => {
    const model = freshModel();
    await putRow(model, ROW);
    const row = (await t.http.get(`/v1/pricing/models/${model}`).set(admin)).body.data.rows[0];
    expect(row).toEqual({ model, effective_from: '2026-01-01T00:00:00.000Z', effective_to: null, rates: ROW.rates, modifiers: ROW.modifiers });

    const key = await t.keyFor(freshWorkspace('pm'));
    const body = await session(key, 's1', await record(key, [call(model, 'e1', 's1')]));
    expect(listCost(ROW.rates)).toBe('0.492');
    expect(body).toMatchObject({ total_cost_usd: '0.492', token_cost_usd: '0.492', pricing_status: 'complete' });
  });

  it('restates recorded usage exactly when the row gains a reasoning rate: 0.4975', async () => {
    const model = freshModel();
    await putRow(model, ROW);
    const key = await t.keyFor(freshWorkspace('pm'));
    expect((await session(key, 's1', await record(key, [call(model, 'e1', 's1')]))).total_cost_usd).toBe('0.492');

    const withReasoning = { ...ROW, rates: { ...ROW.rates, reasoning: '30' }, reason: 'reasoning has its own rate' };
    const change = await putRow(model, withReasoning);
    expect(change).toMatchObject({ affected: { events: 1 }, rebuild: { state: 'queued' } });
    await waitForRebuild(change.rebuild.id!);
    expect(listCost(withReasoning.rates)).toBe('0.4975');
    expect(await session(key, 's1')).toMatchObject({ total_cost_usd: '0.4975', pricing_status: 'complete', pricing_version: change.catalog_version });
  });

  it('previews and restates a change of modifiers exactly, equal byte for byte to a replay of the log', async () => {
    const model = freshModel();
    await putRow(model, ROW);
    const ws = freshWorkspace('pmM');
    const key = await t.keyFor(ws);
    expect((await session(key, 's1', await record(key, [call(model, 'e1', 's1')]))).total_cost_usd).toBe('0.492');
    // Fast mode at 6× instead of 2×: the token cost (0.21) moves, the searches (0.03) do not.
    const sixFold = { ...ROW, modifiers: { ...ROW.modifiers, speed: { fast: '6' } } };
    const expected = new Big('0.21').times(6).times('1.1').plus('0.03').toFixed();
    expect(expected).toBe('1.416');

    const preview = await t.http.post('/v1/pricing/preview').set(admin).send({ action: 'set', model, price: sixFold });
    expect(preview.body.data.lines).toEqual([
      { workspace_id: ws, model, events: 1, before_usd: '0.492', after_usd: expected, delta_usd: '0.924', unpriced_before: 0, unpriced_after: 0 },
    ]);
    const change = await putRow(model, sixFold);
    expect(change).toMatchObject({ affected: { events: 1 }, rebuild: { state: 'queued' } });
    await waitForRebuild(change.rebuild.id!);
    expect((await session(key, 's1')).total_cost_usd).toBe(expected);

    const restated = await readModelHash();
    const replay = await t.http.post('/v1/admin/projections/rebuild').set(admin).send({ source: 'log', reason: 'replay check' });
    await waitForRebuild(replay.body.data.rebuild_id);
    expect(await readModelHash()).toBe(restated);
  });

  it("previews and restates a workspace's negotiated multiplier for its usage only, equal byte for byte to a replay of the log", async () => {
    const model = freshModel();
    await putRow(model, ROW);
    const [a, b] = [freshWorkspace('pmA'), freshWorkspace('pmB')];
    const [keyA, keyB] = [await t.keyFor(a), await t.keyFor(b)];
    await record(keyA, [call(model, 'e1', 's1')]);
    const settled = await record(keyB, [call(model, 'e1', 's1')]);
    expect((await session(keyB, 's1', settled)).total_cost_usd).toBe('0.492');
    const bBefore = await rowsOf(b);
    const aBefore = await rowsOf(a);
    const override = { effective_from: '2026-01-01T00:00:00Z', multiplier: '0.8', reason: 'contract 2026' };
    const discounted = listCost(ROW.rates, '0.8');
    expect(discounted).toBe(new Big('0.492').times('0.8').toFixed());

    const version = (await t.http.get('/v1/pricing/models').set(admin)).body.data.version;
    const preview = await t.http.post('/v1/pricing/preview').set(admin).send({ action: 'set', model, workspace_id: a, price: override });
    expect({ status: preview.status, body: preview.body }).toMatchObject({ status: 200 });
    expect(preview.body.data).toEqual({
      catalog_version: version,
      affected: { events: 1, from: '2026-03-02T10:00:00.000Z', to: '2026-03-02T10:00:00.000Z' },
      totals: { before_usd: '0.492', after_usd: discounted, delta_usd: new Big(discounted).minus('0.492').toFixed() },
      lines: [
        { workspace_id: a, model, events: 1, before_usd: '0.492', after_usd: discounted, delta_usd: '-0.0984', unpriced_before: 0, unpriced_after: 0 },
      ],
    });
    expect((await t.http.get('/v1/pricing/models').set(admin)).body.data.version).toBe(version);

    const set = await t.http.put(`/v1/pricing/workspaces/${a}/models/${model}`).set(admin).send(override);
    expect({ status: set.status, body: set.body }).toMatchObject({ status: 200 });
    expect(set.body.data).toEqual({
      catalog_version: version + 1,
      affected: { events: 1, from: '2026-03-02T10:00:00.000Z', to: '2026-03-02T10:00:00.000Z' },
      rebuild: { state: 'queued', id: expect.any(Number) },
    });
    await waitForRebuild(set.body.data.rebuild.id);

    expect(await session(keyA, 's1')).toMatchObject({ total_cost_usd: discounted, pricing_status: 'complete', pricing_version: version + 1 });
    expect((await session(keyB, 's1')).total_cost_usd).toBe('0.492');
    expect(await rowsOf(b)).toEqual(bBefore);
    const aAfter = await rowsOf(a);
    expect(aAfter.cost_facts).toEqual(aBefore.cost_facts);
    expect(aAfter.session_costs).not.toEqual(aBefore.session_costs);

    // The restated read model is what a replay of the log with this catalog gives.
    const restated = await readModelHash();
    const replay = await t.http.post('/v1/admin/projections/rebuild').set(admin).send({ source: 'log', reason: 'replay check' });
    expect(replay.status).toBe(202);
    await waitForRebuild(replay.body.data.rebuild_id);
    expect(await readModelHash()).toBe(restated);

    // The model's own history is its list price's: the workspace's negotiated price is listed under the workspace.
    expect((await t.http.get(`/v1/pricing/models/${model}`).set(admin)).body.data.changes.map((c: { type: string }) => c.type)).toEqual(['PriceSet']);
    const listed = await t.http.get(`/v1/pricing/workspaces/${a}`).set(admin);
    expect(listed.body).toEqual({
      success: true,
      data: {
        version: expect.any(Number),
        workspace_id: a,
        overrides: [{ workspace_id: a, model, effective_from: '2026-01-01T00:00:00.000Z', effective_to: null, multiplier: '0.8' }],
        changes: [
          {
            version: version + 1, type: 'WorkspacePriceSet', recorded_at: expect.any(String),
            data: { workspace_id: a, model, effective_from: '2026-01-01T00:00:00.000Z', effective_to: null, multiplier: '0.8', reason: 'contract 2026' },
          },
        ],
      },
    });
  });

  it('removes a negotiated price by effective_from, restating that workspace at list price again', async () => {
    const model = freshModel();
    await putRow(model, ROW);
    const a = freshWorkspace('pmR');
    const key = await t.keyFor(a);
    const set = await t.http.put(`/v1/pricing/workspaces/${a}/models/*`).set(admin).send({
      effective_from: '2026-03-01T00:00:00Z', rates: { input: '1', output: '1', cache_read: '0' }, modifiers: { speed: { fast: '3' } },
    });
    expect(set.body.data).toMatchObject({ affected: { events: 0 }, rebuild: { state: 'not_needed' } });
    // Its own rates with no web_search rate: the searches are unpriced, the call partial (never billed $0 for them).
    const own = new Big(1000 + 2000 + 12000).times(1).times(3).div(1_000_000).toFixed();
    expect(await session(key, 's1', await record(key, [call(model, 'e1', 's1')]))).toMatchObject({ token_cost_usd: own, pricing_status: 'partial' });

    const missing = await t.http.delete(`/v1/pricing/workspaces/${a}/models/*?effective_from=2026-02-01T00:00:00Z`).set(admin);
    expect({ status: missing.status, code: missing.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const dryRun = await t.http.post('/v1/pricing/preview').set(admin).send({ action: 'remove', model: '*', workspace_id: a, effective_from: '2026-03-01T00:00:00Z' });
    expect(dryRun.body.data.lines).toEqual([
      { workspace_id: a, model, events: 1, before_usd: own, after_usd: '0.492', delta_usd: new Big('0.492').minus(own).toFixed(), unpriced_before: 1, unpriced_after: 0 },
    ]);
    const removed = await t.http.delete(`/v1/pricing/workspaces/${a}/models/*?effective_from=2026-03-01T00:00:00Z`).set(admin);
    expect(removed.body.data).toMatchObject({ affected: { events: 1 }, rebuild: { state: 'queued' } });
    await waitForRebuild(removed.body.data.rebuild.id);
    expect(await session(key, 's1')).toMatchObject({ total_cost_usd: '0.492', pricing_status: 'complete' });
    expect((await t.http.get(`/v1/pricing/workspaces/${a}`).set(admin)).body.data).toMatchObject({
      overrides: [],
      changes: [{ type: 'WorkspacePriceSet' }, { type: 'WorkspacePriceRemoved', data: { workspace_id: a, model: '*', effective_from: '2026-03-01T00:00:00.000Z' } }],
    });
  });

  it('validates negotiated prices and keeps them for the admin key', async () => {
    const bad = await t.http.put('/v1/pricing/workspaces/a%20b/models/m').set(admin).send({ effective_from: '2026-01-01T00:00:00Z', multiplier: '0.8' });
    expect({ status: bad.status, details: bad.body.error?.details }).toEqual({
      status: 400, details: [{ field: 'workspace_id', location: 'path', message: 'workspace_id must be 1-64 characters of letters, digits, _ - .' }],
    });
    const both = await t.http.put('/v1/pricing/workspaces/ws1/models/m').set(admin).send({ effective_from: '2026-01-01T00:00:00Z', multiplier: '0.8', rates: ROW.rates });
    expect({ status: both.status, details: both.body.error?.details }).toEqual({
      status: 400, details: [{ field: 'rates', location: 'body', message: 'give exactly one of rates or multiplier' }],
    });
    const modifier = await t.http.put(`/v1/pricing/models/${freshModel()}`).set(admin).send({ ...ROW, modifiers: { speed: { fast: '-2' } } });
    expect({ status: modifier.status, fields: modifier.body.error?.details?.map((d: { field: string }) => d.field) }).toEqual({ status: 400, fields: ['modifiers.speed.fast'] });
    const workspaceKey = await t.keyFor(freshWorkspace());
    expect((await t.http.get('/v1/pricing/workspaces/ws1').set('x-api-key', workspaceKey)).status).toBe(403);
    expect((await t.http.put('/v1/pricing/workspaces/ws1/models/m').set('x-api-key', workspaceKey).send({ effective_from: '2026-01-01T00:00:00Z', multiplier: '0.8' })).status).toBe(403);
  });
});
