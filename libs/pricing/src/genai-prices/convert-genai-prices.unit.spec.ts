import Big from 'big.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog, compileRates } from '../price-catalog';
import { resolveModel } from '../model-resolution';
import { subsetsOf, USAGE_CLASSES } from '../price-dimensions';
import type { CatalogFile } from '../catalog-file';
import defaultCatalog from '../../../../test/support/fixture-price-rows.json';
import { CatalogOverlay, convertGenaiPrices, decimalOf, REASONS, SOURCE_KEY, SourceModel, SourcePrices, SourceProvider } from './convert-genai-prices';
import { convertInstalled, OVERLAY_PATH, repoRoot, SNAPSHOT_PATH } from './convert.main';

const SOURCE = { name: 'test', version: '0', sha256: '0' };
const model = (id: string, prices: SourceModel['prices']): SourceModel => ({ id, match: { equals: id }, prices });
const provider = (id: string, models: SourceModel[]): SourceProvider => ({ id, name: id.toUpperCase(), models });
const convert = (models: SourceModel[], overlay: CatalogOverlay = {}) => convertGenaiPrices([provider('p', models)], overlay, SOURCE);
const rowsOf = (models: SourceModel[], overlay?: CatalogOverlay) => convert(models, overlay).file.rows;
const base: SourcePrices = { input_mtok: 1, output_mtok: 2 };

describe('decimalOf', () => {
  it('writes the shortest round-trip form in plain digits', () => {
    expect(decimalOf(2e5)).toBe('200000');
    expect(decimalOf(0.075)).toBe('0.075');
    expect(decimalOf(1e-7)).toBe('0.0000001');
    expect(decimalOf(1e21)).toBe('1000000000000000000000');
    expect(decimalOf(0.18000000000000002)).toBe('0.18000000000000002');
  });
});

describe('convertGenaiPrices', () => {
  it('maps the source keys to our classes, cache reads written out at input when missing', () => {
    const [row] = rowsOf([
      model('m', { input_mtok: 3, output_mtok: 15, cache_write_mtok: 3.75, cache_write_1h_mtok: 6, cache_read_mtok: 0.3, output_reasoning_mtok: 20, web_searches_kcount: 10 }),
    ]);
    expect(row).toEqual({
      model: 'p/m',
      provider: 'p',
      effective_from: '1970-01-01T00:00:00.000Z',
      rates: { input: '3', output: '15', reasoning: '20', cache_creation: '3.75', cache_creation_1h: '6', cache_read: '0.3', web_search: '10' },
    });
    expect(rowsOf([model('m', { input_mtok: 0.075, output_mtok: 0.3 })])[0]!.rates).toEqual({ input: '0.075', output: '0.3', cache_read: '0.075' });
  });

  it('bills 1-hour cache writes at the cache-write price when the source has no 1-hour price (its fallback)', () => {
    const { file, report } = convert([model('m', { ...base, cache_write_mtok: 1.25 })]);
    expect(file.rows[0]!.rates).toEqual({ input: '1', output: '2', cache_creation: '1.25', cache_creation_1h: '1.25', cache_read: '1' });
    expect(report.cacheCreation1hFromCacheWrite).toBe(1);
  });

  it('refuses a model with a rate of more than 6 fractional digits, and lists the key', () => {
    const { file, report } = convert([model('noisy', { ...base, cache_write_mtok: 0.08333333333333334 }), model('tiny', { ...base, cache_read_mtok: 1e-7 }), model('ok', { ...base, cache_read_mtok: 0.000001 })]);
    expect(file.rows.map((r) => r.model)).toEqual(['p/ok']);
    expect(file.not_imported).toEqual([
      { provider: 'p', model: 'p/noisy', reason: REASONS.noise, keys: ['cache_write_mtok'] },
      { provider: 'p', model: 'p/tiny', reason: REASONS.noise, keys: ['cache_read_mtok'] },
    ]);
    expect(report.notImported).toEqual({ [REASONS.noise]: 2 });
    expect(file.providers[0]!.models).toEqual([{ model: 'p/ok', match: { equals: 'ok' } }]);
  });

  it('applies a correction of the exact noisy value, and only that value', () => {
    const correction = { model: 'p/m', key: 'input_mtok', from: '0.18000000000000002', to: '0.18', comment: 'c', source: 's' };
    const { file, report } = convert([model('m', { input_mtok: 0.18000000000000002, output_mtok: 0.68 })], { corrections: [correction] });
    expect(file.rows[0]!.rates).toEqual({ input: '0.18', output: '0.68', cache_read: '0.18' });
    expect(report.unusedOverlay).toEqual([]);
    const stale = convert([model('m', { input_mtok: 0.19, output_mtok: 0.68 })], { corrections: [correction] });
    expect(stale.file.rows[0]!.rates.input).toBe('0.19');
    expect(stale.report.unusedOverlay).toEqual(['corrections[0] p/m']);
  });

  it('combines per-key tiers over the union of thresholds, each key at its tier in force', () => {
    const [row] = rowsOf([
      model('m', {
        input_mtok: { base: 1, tiers: [{ start: 200000, price: 2 }] },
        output_mtok: { base: 10, tiers: [{ start: 128000, price: 15 }, { start: 272000, price: 20 }] },
        cache_read_mtok: 0.1,
        web_searches_kcount: 10,
      }),
    ]);
    expect(row!.rates).toEqual({ input: '1', output: '10', cache_read: '0.1', web_search: '10' });
    expect(row!.tiers).toEqual([
      { above_prompt_tokens: 128000, rates: { input: '1', output: '15', cache_read: '0.1', web_search: '10' } },
      { above_prompt_tokens: 200000, rates: { input: '2', output: '15', cache_read: '0.1', web_search: '10' } },
      { above_prompt_tokens: 272000, rates: { input: '2', output: '20', cache_read: '0.1', web_search: '10' } },
    ]);
  });

  it('writes missing cache reads at the input price of each tier', () => {
    const [row] = rowsOf([model('m', { input_mtok: { base: 1, tiers: [{ start: 2e5, price: 2 }] }, output_mtok: 4 })]);
    expect(row!.tiers).toEqual([{ above_prompt_tokens: 200000, rates: { input: '2', output: '4', cache_read: '2' } }]);
  });

  it('turns start-date prices into non-overlapping rows by the last-wins rule, equal neighbours merged', () => {
    const rows = rowsOf([
      model('m', [
        { prices: { input_mtok: 10, output_mtok: 40 } },
        { constraint: { type: 'start_date', start_date: '2025-06-10' }, prices: { input_mtok: 2, output_mtok: 8 } },
        { constraint: { type: 'start_date', start_date: '2025-01-01' }, prices: { input_mtok: 5, output_mtok: 20 } },
        { constraint: { type: 'start_date', start_date: '2026-01-01' }, prices: { input_mtok: 5, output_mtok: 20 } },
      ]),
    ]);
    // At 2025-06-10 the last entry that holds is 2025-01-01's (listed after 2025-06-10's): it wins from 2025-01-01 on.
    expect(rows.map((r) => [r.effective_from, r.effective_to, r.rates.input])).toEqual([
      ['1970-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '10'],
      ['2025-01-01T00:00:00.000Z', undefined, '5'],
    ]);
    const plain = rowsOf([model('o3', [{ prices: { input_mtok: 10, output_mtok: 40 } }, { constraint: { type: 'start_date', start_date: '2025-06-10' }, prices: { input_mtok: 2, output_mtok: 8 } }])]);
    expect(plain.map((r) => [r.effective_from, r.effective_to ?? null, r.rates.output])).toEqual([
      ['1970-01-01T00:00:00.000Z', '2025-06-10T00:00:00.000Z', '40'],
      ['2025-06-10T00:00:00.000Z', null, '8'],
    ]);
  });

  it('refuses a model with any time-of-day price', () => {
    const { file } = convert([
      model('dsk', [{ prices: base }, { constraint: { type: 'time_of_date', start_time: '00:30:00Z', end_time: '16:30:00Z' }, prices: { input_mtok: 2, output_mtok: 4 } }]),
    ]);
    expect(file.rows).toEqual([]);
    expect(file.not_imported).toEqual([{ provider: 'p', model: 'p/dsk', reason: REASONS.timeOfDay }]);
  });

  it('refuses per-call and per-unit fees; imports modality and storage prices at text rates, listed', () => {
    const { file, report } = convert([
      model('fee', { ...base, requests_kcount: 5 }),
      model('ocr', { input_document_kpages: 1 }),
      model('audio', { ...base, input_audio_mtok: 6 }),
      model('embed', { input_mtok: 0.1 }),
      model('free', {}),
      model('odd', { ...base, input_gizmos_kcount: 1 }),
    ]);
    expect(file.rows.map((r) => r.model)).toEqual(['p/audio']);
    expect(file.not_imported).toEqual([
      { provider: 'p', model: 'p/fee', reason: REASONS.unmeasured, keys: ['requests_kcount'] },
      { provider: 'p', model: 'p/ocr', reason: REASONS.unmeasured, keys: ['input_document_kpages'] },
      { provider: 'p', model: 'p/audio', reason: REASONS.pricedWithout, keys: ['input_audio_mtok'] },
      { provider: 'p', model: 'p/embed', reason: REASONS.noInputOutput },
      { provider: 'p', model: 'p/free', reason: REASONS.noPrices },
      { provider: 'p', model: 'p/odd', reason: REASONS.unknownKey, keys: ['input_gizmos_kcount'] },
    ]);
    expect(report).toMatchObject({ sourceModels: 6, importedModels: 1, rows: 1, pricedWithout: 1 });
  });

  it('imports deprecated models', () => {
    expect(rowsOf([{ ...model('old', base), deprecated: true }]).map((r) => r.model)).toEqual(['p/old']);
  });

  it('applies the overlay: provider aliases, modifiers by key and prefix (later entries win), model aliases', () => {
    const overlay: CatalogOverlay = {
      provider_aliases: [{ provider: 'p', aliases: ['Pee', 'p-ai'], comment: 'c', source: 's' }],
      modifiers: [
        { model: 'p/*', modifiers: { service_tier: { batch: '0.5', priority: '2' } }, comment: 'c', source: 's' },
        { model: 'p/a', modifiers: { service_tier: { priority: '1.75' }, speed: { fast: '6' } }, comment: 'c', source: 's' },
        { model: 'q/*', modifiers: { service_tier: { batch: '0.5' } }, comment: 'c', source: 's' },
      ],
      aliases: [{ model: 'p/a', aliases: ['a-latest'], comment: 'c', source: 's' }],
    };
    const { file, report } = convert([model('a', base), model('b', base)], overlay);
    expect(file.providers[0]).toMatchObject({ id: 'p', name: 'P', aliases: ['pee', 'p-ai'] });
    expect(file.rows).toEqual([
      { model: 'p/a', provider: 'p', aliases: ['a-latest'], effective_from: '1970-01-01T00:00:00.000Z', rates: { input: '1', output: '2', cache_read: '1' }, modifiers: { service_tier: { batch: '0.5', priority: '1.75' }, speed: { fast: '6' } } },
      { model: 'p/b', provider: 'p', effective_from: '1970-01-01T00:00:00.000Z', rates: { input: '1', output: '2', cache_read: '1' }, modifiers: { service_tier: { batch: '0.5', priority: '2' } } },
    ]);
    expect(report.unusedOverlay).toEqual(['modifiers[2] q/*']);
  });

  it('rejects an overlay modifier the price model does not have', () => {
    expect(() => convert([model('a', base)], { modifiers: [{ model: 'p/a', modifiers: { service_tier: { turbo: '2' } }, comment: 'c', source: 's' }] })).toThrow(/no value turbo/);
    expect(() => convert([model('a', base)], { modifiers: [{ model: 'p/a', modifiers: { colour: { red: '2' } } as never, comment: 'c', source: 's' }] })).toThrow(/no price modifier colour/);
  });

  it('rejects a provider alias that is a provider id or names two providers', () => {
    const alias = (provider: string, aliases: string[]) => ({ provider, aliases, comment: 'c', source: 's' });
    expect(() => convertGenaiPrices([provider('p', []), provider('q', [])], { provider_aliases: [alias('p', ['Q'])] }, SOURCE)).toThrow(/ambiguous/);
    expect(() => convertGenaiPrices([provider('p', []), provider('q', [])], { provider_aliases: [alias('p', ['x']), alias('q', ['x'])] }, SOURCE)).toThrow(/ambiguous/);
  });

  it('maps every usage class to a source key of the same unit', () => {
    for (const cls of USAGE_CLASSES) expect(SOURCE_KEY[cls.key].endsWith(cls.per === 1_000_000 ? '_mtok' : '_kcount')).toBe(true);
  });
});

describe('the committed snapshot', () => {
  const root = repoRoot(__dirname);
  const text = readFileSync(join(root, SNAPSHOT_PATH), 'utf8');
  const file = JSON.parse(text) as CatalogFile;
  const rowsOfModel = (key: string) => file.rows.filter((r) => r.model === key);

  it('is exactly what the converter makes of the installed package and the overlay', async () => {
    const converted = await convertInstalled(root);
    expect(converted.report.unusedOverlay).toEqual([]);
    expect(JSON.parse(converted.text)).toEqual(file);
    expect(converted.text).toBe(text);
    expect(file.source).toMatchObject({ name: '@pydantic/genai-prices', version: '0.1.8' });
  });

  it('prices Claude Sonnet 4.5 with its long-context tier and 1-hour cache writes', () => {
    expect(rowsOfModel('anthropic/claude-sonnet-4-5')).toEqual([
      {
        model: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', effective_from: '1970-01-01T00:00:00.000Z',
        rates: { input: '3', output: '15', cache_creation: '3.75', cache_creation_1h: '6', cache_read: '0.3', web_search: '10' },
        tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '22.5', cache_creation: '7.5', cache_creation_1h: '12', cache_read: '0.6', web_search: '10' } }],
        modifiers: { service_tier: { batch: '0.5' } },
      },
    ]);
  });

  it('prices GPT-4o, o3 by date, and Gemini 2.5 Pro with its tier', () => {
    expect(rowsOfModel('openai/gpt-4o').map((r) => [r.rates, r.modifiers])).toEqual([
      [{ input: '2.5', output: '10', cache_read: '1.25', web_search: '10' }, { service_tier: { batch: '0.5', priority: '1.7' } }],
    ]);
    expect(rowsOfModel('openai/o3').map((r) => [r.effective_from, r.effective_to ?? null, r.rates.input, r.rates.output])).toEqual([
      ['1970-01-01T00:00:00.000Z', '2025-06-10T00:00:00.000Z', '10', '40'],
      ['2025-06-10T00:00:00.000Z', null, '2', '8'],
    ]);
    expect(rowsOfModel('google/gemini-2.5-pro').map((r) => [r.rates, r.tiers])).toEqual([
      [{ input: '1.25', output: '10', cache_read: '0.125' }, [{ above_prompt_tokens: 200000, rates: { input: '2.5', output: '15', cache_read: '0.25' } }]],
    ]);
  });

  it('leaves time-of-day and noisy models unpriced, listed', () => {
    const listed = (model: string) => file.not_imported?.find((n) => n.model === model)?.reason;
    expect(listed('deepseek/deepseek-chat')).toBe(REASONS.timeOfDay);
    expect(listed('openrouter/google/gemini-2.5-flash-lite')).toBe(REASONS.noise);
    expect(rowsOfModel('deepseek/deepseek-chat')).toEqual([]);
    expect(rowsOfModel('huggingface_together/Qwen/Qwen3-VL-8B-Instruct')[0]!.rates.input).toBe('0.18');
  });

  it('keeps every modifier of the hand-written default catalog on the model its name resolves to', () => {
    const catalog = buildCatalog(file.rows, 1, [], [], file.providers);
    for (const row of defaultCatalog.rows as { model: string; effective_from: string; modifiers?: object }[]) {
      if (!row.modifiers) continue;
      const key = resolveModel(catalog, null, row.model);
      expect([row.model, key]).toEqual([row.model, expect.any(String)]);
      const rows = rowsOfModel(key!);
      expect([row.model, rows.at(-1)!.modifiers]).toEqual([row.model, row.modifiers]);
    }
  });

  it('names its providers by the source ids, with the overlay aliases', () => {
    const aliases = Object.fromEntries(file.providers.filter((p) => p.aliases).map((p) => [p.id, p.aliases]));
    expect(aliases).toMatchObject({ aws: ['bedrock', 'aws-bedrock', 'amazon-bedrock'], google: expect.arrayContaining(['vertex', 'gemini']), 'x-ai': expect.arrayContaining(['x_ai']) });
  });
});

/**
 * An independent oracle: every imported row, priced by our rules (fallbacks, subset rule, tier by prompt)
 * with big.js, against the source's own `calcPrice` on the same call. The source computes in floats, so
 * the comparison allows float error, nothing more. Web searches the row does not price are unpriced here
 * and free there: such a call's priced part must still agree.
 */
describe('the snapshot against genai-prices own arithmetic', () => {
  type Calc = (usage: Record<string, number>, model: string, options: { provider: SourceProvider; timestamp: Date }) => { total_price: number } | null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the devDependency's CJS build, as the converter loads it
  const genai = require('@pydantic/genai-prices') as { calcPrice: Calc; waitForUpdate(): Promise<readonly SourceProvider[]> };
  const file = JSON.parse(readFileSync(join(repoRoot(__dirname), SNAPSHOT_PATH), 'utf8')) as CatalogFile;
  const overlay = JSON.parse(readFileSync(join(repoRoot(__dirname), OVERLAY_PATH), 'utf8')) as CatalogOverlay;

  const calls = [
    { input_tokens: 1000, cache_read_tokens: 2000, cache_creation_tokens: 3000, cache_creation_1h_tokens: 1000, output_tokens: 500, reasoning_tokens: 100, web_search_requests: 2 },
    { input_tokens: 300_000, cache_read_tokens: 20_000, cache_creation_tokens: 7000, cache_creation_1h_tokens: 5000, output_tokens: 4000, reasoning_tokens: 3000, web_search_requests: 1 },
  ];

  function ours(row: CatalogFile['rows'][number], q: Record<string, number>): Big {
    const prompt = USAGE_CLASSES.filter((c) => c.inPrompt).reduce((n, c) => n + (q[c.field] ?? 0), 0);
    const tier = [...(row.tiers ?? [])].sort((a, b) => b.above_prompt_tokens - a.above_prompt_tokens).find((t) => prompt > t.above_prompt_tokens);
    const rates = compileRates(tier?.rates ?? row.rates);
    let cost = new Big(0);
    for (const cls of USAGE_CLASSES) {
      const leaf = (q[cls.field] ?? 0) - subsetsOf(cls).reduce((n, s) => n + (q[s.field] ?? 0), 0);
      const rate = rates[cls.key];
      if (rate !== null && leaf > 0) cost = cost.plus(rate.times(leaf).div(cls.per));
    }
    return cost;
  }

  it('prices every imported row as the source does, but for the tiers the overlay adds', async () => {
    const providers = await genai.waitForUpdate();
    const sourceOf = new Map<string, { p: SourceProvider; m: SourceModel }>(providers.flatMap((p) => p.models.map((m) => [`${p.id}/${m.id}`, { p, m }] as const)));
    let compared = 0;
    const differ: string[] = [];
    for (const row of file.rows) {
      const { p, m } = sourceOf.get(row.model)!;
      const single: SourceProvider = { ...p, fallback_model_providers: undefined, models: [{ ...m, match: { equals: 'the-model' } }] };
      const at = new Date(Date.parse(row.effective_from) + 86_400_000);
      for (const q of calls) {
        const usage = {
          input_tokens: q.input_tokens + q.cache_read_tokens + q.cache_creation_tokens,
          cache_read_tokens: q.cache_read_tokens,
          cache_write_tokens: q.cache_creation_tokens,
          cache_write_1h_tokens: q.cache_creation_1h_tokens,
          output_tokens: q.output_tokens,
          output_reasoning_tokens: q.reasoning_tokens,
          web_searches: q.web_search_requests,
        };
        const theirs = genai.calcPrice(usage, 'the-model', { provider: single, timestamp: at })!.total_price;
        const mine = ours(row, q);
        if (mine.minus(decimalOf(theirs)).abs().gt(mine.times('1e-12').plus('1e-15'))) differ.push(`${row.model}@${row.effective_from}: ${mine.toFixed()} vs ${theirs}`);
        compared++;
      }
    }
    // Only the calls above an added tier's threshold differ, and only on the models the overlay gives one.
    const tiered = new Set((overlay.tiers ?? []).map((t) => t.model));
    expect(differ.filter((d) => !tiered.has(d.split('@')[0]))).toEqual([]);
    expect(differ.map((d) => d.split('@')[0])).toEqual([...tiered]);
    expect(compared).toBe(file.rows.length * calls.length);
  });
});
