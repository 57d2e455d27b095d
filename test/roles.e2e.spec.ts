import { ADMIN_KEY, startTestApp, TestApp } from '@ledger/testing';

/** `LEDGER_ROLE=projector`: the process projects, and serves health and metrics only. */
describe('a projector-only process', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LEDGER_ROLE: 'projector' });
  });
  afterAll(() => t.close());

  it('mounts no ingest, query, pricing or admin route', async () => {
    const admin = { 'x-api-key': ADMIN_KEY };
    const answers = await Promise.all([
      t.http.post('/v1/events').set(admin).send({ events: [] }),
      t.http.get('/costs/sessions').set(admin),
      t.http.get('/v1/pricing/catalog').set(admin),
      t.http.get('/v1/pricing/workspaces/w1').set(admin),
      t.http.get('/v1/admin/projections').set(admin),
      t.http.get('/v1/admin/dead-letters').set(admin),
      t.http.get('/v1/admin/api-keys').set(admin),
    ]);
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect((await t.http.get('/health')).status).toBe(200);
  });
});
