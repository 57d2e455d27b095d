import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Big from 'big.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_KEY } from '@ledger/testing';
import { DashboardService, startDashboardService } from './support/dashboard-service';

/**
 * The dashboard in a real browser (issue 18): Debian's chromium, driven by playwright-core, against the whole
 * service on a real port and its PostgreSQL, with usage seeded through the API. It reads the dashboard's test ids
 * (apps/dashboard/TESTIDS.md) and compares what the pages show with what the API answers, to the last decimal.
 * Every page's screenshot lands in test-output/dashboard/ on every run; with DASHBOARD_README_SCREENSHOTS=1 the
 * README's two are rewritten too (docs/images/).
 */

/** The page's storage, as the code evaluated in the browser sees it (this file compiles without the DOM's types). */
declare const sessionStorage: { clear(): void } & Record<string, string>;
declare const localStorage: Record<string, string>;

const ROOT = path.resolve(__dirname, '../..');
const OUTPUT = path.join(ROOT, 'test-output', 'dashboard');
/** Outside the checkout, where the linter would read the bundle as source. */
const BUILD = path.join(tmpdir(), `ledger-dashboard-build-${process.pid}`);
const README_IMAGES = process.env.DASHBOARD_README_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : undefined;

/** Debian's chromium: CHROMIUM_PATH, else the first on PATH. Missing is a failure that says how to install it, never a skip. */
function chromiumPath(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => path.join(dir, name)));
  const found = [process.env.CHROMIUM_PATH, ...onPath].find((c): c is string => !!c && existsSync(c));
  if (!found) {
    throw new Error(
      'the dashboard browser tests need Chromium: install Debian\'s package (sudo apt-get install -y chromium; .ci/run does it) ' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary',
    );
  }
  return found;
}

/** The dashboard's sources built now, into a scratch folder: the spec tests what is checked out, and leaves dist/ alone. */
function buildDashboard(): void {
  rmSync(BUILD, { recursive: true, force: true });
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--config', 'apps/dashboard/vite.config.ts', '--outDir', BUILD, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`vite build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
}

/** Reads `probe` until it gives `expected` (the page polls the API on its own schedule); the last reading otherwise. */
async function until<T>(probe: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

const MODELS = { gpt: 'gpt-4o', claude: 'claude-sonnet-4-5-20250929', flash: 'gemini-2.5-flash', unpriced: 'acme-private-model-x1' } as const;
const ACME = 'ws_dash_acme';
const BETA = 'ws_dash_beta';

/** Seed instants: whole hours of the last two days, so that the overview's default range (7 days to now) holds them all. */
const base = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 48 * 3_600_000);
const at = (hours: number, minutes = 0) => new Date(base.getTime() + hours * 3_600_000 + minutes * 60_000).toISOString();

type Event = Record<string, unknown> & { event_id: string; type: string };
const used = (o: Record<string, unknown>): Event => ({ type: 'TokenUsed', ...o }) as Event;

const acmeEvents: Event[] = [
  // run_ingest: two sessions, two phases, three models, a tool, reported costs with drift, unpriced usage.
  ...[
    used({ event_id: 'a1', session_id: 'sess_plan', occurred_at: at(1), model: MODELS.gpt, input_tokens: 120_000, output_tokens: 8_000, cache_read_tokens: 40_000, reported_cost_usd: '0.41', tool_tokens: { web_fetch: 30_000 } }),
    used({ event_id: 'a2', session_id: 'sess_plan', occurred_at: at(1, 5), model: MODELS.claude, input_tokens: 50_000, output_tokens: 12_000, cache_creation_tokens: 20_000, cache_read_tokens: 300_000, reported_cost_usd: '0.5' }),
    { event_id: 'a3', type: 'ToolCalled', session_id: 'sess_plan', occurred_at: at(1, 6), tool_name: 'web_fetch', duration_ms: 2300, compute_cost_usd: '0.0125' } as Event,
    used({ event_id: 'a4', session_id: 'sess_plan', occurred_at: at(1, 9), model: MODELS.gpt, input_tokens: 60_000, output_tokens: 3_000, reported_cost_usd: '0.18' }),
    { event_id: 'a5', type: 'SessionFinalized', session_id: 'sess_plan', occurred_at: at(1, 10), status: 'completed' } as Event,
  ].map((e) => ({ execution_id: 'run_ingest', workflow_id: 'wf_ingest', phase_id: 'plan', ...e })),
  ...[
    used({ event_id: 'a6', session_id: 'sess_build', occurred_at: at(2), model: MODELS.unpriced, input_tokens: 9_000, output_tokens: 1_000, reported_cost_usd: '0.02' }),
    used({ event_id: 'a7', session_id: 'sess_build', occurred_at: at(2, 3), model: MODELS.claude, input_tokens: 80_000, output_tokens: 20_000, reported_cost_usd: '0.52' }),
    used({ event_id: 'a8', session_id: 'sess_build', occurred_at: at(2, 7), model: MODELS.flash, input_tokens: 200_000, output_tokens: 30_000 }),
  ].map((e) => ({ execution_id: 'run_ingest', workflow_id: 'wf_ingest', phase_id: 'build', ...e })),
  // run_review: a batch-tier call and cache-heavy calls, the next day.
  ...[
    used({ event_id: 'b1', session_id: 'sess_review', occurred_at: at(20), model: MODELS.gpt, input_tokens: 400_000, output_tokens: 20_000, service_tier: 'batch', reported_cost_usd: '0.7' }),
    used({ event_id: 'b2', session_id: 'sess_review', occurred_at: at(20, 30), model: MODELS.claude, input_tokens: 5_000, output_tokens: 4_000, cache_read_tokens: 900_000 }),
  ].map((e) => ({ execution_id: 'run_review', workflow_id: 'wf_review', phase_id: 'review', ...e })),
  // run_small: a cheap one.
  used({ event_id: 'c1', session_id: 'sess_small', execution_id: 'run_small', workflow_id: 'wf_ingest', phase_id: 'plan', occurred_at: at(30), model: MODELS.flash, input_tokens: 1_000, output_tokens: 200 }),
];
const betaEvents: Event[] = [
  used({ event_id: 'x1', session_id: 'sess_beta', execution_id: 'run_beta', occurred_at: at(10), model: MODELS.gpt, input_tokens: 1_000_000, output_tokens: 50_000 }),
];

describe('the dashboard in a real browser', () => {
  let s: DashboardService;
  let browser: Browser;
  let page: Page;
  const keys: Record<string, string> = {};
  let revokable: { id: string; key: string };
  let position = '';
  const problems: string[] = [];

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
  };
  const read = async (path: string, key: string) => {
    const res = await s.api('GET', `${path}${path.includes('?') ? '&' : '?'}after=${position}`, key);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const value = (testId: string) => page.getByTestId(testId).first().getAttribute('data-value');
  const signIn = async (key: string) => {
    await page.goto(`${s.url}/#/overview`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByTestId('signin-key').fill(key);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('nav-overview').waitFor();
  };

  beforeAll(async () => {
    const executablePath = chromiumPath();
    mkdirSync(OUTPUT, { recursive: true });
    if (README_IMAGES) mkdirSync(README_IMAGES, { recursive: true });
    buildDashboard();
    [s, browser] = await Promise.all([startDashboardService({ dashboardDir: BUILD }), chromium.launch({ executablePath, args: ['--no-sandbox'] })]);
    for (const ws of [ACME, BETA]) keys[ws] = await s.keyFor(ws);
    const issued = await s.api('POST', '/v1/admin/api-keys', ADMIN_KEY, { workspace_id: ACME, name: 'ci-runner-old' });
    revokable = { id: issued.body.data.id, key: issued.body.data.key };
    for (const [ws, events] of [[ACME, acmeEvents], [BETA, betaEvents]] as const) {
      const res = await s.api('POST', '/v1/events', keys[ws], { events });
      if (res.status !== 202) throw new Error(`seeding ${ws}: ${res.status} ${JSON.stringify(res.body)}`);
      position = res.body.data.position;
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
    page = await context.newPage();
    // A script error, or anything the CSP refused, on any page fails the spec (afterEach).
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 120_000);
  afterEach(() => {
    expect(problems.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    rmSync(BUILD, { recursive: true, force: true });
  });

  it('signs in with a workspace key, and the overview shows the API’s exact totals', async () => {
    await signIn(keys[ACME]);
    const summary = (await read('/v1/cost/summary', keys[ACME])).data;
    await page.getByTestId('total-cost').waitFor();
    expect(await value('total-cost')).toBe(summary.totalCostUsdExact);
    const tokens = ['totalInputTokens', 'totalOutputTokens', 'totalCacheCreationTokens', 'totalCacheReadTokens'].reduce((sum, k) => sum + BigInt(summary[k]), 0n);
    expect(await value('total-tokens')).toBe(String(tokens));
    expect(await value('total-calls')).toBe(String(summary.totalCalls));
    expect(await value('total-runs')).toBe(String(summary.totalRuns));
    expect(summary).toMatchObject({ totalCalls: 9, totalRuns: 3, unpricedCalls: 1 });
    await expect(page.getByTestId('unpriced-banner').isVisible()).resolves.toBe(true);
    // The key stays in the tab's session, never in the address.
    expect(page.url()).not.toContain(keys[ACME]);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(keys[ACME]);
    expect(await page.evaluate(() => Object.values(localStorage))).not.toContain(keys[ACME]);
  });

  it('draws one series per model', async () => {
    const chart = page.getByTestId('cost-chart');
    await chart.locator('canvas').first().waitFor();
    const labels = await page.getByTestId('chart-series').evaluateAll((items) => items.map((i) => i.getAttribute('data-label')).sort());
    expect(labels).toEqual(Object.values(MODELS).sort());
    expect(await chart.getAttribute('data-series')).toBe('4');
    await shot('overview');
    if (README_IMAGES) await page.screenshot({ path: path.join(README_IMAGES, 'dashboard-overview.png'), fullPage: true });
  });

  it('drills down from the executions, sorted by cost, to an execution, a session and its calls', async () => {
    await page.getByTestId('nav-executions').click();
    await page.getByTestId('execution-row').first().waitFor();
    await page.getByTestId('sort-cost').click();
    const byCost = (await read('/costs/executions?sort=-total_cost_usd', keys[ACME])) as { execution_id: string; total_cost_usd: string }[];
    expect(byCost.map((e) => e.execution_id)).toEqual(['run_ingest', 'run_review', 'run_small']);
    const order = byCost.map((e) => e.execution_id);
    expect(await until(() => page.getByTestId('execution-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))), order)).toEqual(order);
    await shot('executions');

    await page.getByTestId('execution-row').first().locator('a').first().click();
    await page.getByTestId('execution-total').waitFor();
    expect(await value('execution-total')).toBe(byCost[0].total_cost_usd);
    expect(await page.getByTestId('session-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')).sort())).toEqual(['sess_build', 'sess_plan']);
    await shot('execution');

    await page.locator('[data-testid="session-row"][data-id="sess_plan"] a').first().click();
    await page.getByTestId('session-total').waitFor();
    const session = await read('/costs/sessions/sess_plan', keys[ACME]);
    expect(await value('session-total')).toBe(session.total_cost_usd);
    const calls = (await read('/v1/sessions/sess_plan/calls', keys[ACME])).data.calls as { eventId: string; costUsdExact: string; costDriftUsdExact: string }[];
    await page.getByTestId('call-row').first().waitFor();
    expect(await page.getByTestId('call-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(['a1', 'a2', 'a4']);
    expect(calls.map((c) => c.eventId)).toEqual(['a1', 'a2', 'a4']);
    // The call's own figures: its cost, and its drift against what the runtime reported, exactly.
    const first = page.locator('[data-testid="call-row"][data-id="a1"]');
    const shown = await first.locator('[data-value]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    expect(shown).toEqual(expect.arrayContaining([calls[0].costUsdExact, calls[0].costDriftUsdExact]));
    await shot('session');
  });

  it('lists the unpriced model and the reconciliation', async () => {
    await page.getByTestId('nav-unpriced').click();
    await page.locator(`[data-testid="unpriced-row"][data-model="${MODELS.unpriced}"]`).waitFor();
    await shot('unpriced');
    await page.getByTestId('nav-reconciliation').click();
    await page.getByTestId('reconciliation-drift').waitFor();
    await shot('reconciliation');
  });

  it('previews a price change as the admin, applies it, follows the rebuild and shows the restated total', async () => {
    const model = (await s.api('GET', `/v1/pricing/models/${MODELS.gpt}`, ADMIN_KEY)).body.data;
    const now = new Date().toISOString();
    type Row = { effective_from: string; effective_to: string | null; rates: Record<string, string> };
    const current = (model.rows as Row[]).find((r) => r.effective_from <= now && (!r.effective_to || r.effective_to > now))!;
    const doubled = new Big(current.rates.input).times(2).toFixed();
    // Doubling the input rate adds the input tokens × the old rate; the batch call pays half of it (its modifier, if the row has one).
    const batch = new Big((current as Row & { modifiers?: { service_tier?: Record<string, string> } }).modifiers?.service_tier?.batch ?? '1');
    const extra = (tokens: number, multiplier = new Big(1)) => new Big(tokens).times(current.rates.input).times(multiplier).div(1_000_000);
    const acmeDelta = extra(120_000).plus(extra(60_000)).plus(extra(400_000, batch));
    const betaDelta = extra(1_000_000);
    const before = (await read('/v1/cost/summary', keys[ACME])).data.totalCostUsdExact as string;

    await signIn(ADMIN_KEY);
    await page.getByTestId('workspace-select').selectOption(ACME);
    await page.getByTestId('nav-pricing').click();
    await page.getByTestId('pricing-search').fill(MODELS.gpt);
    await page.getByTestId('pricing-search').press('Enter');
    await page.getByTestId('price-input-input').waitFor();
    await page.getByTestId('price-input-input').fill(doubled);
    await page.getByTestId('preview-submit').click();
    await page.getByTestId('preview-table').waitFor();
    expect(await value('preview-delta')).toBe(acmeDelta.plus(betaDelta).toFixed());
    expect(await page.getByTestId('preview-row').count()).toBe(2);
    await shot('pricing-preview');
    if (README_IMAGES) await page.screenshot({ path: path.join(README_IMAGES, 'dashboard-price-preview.png'), fullPage: true });

    await page.getByTestId('apply-reason').fill('input price was misquoted');
    await page.getByTestId('apply-submit').click();
    const progress = page.getByTestId('rebuild-progress');
    await progress.waitFor();
    expect(await until(() => progress.getAttribute('data-state'), 'done', 30_000)).toBe('done');
    expect(await progress.getAttribute('aria-valuenow')).toBe('100');
    await page.getByTestId('restated-total').waitFor();
    const after = (await read('/v1/cost/summary', keys[ACME])).data.totalCostUsdExact as string;
    expect(after).toBe(new Big(before).plus(acmeDelta).toFixed());
    expect(await value('restated-total')).toBe(after);
    await shot('pricing-restated');
  });

  it('revokes a key on the operations page, and the API refuses it from then on', async () => {
    expect((await s.api('GET', '/costs/summary', revokable.key)).status).toBe(200);
    await page.getByTestId('nav-operations').click();
    const row = page.locator(`[data-testid="key-row"][data-id="${revokable.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-revoked')).toBe('false');
    await shot('operations');
    await row.getByTestId('key-revoke').click();
    await row.getByTestId('key-revoke-confirm').click();
    expect(await until(() => row.getAttribute('data-revoked'), 'true')).toBe('true');
    expect((await s.api('GET', '/costs/summary', revokable.key)).status).toBe(401);
    expect((await s.api('GET', '/costs/summary', keys[ACME])).status).toBe(200);
  });
});
