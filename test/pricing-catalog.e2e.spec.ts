import { SHIPPED_CATALOG } from '@ledger/pricing';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';

/**
 * The catalog's read routes the README documents: one model's rows and history
 * (`GET /v1/pricing/models/{model}`) and the tool prices (`GET /v1/pricing/tools`).
 * Each test prices a model or tool of its own, so it reads only what it wrote.
 */
describe('Pricing catalog reads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = { 'x-api-key': ADMIN_KEY };
  const rates = (input: string, output: string) => ({ input, output, cache_creation: input, cache_read: '0.10' });
  const fresh = (label: string) => freshWorkspace(label).replace(/_/g, '-');

  it("answers one model's effective-dated rows, oldest first, with the changes that named it, by name or alias", async () => {
    const model = fresh('probe-model');
    const alias = `${model}-latest`;
    const later = await t.http.put(`/v1/pricing/models/${model}`).set(admin).send({
      effective_from: '2026-06-01T00:00:00Z', aliases: [alias], rates: rates('2.00', '8.00'), reason: 'June price',
    });
    expect(later.status).toBe(200);
    const earlier = await t.http.put(`/v1/pricing/models/${model}`).set(admin).send({
      effective_from: '2026-01-01T00:00:00Z', effective_to: '2026-06-01T00:00:00Z', aliases: [alias], rates: rates('3.00', '9.00'),
    });
    const removed = await t.http.put(`/v1/pricing/models/${model}`).set(admin).send({ effective_from: '2025-01-01T00:00:00Z', rates: rates('9.00', '9.00') });
    const removal = await t.http.delete(`/v1/pricing/models/${model}?effective_from=2025-01-01T00:00:00Z`).set(admin);
    expect(removal.status).toBe(200);
    const version = removal.body.data.catalog_version;
    expect([later, earlier, removed].map((r) => r.body.data.catalog_version)).toEqual([version - 3, version - 2, version - 1]);

    const res = await t.http.get(`/v1/pricing/models/${model}`).set(admin);
    expect(res.status).toBe(200);
    const rows = [
      { model, aliases: [alias], effective_from: '2026-01-01T00:00:00.000Z', effective_to: '2026-06-01T00:00:00.000Z', rates: rates('3.00', '9.00') },
      { model, aliases: [alias], effective_from: '2026-06-01T00:00:00.000Z', effective_to: null, rates: rates('2.00', '8.00') },
    ];
    expect(res.body).toEqual({
      success: true,
      data: {
        version,
        model,
        priced_model: model,
        rows,
        changes: [
          { version: version - 3, type: 'PriceSet', data: { ...rows[1], reason: 'June price' }, recorded_at: expect.any(String) },
          { version: version - 2, type: 'PriceSet', data: rows[0], recorded_at: expect.any(String) },
          {
            version: version - 1, type: 'PriceSet',
            data: { model, effective_from: '2025-01-01T00:00:00.000Z', effective_to: null, rates: rates('9.00', '9.00') },
            recorded_at: expect.any(String),
          },
          { version, type: 'PriceRemoved', data: { model, effective_from: '2025-01-01T00:00:00.000Z' }, recorded_at: expect.any(String) },
        ],
      },
    });

    // Usage may name the model by an alias; the alias answers the rows that price it.
    const byAlias = await t.http.get(`/v1/pricing/models/${alias}`).set(admin);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body.data).toEqual({ ...res.body.data, model: alias });
  });

  it('answers a shipped model by the name usage sends, from the snapshot the catalog was seeded with', async () => {
    const res = await t.http.get('/v1/pricing/models/gpt-4o-2024-08-06').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ model: 'gpt-4o-2024-08-06', priced_model: 'openai/gpt-4o' });
    expect(res.body.data.rows).toEqual([
      {
        model: 'openai/gpt-4o',
        provider: 'openai',
        effective_from: '1970-01-01T00:00:00.000Z',
        effective_to: null,
        rates: { input: '2.5', output: '10', cache_read: '1.25', web_search: '10' },
        modifiers: { service_tier: { batch: '0.5', priority: '1.7' } },
      },
    ]);
    // The seeding import, with this model's rows only.
    expect(res.body.data.changes).toEqual([
      {
        version: 1, type: 'CatalogImported', recorded_at: expect.any(String),
        data: { source: { name: '@pydantic/genai-prices', version: '0.1.8', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          reason: 'the catalog shipped with this version', set: res.body.data.rows.map(({ effective_to: _, ...r }: Record<string, unknown>) => r), removed: [] },
      },
    ]);
    // The whole catalog's history summarises the import.
    const all = await t.http.get('/v1/pricing/models').set(admin);
    expect(all.body.data.changes[0]).toMatchObject({ version: 1, type: 'CatalogImported', data: { set: SHIPPED_CATALOG.rows.length, removed: 0 } });
  });

  it('answers 404 NOT_FOUND for a model the catalog never named', async () => {
    const res = await t.http.get('/v1/pricing/models/no-such-model-9').set(admin);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Model no-such-model-9 not found' } });
  });

  it('answers every tool price row and the tool price changes', async () => {
    const tool = fresh('probe-tool');
    const set = await t.http.put(`/v1/pricing/tools/${tool}`).set(admin).send({
      effective_from: '2026-02-01T00:00:00Z', per_call_usd: '0.001', per_second_usd: '0.0002', reason: 'sandbox price',
    });
    expect(set.status).toBe(200);
    const version = set.body.data.catalog_version;

    const res = await t.http.get('/v1/pricing/tools').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.data.version).toBeGreaterThanOrEqual(version);
    const row = { tool, effective_from: '2026-02-01T00:00:00.000Z', effective_to: null, per_call_usd: '0.001', per_second_usd: '0.0002' };
    expect(res.body.data.tools.filter((r: { tool: string }) => r.tool === tool)).toEqual([row]);
    expect(res.body.data.changes.filter((c: { data: { tool: string } }) => c.data.tool === tool)).toEqual([
      { version, type: 'ToolPriceSet', data: { ...row, reason: 'sandbox price' }, recorded_at: expect.any(String) },
    ]);
    expect(res.body.data.changes.every((c: { type: string }) => c.type.startsWith('ToolPrice'))).toBe(true);
    const tools = res.body.data.tools.map((r: { tool: string }) => r.tool);
    expect(tools).toEqual([...tools].sort((a, b) => a.localeCompare(b)));
  });

  it.each(['/v1/pricing/models/gpt-4o', '/v1/pricing/tools'])('%s is for the admin key only', async (route) => {
    const key = await t.keyFor(freshWorkspace());
    expect((await t.http.get(route).set('x-api-key', key)).status).toBe(403);
    expect((await t.http.get(route)).status).toBe(401);
  });
});
