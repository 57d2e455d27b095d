import { EVENT_STORE, EventStore, JsonObject } from '@ledger/event-store';
import { sessionStream, storeEventId } from '@ledger/ingest';
import { PRICE_MODIFIERS, USAGE_CLASSES } from '@ledger/pricing';
import { freshWorkspace, startTestApp, TestApp, TestEventStore } from '@ledger/testing';

/**
 * Issue 14's new TokenUsed fields over HTTP, on both event stores: a pre-change event re-sent is a
 * duplicate (unchanged or with explicit defaults), a new non-default value is a 409, the subset rule and
 * the modifiers' values are 400s naming the field, and the OpenAPI document describes every new field.
 */
describe.each<TestEventStore>(['postgres', 'esdb'])('TokenUsed with the 2026 fields over HTTP (%s)', (eventStore) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({}, eventStore);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (key: string, events: unknown[]) => t.http.post('/v1/events').set('x-api-key', key).send({ events });
  /** What a client sent before the change, and sends again. */
  const sent = {
    event_id: 'old1', type: 'TokenUsed', session_id: 's_old', occurred_at: '2026-11-30T09:15:00+01:00', model: 'claude-sonnet-4-20250514',
    input_tokens: 1200, output_tokens: 340, cache_read_tokens: 9000,
  };
  /** The payload ingest stored for it before the change, byte for byte: the four counts always, no new field. */
  const oldStored = (ws: string): JsonObject =>
    JSON.parse(
      `{"workspace_id":"${ws}","event_id":"old1","session_id":"s_old","occurred_at":"2026-11-30T08:15:00.000Z","model":"claude-sonnet-4-20250514",` +
        '"input_tokens":1200,"output_tokens":340,"cache_creation_tokens":0,"cache_read_tokens":9000}',
    );
  /** A workspace whose log holds `old1` as the previous release stored it. */
  const withOldEvent = async () => {
    const ws = freshWorkspace('newf');
    const key = await t.keyFor(ws);
    await t.app.get<symbol, EventStore>(EVENT_STORE).append([
      { streamId: sessionStream(ws, 's_old'), events: [{ id: storeEventId(ws, 'old1'), type: 'TokenUsed', data: oldStored(ws) }], expectedRevision: 'any' },
    ]);
    return { ws, key };
  };
  const stored = async (ws: string) => (await t.app.get<symbol, EventStore>(EVENT_STORE).readStream(sessionStream(ws, 's_old'))).map((e) => e.data);

  it('answers a pre-change event re-sent unchanged as a duplicate, and it still projects', async () => {
    const { ws, key } = await withOldEvent();
    const res = await post(key, [sent]);
    expect([res.status, res.body.data?.accepted, res.body.data?.duplicates]).toEqual([202, 0, 1]);
    const session = await t.http.get(`/costs/sessions/s_old?after=${res.body.data.position}`).set('x-api-key', key);
    expect([session.status, session.body.input_tokens, session.body.output_tokens, session.body.cache_read_tokens]).toEqual([200, 1200, 340, 9000]);
    expect(await stored(ws)).toEqual([oldStored(ws)]);
  });

  it('answers a pre-change event re-sent with every new field at its default as a duplicate', async () => {
    const { ws, key } = await withOldEvent();
    const defaults = { reasoning_tokens: 0, cache_creation_1h_tokens: 0, web_search_requests: 0, service_tier: 'standard', speed: 'standard', inference_geo: 'global' };
    const res = await post(key, [{ ...sent, ...defaults }]);
    expect([res.status, res.body.data?.accepted, res.body.data?.duplicates]).toEqual([202, 0, 1]);
    expect(await stored(ws)).toEqual([oldStored(ws)]);
  });

  it('refuses a pre-change event re-sent with reasoning_tokens: 5 with 409, storing nothing of the batch', async () => {
    const { ws, key } = await withOldEvent();
    const res = await post(key, [{ ...sent, event_id: 'other' }, { ...sent, reasoning_tokens: 5 }]);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      error: {
        code: 'IDEMPOTENCY_CONFLICT',
        message: 'event_id already used in this workspace with a different payload; nothing of the batch was stored',
        details: [{ index: 1, field: 'event_id', message: 'event_id old1 was recorded with a different payload' }],
      },
    });
    expect(await stored(ws)).toEqual([oldStored(ws)]);
  });

  it('refuses a subset above its parent and an unknown service_tier with 400 naming each, storing nothing of the batch', async () => {
    const { ws, key } = await withOldEvent();
    const res = await post(key, [
      { ...sent, event_id: 'fine', reasoning_tokens: 340, cache_creation_tokens: 10, cache_creation_1h_tokens: 10, service_tier: 'flex' },
      { ...sent, event_id: 'r', reasoning_tokens: 341 },
      { ...sent, event_id: 'c', cache_creation_1h_tokens: 1 },
      { ...sent, event_id: 't', service_tier: 'auto' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { index: 1, field: 'reasoning_tokens', message: 'reasoning_tokens must be <= output_tokens (it is part of it)', location: 'body' },
      { index: 2, field: 'cache_creation_1h_tokens', message: 'cache_creation_1h_tokens must be <= cache_creation_tokens (it is part of it)', location: 'body' },
      { index: 3, field: 'service_tier', message: 'service_tier must be one of standard, batch, flex, priority', location: 'body' },
    ]);
    expect(await stored(ws)).toEqual([oldStored(ws)]);
  });

  it('documents every usage class and modifier as a TokenUsedBody property, with its bounds and values', async () => {
    const doc = (await t.http.get('/docs-json')).body as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required: string[] }> } };
    const body = doc.components.schemas.TokenUsedBody;
    for (const cls of USAGE_CLASSES) {
      expect([cls.field, body.properties[cls.field]]).toEqual([
        cls.field,
        { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0, description: cls.description },
      ]);
    }
    expect(body.properties.service_tier).toEqual({ type: 'string', enum: ['standard', 'batch', 'flex', 'priority'], default: 'standard', description: PRICE_MODIFIERS[0].description });
    expect(body.properties.speed).toMatchObject({ type: 'string', enum: ['standard', 'fast'], default: 'standard' });
    expect(body.properties.inference_geo).toMatchObject({ type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', default: 'global' });
    expect(body.required).toEqual(['event_id', 'type', 'session_id', 'occurred_at', 'model']);
  });
});
