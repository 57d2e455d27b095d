import { startTestApp, TestApp } from '@ledger/testing';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the application serves is in the OpenAPI document served at /docs-json. */
describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents every route, with a response schema and the error shapes', async () => {
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const stack = (t.app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } }).router.stack;
    const served = stack
      .filter((l) => l.route && !l.route.path.startsWith('/docs'))
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    expect(served.length).toBeGreaterThanOrEqual(19);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    for (const route of served) {
      const [method, path] = route.split(' ');
      const responses = paths[path][method.toLowerCase()].responses;
      const success = Object.keys(responses).filter((s) => s.startsWith('2'));
      expect({ route, success: success.length > 0 }).toEqual({ route, success: true });
      if (!route.startsWith('GET /health')) expect({ route, unauthorized: '401' in responses }).toEqual({ route, unauthorized: true });
    }
    expect(res.body.components.securitySchemes).toEqual({
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'The same API key as a bearer token.' },
    });
  });

  it('serves the interactive documentation at /docs', async () => {
    const res = await t.http.get('/docs/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
  });
});
