import { createHash } from 'node:crypto';
import Big from 'big.js';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/** The catalog's version once seeded with the shipped snapshot (one event), and after one more change. */
const SEEDED = 1;
const CHANGED = SEEDED + 1;

/**
 * Pricing as events, and exact restatement of history: a price change that
 * touches recorded usage rebuilds every cost projection blue/green, and the
 * result equals an independent recomputation from the raw events.
 */
describe('Pricing changes and replay', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = () => ({ 'x-api-key': ADMIN_KEY });
  const post = (key: string, events: unknown[]) => t.http.post('/v1/events').set('x-api-key', key).send({ events });
  const get = (key: string, path: string) => t.http.get(path).set('x-api-key', key);

  async function waitForRebuild(id: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await t.http.get('/v1/admin/projections').set(admin());
      const { rebuild, pending_rebuilds } = res.body.data[0];
      if (rebuild?.id >= id && rebuild.state === 'done' && pending_rebuilds === 0) return;
      if (rebuild?.state === 'failed') throw new Error(`rebuild failed: ${rebuild.error}`);
      if (Date.now() > deadline) throw new Error(`rebuild ${id} did not finish: ${JSON.stringify(res.body.data[0])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A canonical dump of the whole read model (checkpoint timestamps aside), hashed. */
  async function readModelHash(): Promise<string> {
    const tables: Record<string, string> = {
      cost_facts: 'workspace_id, event_id',
      session_costs: 'workspace_id, session_id',
      hourly_costs: 'workspace_id, dimension, hour, key',
      daily_costs: 'workspace_id, dimension, day, key',
      execution_index: 'workspace_id, execution_id',
    };
    const hash = createHash('sha256');
    for (const [table, order] of Object.entries(tables)) {
      const { rows } = await t.db.pool.query(`SELECT to_jsonb(x)::text AS row FROM read_model.${table} x ORDER BY ${order}`);
      for (const r of rows) hash.update(r.row);
    }
    const { rows } = await t.db.pool.query(`SELECT commit_pos::text, prepare_pos::text, events_applied::text, pricing_version::text FROM read_model.checkpoint`);
    hash.update(JSON.stringify(rows));
    return hash.digest('hex');
  }

  interface Call {
    event_id: string;
    session_id: string;
    execution_id: string;
    model: string;
    input_tokens: number;
    output_tokens: number;
    occurred_at: string;
  }
  const calls = (prefix: string, n: number, model: string, day: string): Call[] =>
    Array.from({ length: n }, (_, i) => ({
      event_id: `${prefix}-${i}`,
      session_id: `${prefix}-s${i % 7}`,
      execution_id: `${prefix}-x${(i % 7) % 3}`,
      model,
      input_tokens: 1000 + i * 37,
      output_tokens: 100 + i * 11,
      occurred_at: `${day}T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`,
    }));
  const asEvents = (cs: Call[]) => cs.map((c) => ({ ...c, type: 'TokenUsed' }));
  /** The independent recomputation: tokens × rate per 1M, summed exactly. */
  const expectedCost = (cs: Call[], input: string, output: string) =>
    cs.reduce((acc, c) => acc.plus(new Big(input).times(c.input_tokens).plus(new Big(output).times(c.output_tokens)).div(1_000_000)), new Big(0)).toFixed();

  it('restates history exactly after a retroactive price change, and leaves unaffected rows alone', async () => {
    const ws = freshWorkspace();
    const key = await t.keyFor(ws);
    const affected = calls('gpt', 60, 'gpt-4o', '2026-03-10');
    const unaffected = calls('hk', 40, 'claude-3-5-haiku-20241022', '2026-03-10');
    const before = calls('old', 10, 'gpt-4o', '2026-02-10');
    const res = await post(key, asEvents([...affected, ...unaffected, ...before]));
    expect((await get(key, `/costs/summary?after=${res.body.data.position}`)).status).toBe(200);
    const haikuBefore = (await get(key, '/costs/sessions/hk-s0')).body;

    const change = await t.http.put('/v1/pricing/models/gpt-4o').set(admin()).send({
      effective_from: '2026-03-01T00:00:00Z',
      rates: { input: '5.00', output: '20.00', cache_creation: '5.00', cache_read: '2.50' },
      reason: 'correction: the March price was misquoted',
    });
    expect(change.status).toBe(200);
    expect(change.body.data).toMatchObject({
      catalog_version: CHANGED,
      affected: { events: 60, from: '2026-03-10T00:00:00.000Z', to: '2026-03-10T23:47:00.000Z' },
      rebuild: { state: 'queued', id: expect.any(Number) },
    });
    await waitForRebuild(change.body.data.rebuild.id);

    for (const session of ['gpt-s0', 'gpt-s3', 'gpt-s6']) {
      const body = (await get(key, `/costs/sessions/${session}`)).body;
      expect(body.total_cost_usd).toBe(expectedCost(affected.filter((c) => c.session_id === session), '5.00', '20.00'));
      expect(body.pricing_version).toBe(CHANGED);
    }
    const oldSession = (await get(key, '/costs/sessions/old-s1')).body;
    expect(oldSession.total_cost_usd).toBe(expectedCost(before.filter((c) => c.session_id === 'old-s1'), '2.50', '10.00'));
    const execution = (await get(key, '/costs/executions/gpt-x1')).body;
    expect(execution.total_cost_usd).toBe(expectedCost(affected.filter((c) => c.execution_id === 'gpt-x1'), '5.00', '20.00'));
    const summary = (await get(key, '/costs/summary')).body;
    const total = new Big(expectedCost(affected, '5.00', '20.00')).plus(expectedCost(unaffected, '0.80', '4.00')).plus(expectedCost(before, '2.50', '10.00'));
    expect(summary.total_cost_usd).toBe(total.toFixed());
    expect({ ...(await get(key, '/costs/sessions/hk-s0')).body, pricing_version: 0 }).toEqual({ ...haikuBefore, pricing_version: 0 });
  });

  it('prices usage of an unpriced model once its price is set', async () => {
    const key = await t.keyFor(freshWorkspace());
    const usage = calls('acme', 5, 'acme-large-2', '2026-05-01');
    const res = await post(key, asEvents(usage));
    const before = (await get(key, `/costs/sessions/acme-s1?after=${res.body.data.position}`)).body;
    expect(before).toMatchObject({ total_cost_usd: '0', pricing_status: 'partial', unpriced_models: ['acme-large-2'] });

    const change = await t.http.put('/v1/pricing/models/acme-large-2').set(admin()).send({
      effective_from: '2026-01-01T00:00:00Z',
      rates: { input: '0.01', output: '0.000000000001', cache_creation: '0', cache_read: '0' },
    });
    expect(change.body.data.affected.events).toBe(5);
    await waitForRebuild(change.body.data.rebuild.id);
    const after = (await get(key, '/costs/sessions/acme-s1')).body;
    expect(after).toMatchObject({
      total_cost_usd: expectedCost(usage.filter((c) => c.session_id === 'acme-s1'), '0.01', '0.000000000001'),
      pricing_status: 'complete',
      unpriced_models: [],
    });
  });

  it('answers a dry run per workspace and model without changing anything', async () => {
    const ws = freshWorkspace();
    const key = await t.keyFor(ws);
    const usage = calls('mini', 4, 'gpt-4o-mini', '2026-06-01');
    await post(key, asEvents(usage)).then((r) => get(key, `/costs/summary?after=${r.body.data.position}`));
    const versionBefore = (await t.http.get('/v1/pricing/models').set(admin())).body.data.version;
    const res = await t.http.post('/v1/pricing/preview').set(admin()).send({
      action: 'set',
      model: 'gpt-4o-mini',
      price: { effective_from: '2026-06-01T00:00:00Z', rates: { input: '0.30', output: '1.20', cache_creation: '0.30', cache_read: '0.15' } },
    });
    expect(res.status).toBe(200);
    const line = res.body.data.lines.find((l: { workspace_id: string }) => l.workspace_id === ws);
    const was = expectedCost(usage, '0.15', '0.60');
    const will = expectedCost(usage, '0.30', '1.20');
    expect(line).toEqual({
      workspace_id: ws,
      model: 'gpt-4o-mini',
      events: 4,
      before_usd: was,
      after_usd: will,
      delta_usd: new Big(will).minus(was).toFixed(),
      unpriced_before: 0,
      unpriced_after: 0,
    });
    expect((await t.http.get('/v1/pricing/models').set(admin())).body.data.version).toBe(versionBefore);
  });

  it('prices later usage with a change that touched no recorded usage, without a rebuild', async () => {
    const key = await t.keyFor(freshWorkspace());
    const change = await t.http.put('/v1/pricing/models/fresh-model-1').set(admin()).send({
      effective_from: '2026-05-01T00:00:00Z',
      rates: { input: '1.25', output: '2.50', cache_creation: '1.25', cache_read: '0.125' },
      reason: 'a new model',
    });
    expect(change.body.data).toMatchObject({ affected: { events: 0 }, rebuild: { state: 'not_needed' } });
    const usage = calls('fresh', 7, 'fresh-model-1', '2026-05-02');
    const res = await post(key, asEvents(usage));
    const session = (await get(key, `/costs/sessions/fresh-s3?after=${res.body.data.position}`)).body;
    expect(session).toMatchObject({
      token_cost_usd: expectedCost(usage.filter((c) => c.session_id === 'fresh-s3'), '1.25', '2.50'),
      pricing_status: 'complete',
      pricing_version: change.body.data.catalog_version,
    });
  });

  it('rebuilds byte-identically, equal to the live projection, answering queries and taking ingest throughout', async () => {
    const key = await t.keyFor(freshWorkspace());
    const usage = calls('bulk', 3000, 'gpt-4.1', '2026-07-01');
    for (let i = 0; i < usage.length; i += 1000) await post(key, asEvents(usage.slice(i, i + 1000)));
    const settled = await post(key, asEvents(calls('settle', 1, 'gpt-4.1', '2026-07-02')));
    await get(key, `/costs/summary?after=${settled.body.data.position}`);
    const live = await readModelHash();

    const first = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({ reason: 'determinism check' });
    expect(first.status).toBe(202);
    await waitForRebuild(first.body.data.rebuild_id);
    const once = await readModelHash();
    // The same again, replayed from the log rather than restated from the facts.
    const bad = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({ source: 'events' });
    expect({ status: bad.status, message: bad.body.error?.message }).toEqual({ status: 400, message: expect.stringContaining('source must be "facts" or "log"') });
    const second = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({ source: 'log' });
    await waitForRebuild(second.body.data.rebuild_id);
    expect((await t.http.get('/v1/admin/projections').set(admin())).body.data[0].rebuild).toMatchObject({ id: second.body.data.rebuild_id, source: 'log' });
    expect(await readModelHash()).toBe(once);
    expect(once).toBe(live);

    // During a rebuild: every read answers, ingest is accepted, and nothing is lost or counted twice.
    const totalBefore = new Big((await get(key, '/costs/summary')).body.total_cost_usd);
    const during = calls('during', 50, 'gpt-4.1', '2026-07-03');
    const third = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({});
    const statuses = new Set<number>();
    let ingested: string | undefined;
    let state = '';
    while (state !== 'done') {
      statuses.add((await get(key, '/costs/sessions/bulk-s1')).status);
      if (!ingested) ingested = (await post(key, asEvents(during))).body.data.position;
      const body = (await t.http.get('/v1/admin/projections').set(admin())).body.data[0];
      state = body.rebuild?.id === third.body.data.rebuild_id ? body.rebuild.state : '';
      if (state === 'failed') throw new Error(body.rebuild.error);
    }
    expect([...statuses]).toEqual([200]);
    const after = (await get(key, `/costs/summary?after=${ingested}`)).body;
    expect(after.total_cost_usd).toBe(totalBefore.plus(expectedCost(during, '2.00', '8.00')).toFixed());
  });

  it('given a lost read model and an intact log, then a restarted projector loads it in bulk, identical to before', async () => {
    const key = await t.keyFor(freshWorkspace());
    const settled = await post(key, asEvents(calls('cold', 40, 'gpt-4.1', '2026-07-04')));
    await get(key, `/costs/summary?after=${settled.body.data.position}`);
    const before = await readModelHash();
    const db = t.db;
    await t.close({ keepDatabase: true });
    // The initial load is a rebuild queued after the restart: an earlier test's finished rebuild must not pass for it.
    const earlier = Number((await db.pool.query('SELECT coalesce(max(id), 0) AS id FROM projection_rebuilds')).rows[0].id);
    await db.pool.query('DELETE FROM read_model.partition_checkpoints; DELETE FROM read_model.projection_state');
    await db.pool.query('TRUNCATE read_model.cost_facts, read_model.session_costs, read_model.hourly_costs, read_model.daily_costs, read_model.execution_index');

    t = await startTestApp({}, 'postgres', db);
    const deadline = Date.now() + 30_000;
    let initial: { state: string; reason: string; source: string } | undefined;
    while (initial?.state !== 'done') {
      if (Date.now() > deadline) throw new Error(`no initial load finished: ${JSON.stringify(initial)}`);
      await new Promise((r) => setTimeout(r, 100));
      initial = (await t.db.pool.query(`SELECT state, reason, source FROM projection_rebuilds WHERE id > $1 ORDER BY id DESC LIMIT 1`, [earlier])).rows[0];
    }
    expect(initial).toMatchObject({ reason: 'initial load: the read model is empty and the log is not', source: 'log' });
    expect(await readModelHash()).toBe(before);
    // Progress had a total to show an ETA against: the log's usage events, all of them loaded.
    const usage = Number((await t.db.pool.query(`SELECT count(*) FROM event_log WHERE event_type IN ('TokenUsed', 'ToolCalled', 'SessionFinalized')`)).rows[0].count);
    const { rebuild } = (await t.http.get('/v1/admin/projections').set(admin())).body.data[0];
    expect(rebuild).toMatchObject({ state: 'done', total: usage, done: usage });
  });

  it('keeps a price change made during a rebuild: it queues and is applied', async () => {
    const key = await t.keyFor(freshWorkspace());
    const usage = calls('q', 20, 'gemini-2.5-flash', '2026-08-01');
    await post(key, asEvents(usage)).then((r) => get(key, `/costs/summary?after=${r.body.data.position}`));
    const manual = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({});
    const change = await t.http.put('/v1/pricing/models/gemini-2.5-flash').set(admin()).send({
      effective_from: '2026-08-01T00:00:00Z',
      rates: { input: '0.60', output: '5.00', cache_creation: '0.60', cache_read: '0.06' },
    });
    expect({ status: change.status, body: change.status === 200 ? 'ok' : change.body }).toEqual({ status: 200, body: 'ok' });
    expect(change.body.data.rebuild.state).toBe('queued');
    await waitForRebuild(Math.max(manual.body.data.rebuild_id, change.body.data.rebuild.id));
    expect((await get(key, '/costs/summary')).body.total_cost_usd).toBe(expectedCost(usage, '0.60', '5.00'));
  });

  it('measures what a change touches only once the batch being priced has committed', async () => {
    // No rebuild may swap the read model under the lock held below.
    while ((await t.db.pool.query(`SELECT 1 FROM projection_rebuilds WHERE state IN ('pending', 'running')`)).rowCount) await new Promise((r) => setTimeout(r, 50));
    const key = await t.keyFor(freshWorkspace());
    await post(key, asEvents(calls('lock', 1, 'gpt-4.1', '2026-09-01'))).then((r) => get(key, `/costs/summary?after=${r.body.data.position}`));
    // A batch in flight writes the live checkpoint in its statement and commits the write with its rows.
    const batch = await t.db.pool.connect();
    try {
      await batch.query('BEGIN');
      await batch.query(`UPDATE read_model.partition_checkpoints SET updated_at = now()`);
      let answered = false;
      const change = t.http
        .put('/v1/pricing/models/locked-model-1')
        .set(admin())
        .send({ effective_from: '2030-01-01T00:00:00Z', rates: { input: '1', output: '1', cache_creation: '1', cache_read: '1' } })
        .then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      await batch.query('COMMIT');
      expect((await change).body.data).toMatchObject({ affected: { events: 0 }, rebuild: { state: 'not_needed' } });
    } finally {
      batch.release();
    }
  });

  it('validates price changes and refuses a stale expected_version', async () => {
    const bad = await t.http.put('/v1/pricing/models/x').set(admin()).send({ effective_from: 'yesterday', rates: { input: '1.0000000000001', output: '1', cache_creation: '1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['effective_from', 'rates.cache_read', 'rates.input']);
    const stale = await t.http.put('/v1/pricing/models/x').set(admin()).send({
      effective_from: '2026-01-01T00:00:00Z',
      rates: { input: '1', output: '1', cache_creation: '1', cache_read: '1' },
      expected_version: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONFLICT');
    const missing = await t.http.delete('/v1/pricing/models/never-priced?effective_from=2026-01-01T00:00:00Z').set(admin());
    expect(missing.status).toBe(404);
    const workspaceKey = await t.keyFor(freshWorkspace());
    expect((await t.http.get('/v1/pricing/models').set('x-api-key', workspaceKey)).status).toBe(403);
  });
});

describe('Pricing changes with automatic rebuilds off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_AUTO_REBUILD: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });
  const admin = () => ({ 'x-api-key': ADMIN_KEY });
  const usage = (prefix: string, day: string) =>
    Array.from({ length: 6 }, (_, i) => ({
      type: 'TokenUsed', event_id: `${prefix}-${i}`, session_id: `${prefix}-s${i % 2}`, model: 'gpt-4o',
      input_tokens: 1000 + i, output_tokens: 100, occurred_at: `${day}T0${i}:00:00.000Z`,
    }));
  const sessionCost = (calls: ReturnType<typeof usage>, session: string, input: string, output: string) =>
    calls
      .filter((c) => c.session_id === session)
      .reduce((acc, c) => acc.plus(new Big(input).times(c.input_tokens).plus(new Big(output).times(c.output_tokens)).div(1_000_000)), new Big(0))
      .toFixed();

  it('given a change that reprices recorded usage, then the read model keeps one version throughout until a rebuild by hand', async () => {
    const key = await t.keyFor(freshWorkspace());
    const get = (path: string) => t.http.get(path).set('x-api-key', key);
    const status = async () => (await t.http.get('/v1/admin/projections').set(admin())).body.data[0];
    const first = usage('man', '2026-03-10');
    await get(`/costs/summary?after=${(await t.http.post('/v1/events').set('x-api-key', key).send({ events: first })).body.data.position}`);
    // A projector that took its lease after this usage was logged loads it as an initial load: let that finish.
    for (let s = await status(); s.pending_rebuilds || s.rebuild?.state === 'running'; s = await status()) await new Promise((r) => setTimeout(r, 50));

    const change = await t.http.put('/v1/pricing/models/gpt-4o').set(admin()).send({
      effective_from: '2026-03-01T00:00:00Z',
      rates: { input: '5.00', output: '20.00', cache_creation: '5.00', cache_read: '2.50' },
    });
    expect(change.body.data).toMatchObject({ catalog_version: CHANGED, affected: { events: 6 }, rebuild: { state: 'disabled' } });
    // Usage recorded after the change is priced as the recorded usage is: with the seeded version, which every view names.
    const later = usage('man2', '2026-03-11');
    const position = (await t.http.post('/v1/events').set('x-api-key', key).send({ events: later })).body.data.position;
    const waiting = (await get(`/costs/sessions/man2-s1?after=${position}`)).body;
    expect({ cost: waiting.total_cost_usd, version: waiting.pricing_version }).toEqual({ cost: sessionCost(later, 'man2-s1', '2.50', '10.00'), version: SEEDED });
    expect(await status()).toMatchObject({ pricing_version: SEEDED, catalog_version: CHANGED, pending_rebuilds: 0 });

    const rebuild = await t.http.post('/v1/admin/projections/rebuild').set(admin()).send({ reason: 'apply the March correction' });
    for (let s = await status(); !(s.rebuild?.id === rebuild.body.data.rebuild_id && s.rebuild.state === 'done'); s = await status()) {
      if (s.rebuild?.state === 'failed') throw new Error(s.rebuild.error);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await status()).toMatchObject({ pricing_version: CHANGED, catalog_version: CHANGED });
    for (const [calls, session] of [[first, 'man-s0'], [later, 'man2-s1']] as const) {
      const body = (await get(`/costs/sessions/${session}`)).body;
      expect({ cost: body.total_cost_usd, version: body.pricing_version }).toEqual({ cost: sessionCost(calls, session, '5.00', '20.00'), version: CHANGED });
    }
  });
});
