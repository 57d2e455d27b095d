import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';
import { labelValues, sample } from '../libs/observability/testing/prometheus-text';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const HTTP = 'ledger_http_request_duration_seconds';
const EVENTS = 'ledger_ingest_events_total';

const tokenUsed = (event_id: string, session_id: string) => ({
  event_id, type: 'TokenUsed', session_id, occurred_at: '2026-04-02T12:00:00Z', model: 'gpt-4o', input_tokens: 100, output_tokens: 10,
});
const toolCalled = (event_id: string, session_id: string) => ({
  event_id, type: 'ToolCalled', session_id, occurred_at: '2026-04-02T12:00:01Z', tool_name: 'search', duration_ms: 20,
});
const finalized = (event_id: string, session_id: string) => ({ event_id, type: 'SessionFinalized', session_id, occurred_at: '2026-04-02T12:00:02Z' });

/** `GET /metrics` over real HTTP: who may read it, and exact samples after known traffic. */
describe('GET /metrics', () => {
  let t: TestApp;
  let key: string;
  const scrape = async (app: TestApp = t) => {
    const res = await app.http.get('/metrics').set('x-api-key', ADMIN_KEY);
    expect(res.status).toBe(200);
    return res.text;
  };

  beforeAll(async () => {
    t = await startTestApp({ LEDGER_METRICS_TOKEN: METRICS_TOKEN });
    key = await t.keyFor(freshWorkspace());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the admin key and the metrics token only', async () => {
    expect((await t.http.get('/metrics')).status).toBe(401);
    expect((await t.http.get('/metrics').set('authorization', 'Bearer not-the-metrics-token-at-all')).status).toBe(401);
    const workspace = await t.http.get('/metrics').set('x-api-key', key);
    expect({ status: workspace.status, body: workspace.body }).toEqual({
      status: 403,
      body: { success: false, error: { code: 'FORBIDDEN', message: 'metrics need the admin key or LEDGER_METRICS_TOKEN' } },
    });
    const admin = await t.http.get('/metrics').set('x-api-key', ADMIN_KEY);
    expect(admin.status).toBe(200);
    expect(admin.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const token = await t.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
    expect(token.status).toBe(200);
    expect(token.text).toContain('# TYPE ledger_http_request_duration_seconds histogram');
  });

  it('counts requests by route template and status, never by raw path', async () => {
    for (const id of ['metrics-a', 'metrics-b']) expect((await t.http.get(`/costs/sessions/${id}`).set('x-api-key', key)).status).toBe(404);
    expect((await t.http.get('/no/such/route/metrics-c').set('x-api-key', key)).status).toBe(404);
    const text = await scrape();
    expect(sample(text, `${HTTP}_count`, { method: 'GET', route: '/costs/sessions/:session_id', status: '404' })).toBe(2);
    expect(sample(text, `${HTTP}_count`, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // The 401 above was counted under its route too.
    expect(sample(text, `${HTTP}_count`, { method: 'GET', route: '/metrics', status: '401' })).toBe(2);
    expect(labelValues(text, HTTP, 'route').filter((r) => r.includes('metrics-'))).toEqual([]);
  });

  it('counts ingested events by type and outcome, and batch sizes', async () => {
    const first = [tokenUsed('m1', 's1'), tokenUsed('m2', 's1'), toolCalled('m3', 's1')];
    expect((await t.http.post('/v1/events').set('x-api-key', key).send({ events: first })).status).toBe(202);
    const again = await t.http.post('/v1/events').set('x-api-key', key).send({ events: [...first, finalized('m4', 's1')] });
    expect(again.body.data).toMatchObject({ accepted: 1, duplicates: 3 });
    const refused = await t.http.post('/v1/events').set('x-api-key', key).send({
      events: [tokenUsed('m5', 's2'), { ...tokenUsed('m6', 's2'), input_tokens: -1 }, { ...finalized('m7', 's2'), type: 'Bogus' }],
    });
    expect(refused.status).toBe(400);
    const text = await scrape();
    const events = (type: string, outcome: string) => sample(text, EVENTS, { type, outcome });
    expect({
      accepted: [events('TokenUsed', 'accepted'), events('ToolCalled', 'accepted'), events('SessionFinalized', 'accepted')],
      duplicate: [events('TokenUsed', 'duplicate'), events('ToolCalled', 'duplicate'), events('SessionFinalized', 'duplicate')],
      refused: [events('TokenUsed', 'refused'), events('ToolCalled', 'refused'), events('SessionFinalized', 'refused'), events('unknown', 'refused')],
    }).toEqual({ accepted: [2, 1, 1], duplicate: [2, 1, 0], refused: [2, 0, 0, 1] });
    expect(sample(text, 'ledger_ingest_batch_events_count')).toBe(2);
    expect(sample(text, 'ledger_ingest_batch_events_sum')).toBe(7);
    expect(sample(text, 'ledger_ingest_batch_events_bucket', { le: '1' })).toBe(0);
    expect(sample(text, 'ledger_ingest_batch_events_bucket', { le: '10' })).toBe(2);

    // Once the views include the writes, the projector has applied exactly the 4 events and has no lag.
    const read = await t.http.get(`/costs/sessions/s1?after=${again.body.data.position}`).set('x-api-key', key);
    expect(read.headers['ledger-consistency']).toBe('consistent');
    const after = await scrape();
    expect(sample(after, 'ledger_projector_batch_events_sum')).toBe(4);
    expect(sample(after, 'ledger_projector_batch_duration_seconds_count')).toBe(sample(after, 'ledger_projector_batch_events_count'));
    expect(sample(after, 'ledger_projector_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'ledger_projector_lag_events')).toBe(0);
    expect(sample(after, 'ledger_projector_lag_seconds')).toBe(0);
  });

  it('shows projector lag, pricing versions, rebuild state and progress, and dead letters from the database', async () => {
    const status = (await t.http.get('/v1/admin/projections').set('x-api-key', ADMIN_KEY)).body.data[0];
    // Two events written to the log behind a stopped projector are lag.
    const runner = t.app.get((await import('@ledger/projections')).ProjectorRunner);
    await runner.projector.stop();
    try {
      expect((await t.http.post('/v1/events').set('x-api-key', key).send({ events: [tokenUsed('m8', 's3'), tokenUsed('m9', 's3')] })).status).toBe(202);
      // The log's readers deliver a commit once no older transaction of the cluster is still open
      // (ADR 0001), which other spec files' work can hold back for a moment.
      let lagging = await scrape();
      for (let tries = 0; (sample(lagging, 'ledger_projector_lag_events') ?? 0) < 2 && tries < 50; tries++) {
        await new Promise((r) => setTimeout(r, 100));
        lagging = await scrape();
      }
      expect(sample(lagging, 'ledger_projector_lag_events')).toBe(2);
      expect(sample(lagging, 'ledger_projector_lag_seconds')).toBeGreaterThan(0);
    } finally {
      runner.projector.start();
    }

    await t.db.pool.query(
      `INSERT INTO projection_rebuilds (reason, state, started_at, events_done, events_total) VALUES ('metrics spec', 'running', now(), 1234, 5000),
         ('metrics spec', 'failed', now(), 0, NULL), ('metrics spec', 'merged', now(), 0, NULL)`,
    );
    const quiet = await scrape();
    expect([sample(quiet, 'ledger_projection_dead_letters'), sample(quiet, 'ledger_projector_stalled')]).toEqual([0, 0]);
    // Two unresolved dead letters and a resolved one: the gauge counts the unresolved.
    await t.db.pool.query(
      `INSERT INTO public.projection_dead_letters (projection, commit_pos, prepare_pos, stream_id, log_event_id, event_type, error, resolved_at)
       VALUES ('metrics spec', 1, 1, 's', 'e1', 'TokenUsed', 'x', NULL), ('metrics spec', 2, 2, 's', 'e2', 'TokenUsed', 'x', NULL),
              ('metrics spec', 3, 3, 's', 'e3', 'TokenUsed', 'x', now())`,
    );
    // A stall the projecting replica recorded, as every replica reads it.
    await t.db.pool.query(`INSERT INTO public.projector_stalls (projection, commit_pos, prepare_pos, error, attempts, since) VALUES ('costs', 7, 7, 'connection refused', 3, now())`);
    try {
      const text = await scrape();
      expect(REBUILD_STATES.map((state) => sample(text, 'ledger_rebuilds', { state }))).toEqual([0, 1, 0, 1, 1]);
      expect([sample(text, 'ledger_rebuild_events_done'), sample(text, 'ledger_rebuild_events_total')]).toEqual([1234, 5000]);
      expect(sample(text, 'ledger_projection_dead_letters')).toBe(2);
      expect(sample(text, 'ledger_projector_stalled')).toBe(1);
      expect(sample(text, 'ledger_pricing_read_model_version')).toBe(status.pricing_version);
      expect(sample(text, 'ledger_pricing_catalog_version')).toBe(status.catalog_version);
      expect(status.catalog_version).toBeGreaterThan(0);
    } finally {
      await t.db.pool.query(`DELETE FROM projection_rebuilds WHERE reason = 'metrics spec'`);
      await t.db.pool.query(`DELETE FROM public.projection_dead_letters WHERE projection = 'metrics spec'`);
      await t.db.pool.query(`DELETE FROM public.projector_stalls`);
    }
    const idle = await scrape();
    expect([sample(idle, 'ledger_rebuild_events_done'), sample(idle, 'ledger_rebuild_events_total')]).toEqual([0, 0]);
  });

  it('reports each database pool (writes, reads, migrations) and the process', async () => {
    expect((await t.http.get('/costs/summary').set('x-api-key', key)).status).toBe(200);
    const text = await scrape();
    expect(labelValues(text, 'ledger_db_pool_connections', 'pool').sort()).toEqual(['pg', 'read', 'typeorm']);
    expect(sample(text, 'ledger_db_pool_connections', { pool: 'pg' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ledger_db_pool_connections', { pool: 'read' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ledger_db_pool_connections', { pool: 'typeorm' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ledger_db_pool_waiting_clients', { pool: 'pg' })).toBe(0);
    expect(sample(text, 'ledger_db_pool_waiting_clients', { pool: 'read' })).toBe(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('keeps one registry per application: a second app in this process counts only its own traffic', async () => {
    const other = await startTestApp({ LEDGER_ROLE: 'api' }, 'postgres', t.db);
    try {
      const text = await scrape(other);
      expect(sample(text, EVENTS, { type: 'TokenUsed', outcome: 'accepted' })).toBe(0);
      expect(sample(text, `${HTTP}_count`, { method: 'GET', route: '/costs/sessions/:session_id', status: '404' })).toBeUndefined();
      expect(sample(await scrape(), EVENTS, { type: 'TokenUsed', outcome: 'accepted' })).toBe(4);
    } finally {
      await other.close({ keepDatabase: true });
    }
  });

  it('echoes the caller\'s x-request-id, and gives every other request one', async () => {
    const given = await t.http.get('/health').set('x-request-id', 'trace-42.a');
    expect(given.headers['x-request-id']).toBe('trace-42.a');
    const made = await t.http.get('/health').set('x-request-id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

const REBUILD_STATES = ['pending', 'running', 'done', 'failed', 'merged'];
