import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Big from 'big.js';
import { catalogFileHash } from '@ledger/pricing';
import type { CatalogFile, CatalogProvider, PriceRow } from '@ledger/pricing';
import { ADMIN_KEY, freshWorkspace, startTestApp, TestApp } from '@ledger/testing';
import { ledgerCli } from './deployment/support/ledger-cli';

const ROOT = path.resolve(__dirname, '..');
const EPOCH = '1970-01-01T00:00:00.000Z';


/**
 * The catalog this spec starts from when the service was not seeded with a catalog file: the snapshot's entries
 * for the models it uses (same keys, rules and rates), so the spec reads the same either way.
 */
const FALLBACK: CatalogFile = {
  source: { name: 'catalog-import-spec', version: '1', sha256: '0'.repeat(64) },
  providers: [
    {
      id: 'anthropic', name: 'Anthropic', provider_match: { contains: 'anthropic' }, model_match: { contains: 'claude' },
      models: [{ model: 'anthropic/claude-sonnet-4-5', match: { or: [{ starts_with: 'claude-sonnet-4-5' }, { starts_with: 'claude-sonnet-4.5' }] } }],
    },
    {
      id: 'google', name: 'Google', aliases: ['gemini', 'vertex'], model_match: { contains: 'gemini' },
      models: [{ model: 'google/gemini-2.5-flash', match: { or: [{ equals: 'gemini-2.5-flash' }, { equals: 'gemini-2.5-flash-latest' }] } }],
    },
    {
      id: 'openai', name: 'OpenAI', model_match: { or: [{ starts_with: 'gpt-' }, { regex: '^o[134]' }] },
      models: [{ model: 'openai/gpt-4.1-nano', match: { or: [{ equals: 'gpt-4.1-nano' }, { equals: 'gpt-4.1-nano-2025-04-14' }] } }],
    },
  ],
  rows: [
    {
      model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', effective_from: EPOCH,
      rates: { input: '3', output: '15', cache_creation: '3.75', cache_creation_1h: '6', cache_read: '0.3', web_search: '10' },
      tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '22.5', cache_creation: '7.5', cache_creation_1h: '12', cache_read: '0.6', web_search: '10' } }],
    },
    { model: 'google/gemini-2.5-flash', provider: 'google', effective_from: EPOCH, rates: { input: '0.3', output: '2.5', cache_read: '0.03' } },
    { model: 'openai/gpt-4.1-nano', provider: 'openai', effective_from: EPOCH, rates: { input: '0.1', output: '0.4', cache_read: '0.025' } },
  ],
};

/** The models the spec's calls resolve to: one whose price changes, one removed, one unchanged, one added. */
const CHANGED = 'anthropic/claude-sonnet-4-5';
const REMOVED = 'openai/gpt-4.1-nano';
const KEPT = 'google/gemini-2.5-flash';
const ADDED = 'anthropic/claude-test-import-9';
const OCCURRED = '2026-11-0';

interface Call {
  readonly model: string;
  readonly provider?: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
}
const calls = (model: string, provider: string | undefined, n: number, seed: number): Call[] =>
  Array.from({ length: n }, (_, i) => ({ model, ...(provider ? { provider } : {}), input_tokens: 1000 + seed * 101 + i * 37, output_tokens: 100 + seed * 13 + i * 11 }));

/** The independent oracle: tokens × rate per million, summed exactly (no call reaches a long-context tier). */
const costOf = (cs: readonly Call[], row: PriceRow | undefined) =>
  row ? cs.reduce((acc, c) => acc.plus(new Big(row.rates.input).times(c.input_tokens).plus(new Big(row.rates.output).times(c.output_tokens)).div(1_000_000)), new Big(0)) : new Big(0);

describe('ledger catalog import (the CLI against a running service)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  const admin = { 'x-api-key': ADMIN_KEY };

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    env = { LEDGER_URL: `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`, LEDGER_ADMIN_KEY: ADMIN_KEY };
    dir = mkdtempSync(path.join(tmpdir(), 'catalog-import-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  const catalogNow = async () => (await t.http.get('/v1/pricing/catalog').set(admin)).body.data;
  const rebuildCount = async () => Number((await t.db.pool.query('SELECT count(*) FROM projection_rebuilds')).rows[0].count);
  const writeFile = (name: string, content: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  async function waitForRebuild(id: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rebuild, pending_rebuilds } = (await t.http.get('/v1/admin/projections').set(admin)).body.data[0];
      if (rebuild?.id >= id && rebuild.state === 'done' && pending_rebuilds === 0) return;
      if (Date.now() > deadline) throw new Error(`rebuild ${id} did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The catalog as a file: the one the service was seeded with, or the spec's own, imported first. */
  async function ensureBase(): Promise<CatalogFile> {
    const seeded = (await catalogNow()).file as CatalogFile | null;
    if (seeded) return seeded;
    const res = await t.http.post('/v1/pricing/catalog/import').set(admin).send({ catalog: FALLBACK, apply: true, reason: 'the spec’s base catalog' });
    expect(res.status).toBe(200);
    return (await catalogNow()).file as CatalogFile;
  }

  /** Each workspace's total, once the projection has caught up with `position`. */
  async function totals(keys: Record<string, string>, position?: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [ws, key] of Object.entries(keys)) {
      const res = await t.http.get(`/costs/summary${position ? `?after=${position}` : ''}`).set('x-api-key', key);
      expect(res.status).toBe(200);
      out[ws] = res.body.total_cost_usd;
    }
    return out;
  }

  it('compares the snapshot shipped with this version when no FILE is named', async () => {
    const snapshot = path.join(ROOT, 'libs/pricing/catalog/genai-prices.snapshot.json');
    const run = await ledgerCli(['catalog', 'import', '--json'], env);
    if (!existsSync(snapshot)) {
      expect(run).toEqual({ code: 1, stdout: '', stderr: `no catalog snapshot is shipped at ${snapshot}: name a FILE\n` });
      return;
    }
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const shipped = JSON.parse(readFileSync(snapshot, 'utf8')) as CatalogFile;
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ file: { source: shipped.source, sha256: catalogFileHash(shipped), rows: shipped.rows.length }, applied: null });
    // A catalog seeded with this very snapshot (and not changed since, as here before the next test) has nothing to import.
    if ((await catalogNow()).source?.catalog_sha256 === catalogFileHash(shipped)) {
      expect(answer.diff).toEqual({ added: [], changed: [], removed: [], providers: { added: [], removed: [], changed: [], reordered: false } });
      const again = await ledgerCli(['catalog', 'import', '--apply', '--reason', 'upgrade'], env);
      expect(again.stdout).toContain('\nnothing to record: the catalog already prices exactly this file\n');
    }
  });

  it('shows the exact diff and preview, changes nothing, then applies it as one version restating exactly the workspaces it touches', async () => {
    const base = await ensureBase();
    const rowOf = (file: CatalogFile, model: string) => file.rows.find((r) => r.model === model && Date.parse(r.effective_from) <= Date.parse(`${OCCURRED}1T00:00:00Z`) && !r.effective_to);
    for (const model of [CHANGED, REMOVED, KEPT]) expect(rowOf(base, model)).toBeDefined();

    // Three workspaces, calls under the names clients send: A the changed and the kept model, B the removed one and
    // the one about to be added (unpriced until then), C only the kept one.
    const [a, b, c] = [freshWorkspace('imp_a'), freshWorkspace('imp_b'), freshWorkspace('imp_c')];
    const keys = { [a]: await t.keyFor(a), [b]: await t.keyFor(b), [c]: await t.keyFor(c) };
    const usage: Record<string, Record<string, Call[]>> = {
      [a]: { changed: calls('claude-sonnet-4-5-20250929', 'anthropic', 4, 1), kept: calls('gemini-2.5-flash', 'vertex', 3, 2) },
      [b]: { removed: calls('gpt-4.1-nano', undefined, 5, 3), added: calls('claude-test-import-9', 'anthropic', 2, 4) },
      [c]: { kept: calls('gemini-2.5-flash', 'vertex', 6, 5) },
    };
    let position = '';
    for (const [ws, groups] of Object.entries(usage)) {
      const events = Object.values(groups).flat().map((call, i) => ({
        ...call, type: 'TokenUsed', event_id: `${ws}-${i}`, session_id: `${ws}-s`, execution_id: `${ws}-x`, occurred_at: `${OCCURRED}${1 + (i % 9)}T10:00:00.000Z`,
      }));
      const res = await t.http.post('/v1/events').set('x-api-key', keys[ws]).send({ events });
      expect(res.status).toBe(202);
      position = res.body.data.position;
    }
    const before = await totals(keys, position);
    const version = (await catalogNow()).version as number;

    // The modified copy: one price changed, one model added, one removed, the rest identical.
    const changedRow = { ...rowOf(base, CHANGED)!, rates: { ...rowOf(base, CHANGED)!.rates, input: '2.5' } };
    const addedRow: PriceRow = { model: ADDED, provider: 'anthropic', effective_from: EPOCH, rates: { input: '0.7', output: '3.5', cache_read: '0.07' } };
    const withModels = (p: CatalogProvider) => ({
      ...p,
      models: [...p.models.filter((m) => m.model !== REMOVED), ...(p.id === 'anthropic' ? [{ model: ADDED, match: { equals: 'claude-test-import-9' } }] : [])],
    });
    const modified: CatalogFile = {
      ...base,
      source: { ...base.source, version: `${base.source.version}+spec` },
      providers: base.providers.map(withModels),
      rows: [...base.rows.filter((r) => r.model !== REMOVED).map((r) => (r === rowOf(base, CHANGED) ? changedRow : r)), addedRow],
    };
    const file = writeFile('modified.json', modified);

    const expected = {
      [a]: { before: costOf(usage[a].changed, rowOf(base, CHANGED)), after: costOf(usage[a].changed, changedRow), ub: 0, ua: 0, events: 4 },
      [b]: { before: costOf(usage[b].removed, rowOf(base, REMOVED)), after: costOf(usage[b].added, addedRow), ub: 2, ua: 5, events: 7 },
    };
    const workspaceLine = (ws: string) => ({
      workspace_id: ws, events: expected[ws].events,
      before_usd: expected[ws].before.toFixed(), after_usd: expected[ws].after.toFixed(), delta_usd: expected[ws].after.minus(expected[ws].before).toFixed(),
      unpriced_before: expected[ws].ub, unpriced_after: expected[ws].ua,
    });
    const mine = (lines: { workspace_id: string }[]) => lines.filter((l) => l.workspace_id === a || l.workspace_id === b);

    // Dry run, as JSON.
    const rebuildsBefore = await rebuildCount();
    const dry = await ledgerCli(['catalog', 'import', file, '--json'], env);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    const answer = JSON.parse(dry.stdout);
    expect(answer.diff).toEqual({
      added: [addedRow],
      changed: [{ before: rowOf(base, CHANGED), after: changedRow, differences: [{ field: 'rates.input', before: rowOf(base, CHANGED)!.rates.input, after: '2.5' }] }],
      removed: [rowOf(base, REMOVED)],
      providers: { added: [], removed: [], changed: ['anthropic', 'openai'], reordered: false },
    });
    expect(answer).toMatchObject({
      catalog_version: version,
      applied: null,
      file: { source: modified.source, sha256: catalogFileHash(modified), providers: base.providers.length, rows: modified.rows.length },
    });
    expect(mine(answer.preview.workspaces)).toEqual([a, b].sort().map(workspaceLine));
    expect(answer.preview.workspaces.map((w: { workspace_id: string }) => w.workspace_id)).not.toContain(c);
    const line = (ws: string, model: string, events: number, before: Big, after: Big, ub: number, ua: number) => ({
      workspace_id: ws, model, events, before_usd: before.toFixed(), after_usd: after.toFixed(), delta_usd: after.minus(before).toFixed(), unpriced_before: ub, unpriced_after: ua,
    });
    expect(mine(answer.preview.lines)).toEqual(
      [
        line(a, 'claude-sonnet-4-5-20250929', 4, expected[a].before, expected[a].after, 0, 0),
        line(b, 'claude-test-import-9', 2, new Big(0), expected[b].after, 2, 0),
        line(b, 'gpt-4.1-nano', 5, expected[b].before, new Big(0), 0, 5),
      ].sort((x, y) => x.workspace_id.localeCompare(y.workspace_id) || x.model.localeCompare(y.model)),
    );

    // The same, for people: the changed rate old → new, the workspaces with before, after and delta.
    const human = await ledgerCli(['catalog', 'import', file], env);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toContain(`diff: 1 added, 1 changed, 1 removed; providers: 0 added, 0 removed, 2 changed`);
    expect(human.stdout).toContain(`  ${CHANGED} from ${EPOCH}: rates.input ${rowOf(base, CHANGED)!.rates.input} → 2.5\n`);
    expect(human.stdout).toContain(`  ${ADDED} from ${EPOCH}: input 0.7, output 3.5, cache_read 0.07\n`);
    expect(human.stdout).toMatch(new RegExp(`\\n  ${a} +4 +${expected[a].before.toFixed()} +${expected[a].after.toFixed()} +${expected[a].after.minus(expected[a].before).toFixed()} +0 → 0\\n`));
    expect(human.stdout).toContain('dry run: nothing changed');

    // Nothing changed.
    expect((await catalogNow()).version).toBe(version);
    expect(await rebuildCount()).toBe(rebuildsBefore);
    expect(await totals(keys)).toEqual(before);

    // Applied: one version, one rebuild, exactly the previewed figures.
    const apply = await ledgerCli(['catalog', 'import', file, '--apply', '--reason', 'the spec’s modified snapshot'], env);
    expect(apply).toMatchObject({ code: 0, stderr: '' });
    expect(apply.stdout).toContain(`recorded as catalog version ${version + 1}\n`);
    expect(apply.stdout).toMatch(/\nrebuild \d+ queued\n/);
    expect(apply.stdout).toContain('rebuild done: the restated read model is live');
    await waitForRebuild(Number(/rebuild (\d+) queued/.exec(apply.stdout)![1]));
    const now = await catalogNow();
    expect(now.version).toBe(version + 1);
    expect(now.source).toEqual({ ...modified.source, catalog_sha256: answer.file.sha256, catalog_version: version + 1 });
    expect(await rebuildCount()).toBe(rebuildsBefore + 1);
    const history = (await t.http.get('/v1/pricing/models').set(admin)).body.data.changes;
    expect(history[history.length - 1]).toMatchObject({ version: version + 1, type: 'CatalogImported', data: { reason: 'the spec’s modified snapshot' } });
    const after = await totals(keys);
    const keptCost = (ws: string) => costOf(usage[ws].kept ?? [], rowOf(base, KEPT));
    expect(after).toEqual({
      [a]: new Big(before[a]).plus(workspaceLine(a).delta_usd).toFixed(),
      [b]: new Big(before[b]).plus(workspaceLine(b).delta_usd).toFixed(),
      [c]: before[c],
    });
    expect(after[a]).toBe(expected[a].after.plus(keptCost(a)).toFixed());
    expect(after[b]).toBe(expected[b].after.toFixed());
    expect(after[c]).toBe(keptCost(c).toFixed());

    // The same file again: no difference, nothing recorded, no rebuild.
    const again = await ledgerCli(['catalog', 'import', file, '--apply', '--reason', 'again', '--json'], env);
    expect(again).toMatchObject({ code: 0, stderr: 'nothing to record: the catalog already prices exactly this file\n' });
    const same = JSON.parse(again.stdout);
    expect(same.diff).toEqual({ added: [], changed: [], removed: [], providers: { added: [], removed: [], changed: [], reordered: false } });
    expect(same.applied).toEqual({ recorded: false, catalog_version: version + 1, affected: { events: 0, from: null, to: null }, rebuild: { state: 'not_needed' } });
    expect((await catalogNow()).version).toBe(version + 1);
    expect(await rebuildCount()).toBe(rebuildsBefore + 1);
  });

  it('refuses a bad file with a 400 naming the field, from the CLI and the API', async () => {
    const bad = { ...FALLBACK, rows: FALLBACK.rows.map((r, i) => (i === 2 ? { ...r, rates: { ...r.rates, input: '0.1.0' } } : r)) };
    const run = await ledgerCli(['catalog', 'import', writeFile('bad.json', bad)], env);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'POST /v1/pricing/catalog/import: 400 catalog.rows[2].rates.input: must be a decimal string with up to 12 fractional digits, e.g. "2.50"\n',
    });
    const res = await t.http.post('/v1/pricing/catalog/import').set(admin).send({ catalog: { ...bad, providers: [{ ...FALLBACK.providers[0], id: 'Anthropic' }] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'catalog.providers[0].id', 'catalog.rows[0].provider', 'catalog.rows[1].provider', 'catalog.rows[2].provider', 'catalog.rows[2].rates.input',
    ]);
    const noReason = await t.http.post('/v1/pricing/catalog/import').set(admin).send({ catalog: FALLBACK, apply: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([{ field: 'reason', location: 'body', message: 'say why with apply: the reason is recorded with the new catalog version' }]);
  });

  it('the CLI refuses --apply without --reason, and an unreadable or non-JSON file', async () => {
    const usage = await ledgerCli(['catalog', 'import', 'x.json', '--apply'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toBe('--apply needs --reason "why": it is recorded with the new catalog version');
    expect(await ledgerCli(['catalog', 'import', path.join(dir, 'none.json')], env)).toEqual({
      code: 1, stdout: '', stderr: `cannot read the catalog file ${path.join(dir, 'none.json')}: ENOENT\n`,
    });
    const notJson = await ledgerCli(['catalog', 'import', writeFile('not.json', '{"rows": [')], env);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/not\.json is not JSON: /);
    expect((await ledgerCli(['catalog', 'export'], env)).stderr.split('\n')[0]).toBe('unknown catalog command "export"');
  });

  it('takes a catalog body above the service’s 1 MiB limit on the import route only', async () => {
    const padded = `{"catalog": ${JSON.stringify(FALLBACK)}${' '.repeat(1_500_000)}}`;
    const res = await t.http.post('/v1/pricing/catalog/import').set(admin).set('content-type', 'application/json').send(padded);
    expect(res.status).toBe(200);
    const elsewhere = await t.http.post('/v1/pricing/preview').set(admin).set('content-type', 'application/json').send(`{"action":"set"${' '.repeat(1_500_000)}}`);
    expect(elsewhere.status).toBe(413);
  });

  it('lists the providers to any valid key, by id, with their aliases and model counts', async () => {
    const { providers } = await ensureBase();
    const key = await t.keyFor(freshWorkspace('imp_p'));
    const res = await t.http.get('/v1/pricing/providers').set('x-api-key', key);
    expect(res.status).toBe(200);
    const ids = providers.map((p) => p.id).sort();
    expect(res.body.data.providers.map((p: { id: string }) => p.id)).toEqual(ids);
    const anthropic = providers.find((p) => p.id === 'anthropic')!;
    expect(res.body.data.providers.find((p: { id: string }) => p.id === 'anthropic')).toEqual({
      id: 'anthropic', name: anthropic.name, aliases: anthropic.aliases ?? [], pricing_urls: anthropic.pricing_urls ?? [], models: anthropic.models.length,
    });
    expect((await t.http.get('/v1/pricing/providers')).status).toBe(401);
    expect((await t.http.get('/v1/pricing/catalog').set('x-api-key', key)).status).toBe(403);
  });
});
