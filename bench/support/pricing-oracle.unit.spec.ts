import Big from 'big.js';
import { CatalogRow, CostAccumulator, oracleCatalog, priceCall, rowAt, SHIPPED } from './pricing-oracle';

const AT = Date.parse('2026-03-01T00:00:00.000Z');

/** Issue 14's worked example: model `m` from 2026-01-01. */
const exampleRow = (extra: Record<string, string> = {}): CatalogRow => ({
  model: 'm',
  effective_from: '2026-01-01T00:00:00.000Z',
  rates: { input: '5', output: '25', cache_creation: '6.25', cache_creation_1h: '10', cache_read: '0.5', web_search: '10', ...extra },
  modifiers: { speed: { fast: '2' }, inference_geo: { us: '1.1' } },
});

const exampleCall = {
  input_tokens: 1000, output_tokens: 2000, reasoning_tokens: 500, cache_creation_tokens: 12000, cache_creation_1h_tokens: 8000,
  cache_read_tokens: 100000, web_search_requests: 3, speed: 'fast', inference_geo: 'us',
};

const cost = (rows: readonly CatalogRow[], call: Record<string, unknown>, model = 'm', at = AT) => priceCall(model, at, call, oracleCatalog(rows));

describe('pricing oracle', () => {
  it('prices the worked example at 0.492: tokens 0.21 × 2 × 1.1, plus 3 searches at 10 per 1,000 unmultiplied', () => {
    const { pricing, cost: usd } = cost([exampleRow()], exampleCall);
    expect(pricing).toBe('priced');
    expect(usd.toFixed()).toBe('0.492');
  });

  it('bills reasoning at its own rate when the row has one: 0.4975', () => {
    expect(cost([exampleRow({ reasoning: '30' })], exampleCall).cost.toFixed()).toBe('0.4975');
  });

  it('falls back: cache writes (both) at input, reasoning at output, within the rate set', () => {
    const row: CatalogRow = { model: 'm', effective_from: '2026-01-01T00:00:00.000Z', rates: { input: '2', output: '8', cache_read: '0.5' } };
    const call = { input_tokens: 1_000_000, output_tokens: 1_000_000, reasoning_tokens: 400_000, cache_creation_tokens: 1_000_000, cache_creation_1h_tokens: 250_000 };
    // 1M × 2 + 1M × 8 (600k output + 400k reasoning, both at 8) + 1M × 2 (750k + 250k at input).
    expect(cost([row], call).cost.toFixed()).toBe('12');
  });

  it('a tier without a 1-hour rate falls back to the tier input, not the row', () => {
    const row: CatalogRow = {
      model: 'm', effective_from: '2026-01-01T00:00:00.000Z',
      rates: { input: '3', output: '15', cache_creation: '3.75', cache_creation_1h: '6', cache_read: '0.3' },
      tiers: [{ above_prompt_tokens: 200_000, rates: { input: '6', output: '22.5', cache_creation: '7.5', cache_read: '0.6' } }],
    };
    const call = { input_tokens: 100_000, cache_creation_tokens: 150_000, cache_creation_1h_tokens: 100_000, output_tokens: 10 };
    // Prompt 250,000 > 200,000: 100k × 6 + 50k × 7.5 + 100k × 6 (tier input) + 10 × 22.5.
    expect(cost([row], call).cost.toFixed()).toBe('1.575225');
  });

  it('chooses the tier by input + cache_creation + cache_read, never output, and at the threshold keeps the row', () => {
    const row: CatalogRow = {
      model: 'm', effective_from: '2026-01-01T00:00:00.000Z', rates: { input: '1', output: '1', cache_read: '1' },
      tiers: [{ above_prompt_tokens: 200_000, rates: { input: '2', output: '2', cache_read: '2' } }],
    };
    expect(cost([row], { input_tokens: 100_000, cache_read_tokens: 100_000, output_tokens: 500_000 }).cost.toFixed()).toBe('0.7');
    expect(cost([row], { input_tokens: 100_000, cache_read_tokens: 100_001 }).cost.toFixed()).toBe('0.400002');
  });

  it('leaves searches unpriced when the rate set has no web_search rate: partial, its token cost kept, never $0 for them', () => {
    const row: CatalogRow = { model: 'm', effective_from: '2026-01-01T00:00:00.000Z', rates: { input: '1', output: '2', cache_read: '0.1' } };
    const partial = cost([row], { input_tokens: 1_000_000, web_search_requests: 2 });
    expect([partial.pricing, partial.cost.toFixed()]).toEqual(['partial', '1']);
    expect(cost([row], { input_tokens: 1_000_000, web_search_requests: 0 }).pricing).toBe('priced');
  });

  it('multiplies by the product of the listed values; an unlisted value, or a default, is 1×', () => {
    const row: CatalogRow = {
      model: 'm', effective_from: '2026-01-01T00:00:00.000Z', rates: { input: '10', output: '10', cache_read: '1', web_search: '10' },
      modifiers: { service_tier: { batch: '0.5', priority: '1.75' }, inference_geo: { us: '1.1' } },
    };
    const base = { input_tokens: 100_000, web_search_requests: 1 };
    expect(cost([row], { ...base }).cost.toFixed()).toBe('1.01');
    expect(cost([row], { ...base, service_tier: 'standard', speed: 'standard', inference_geo: 'global' }).cost.toFixed()).toBe('1.01');
    expect(cost([row], { ...base, service_tier: 'flex', inference_geo: 'eu', speed: 'fast' }).cost.toFixed()).toBe('1.01');
    expect(cost([row], { ...base, service_tier: 'batch', inference_geo: 'us' }).cost.toFixed()).toBe('0.56');
    expect(cost([row], { ...base, service_tier: 'priority' }).cost.toFixed()).toBe('1.76');
  });

  it('is unpriced outside every row of the model, and for a model it does not know', () => {
    expect(cost([exampleRow()], exampleCall, 'm', Date.parse('2025-12-31T23:59:59.999Z')).pricing).toBe('unpriced');
    expect(cost([exampleRow()], exampleCall, 'other').pricing).toBe('unpriced');
  });

  it('refuses a subset larger than its parent', () => {
    expect(() => cost([exampleRow()], { output_tokens: 10, reasoning_tokens: 11 })).toThrow('reasoning_tokens 11 exceeds output_tokens 10');
  });

  it('sums per (rate set, modifier product) to exactly the sum of per-call costs', () => {
    const rows = oracleCatalog([exampleRow({ reasoning: '30' }), { ...exampleRow(), model: 'n', modifiers: { service_tier: { batch: '0.5' }, speed: { fast: '2' } } }]);
    const calls = Array.from({ length: 200 }, (_, i) => ({
      model: i % 3 === 0 ? 'n' : 'm',
      call: {
        input_tokens: 1000 + i * 7, output_tokens: 300 + i, reasoning_tokens: i, cache_creation_tokens: 50 * i, cache_creation_1h_tokens: 20 * i,
        cache_read_tokens: 9000 + i, web_search_requests: i % 5, speed: i % 4 === 0 ? 'fast' : undefined, inference_geo: i % 7 === 0 ? 'us' : 'global',
        service_tier: i % 10 === 0 ? 'batch' : undefined,
      },
    }));
    const acc = new CostAccumulator(rows);
    let oneByOne = new Big(0);
    for (const { model, call } of calls) {
      expect(acc.add(model, AT, call)).toBe('priced');
      oneByOne = oneByOne.plus(priceCall(model, AT, call, rows).cost);
    }
    expect(acc.cost().eq(oneByOne)).toBe(true);
    expect(acc.cost().gt(0)).toBe(true);
  });

  it('prices the shipped catalog: Opus 4.6 fast in the US at 6 × 1.1, and knows which rows price web search', () => {
    const at = Date.parse('2026-09-01T00:00:00.000Z');
    const call = { input_tokens: 1_000_000, speed: 'fast', inference_geo: 'us', web_search_requests: 1000 };
    expect(priceCall('claude-opus-4-6', at, call).cost.toFixed()).toBe('43');
    expect(rowAt(null, 'claude-sonnet-4-5-20250929', at)?.priced.has('web_search')).toBe(true);
    expect(rowAt(null, 'gemini-2.5-pro', at)?.priced.has('web_search')).toBe(false);
  });

  it("resolves the call's name within its provider field, by the service's rules, and prices the resolved model's row", () => {
    const at = Date.parse('2026-09-01T00:00:00.000Z');
    const million = { input_tokens: 1_000_000 };
    // Bedrock's regional Sonnet 4.5 lists 3.30 per million input tokens, Anthropic's own 3 (6 past its 200k tier).
    const short = { input_tokens: 100_000 };
    expect(priceCall('us.anthropic.claude-sonnet-4-5-20250929-v1:0', at, { ...short, provider: 'bedrock' }).cost.toFixed()).toBe('0.33');
    expect(priceCall('claude-sonnet-4-5-20250929', at, short).cost.toFixed()).toBe('0.3');
    expect(priceCall('claude-sonnet-4-5-20250929', at, million).cost.toFixed()).toBe('6');
    // Azure falls back to OpenAI's models: GPT-4.1's priority multiplier applies there too.
    expect(priceCall('gpt-4.1', at, { ...million, provider: 'azure', service_tier: 'priority' }).cost.toFixed()).toBe('3.4');
    expect(SHIPPED.resolve('openrouter', 'anthropic/claude-sonnet-4.5').model).toBe('openrouter/anthropic/claude-sonnet-4.5');
    // A reseller's name without the reseller is read as its provider prefix (Anthropic's price, never OpenRouter's); a name no rule claims is unpriced.
    expect(SHIPPED.resolve(null, 'anthropic/claude-sonnet-4.5').model).toBe('anthropic/claude-sonnet-4-5');
    expect(priceCall('acme-internal-1', at, million).pricing).toBe('unpriced');
  });

  it('resolves each distinct (provider, name) once', () => {
    expect(SHIPPED.resolve('vertex', 'gemini-2.5-flash')).toBe(SHIPPED.resolve('vertex', 'gemini-2.5-flash'));
    expect(SHIPPED.resolve('vertex', 'gemini-2.5-flash').rows).toBe(SHIPPED.resolve(null, 'gemini-2.5-flash').rows);
  });
});
