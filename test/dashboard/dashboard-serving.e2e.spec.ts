import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_KEY, createTestDatabase } from '@ledger/testing';
import request from 'supertest';
import { startLedgerProcess } from '../deployment/support/ledger-process';
import { DashboardService, startDashboardService } from './support/dashboard-service';

/**
 * The dashboard's build served by the ledger's own process at `/` (issue 18), over real HTTP: a stand-in build
 * in a scratch folder, so that this spec needs no Vite run. The browser spec serves the real one.
 */
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-Abc123.js"></script></head><body></body></html>\n';
const SCRIPT = 'document.body.dataset.ready = "1";\n';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('the dashboard served at /', () => {
  let dir: string;
  let s: DashboardService;
  const get = (p: string, init?: RequestInit) => fetch(`${s.url}${p}`, init);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dashboard-build-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    writeFileSync(path.join(dir, 'assets', 'index-Abc123.js'), SCRIPT);
    writeFileSync(path.join(dir, '.secret'), 'not served');
    s = await startDashboardService({ dashboardDir: dir });
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / with index.html, never cached, under headers fit for a page that holds an API key', async () => {
    for (const p of ['/', '/index.html']) {
      const res = await get(p);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    // No API key needed for the page itself: its data calls carry the key.
    expect((await get('/', { method: 'HEAD' })).status).toBe(200);
  });

  it('serves the hashed assets for a year, and revalidates index.html by its ETag', async () => {
    const asset = await get('/assets/index-Abc123.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe(SCRIPT);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toBe(CSP);
    const etag = (await get('/')).headers.get('etag')!;
    // fetch would add `cache-control: no-cache` to a conditional request, as its spec says, and so never see a 304.
    expect((await request(s.url).get('/').set('if-none-match', etag)).status).toBe(304);
  });

  it('shadows no API route, and what it has no file for is the JSON 404 as before', async () => {
    expect((await get('/health')).status).toBe(200);
    expect((await get('/docs-json')).status).toBe(200);
    expect((await get('/docs')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/costs/summary')).status).toBe(401);
    expect((await get('/v1/cost/summary', { headers: { 'x-api-key': ADMIN_KEY } })).status).toBe(400);
    expect((await get('/otlp/v1/logs', { method: 'POST' })).status).toBe(401);
    for (const p of ['/assets/missing.js', '/nope', '/assets/../package.json', '/.secret', '/assets/%2e%2e/.secret']) {
      const res = await get(p);
      expect({ p, status: res.status }).toEqual({ p, status: 404 });
      expect(await res.json()).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'route not found' } });
    }
    // The dashboard's paths take no other method.
    expect((await get('/', { method: 'POST' })).status).toBe(404);
  });

  it('explains a missing build instead of failing, and serves the build once it exists', async () => {
    rmSync(path.join(dir, 'index.html'));
    const res = await get('/');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('The dashboard is not built');
    expect((await get('/health')).status).toBe(200);
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    expect((await get('/')).status).toBe(200);
  });
});

describe('the dashboard by role', () => {
  it.each([['api', 200], ['projector', 404]])('LEDGER_ROLE=%s answers / with %i', async (role, status) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-build-'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    const s = await startDashboardService({ dashboardDir: dir, env: { LEDGER_ROLE: role } });
    try {
      expect((await fetch(`${s.url}/`)).status).toBe(status);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the dashboard of a real process', () => {
  it('is dist/dashboard of the checkout, announced at start-up', async () => {
    const db = await createTestDatabase();
    const ledger = await startLedgerProcess('dashboard', { DATABASE_URL: db.url, LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_ROLE: 'api' });
    try {
      await ledger.waitHealthy(60_000);
      expect(ledger.output()).toContain(`dashboard: http://127.0.0.1:${ledger.port}/ (sign in with an API key)`);
      const res = await fetch(`http://127.0.0.1:${ledger.port}/`);
      // Whatever this checkout's dist/ holds: its build (after npm run build, as in CI), else the page saying how to build it.
      const index = path.resolve(__dirname, '../../dist/dashboard/index.html');
      if (existsSync(index)) {
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(readFileSync(index, 'utf8'));
      } else {
        expect(res.status).toBe(404);
        expect(await res.text()).toContain('Run <code>npm run build</code>');
      }
    } finally {
      await ledger.stop();
      await db.drop();
    }
  });
});
