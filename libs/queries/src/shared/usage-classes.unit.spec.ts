import { PRICE_MODIFIERS, USAGE_CLASSES } from '@ledger/pricing';
import { callModifiers, camel, camelUsageCounts, costByClass, totalUsageCounts, usageCounts } from './usage-classes';

describe('the views’ usage classes', () => {
  it('spells fields in the Stevora dialect as its seed fields are spelt', () => {
    expect(['input_tokens', 'cache_read_tokens', 'cache_creation_1h_tokens', 'web_search_requests'].map(camel)).toEqual([
      'inputTokens', 'cacheReadTokens', 'cacheCreation1hTokens', 'webSearchRequests',
    ]);
  });

  it('reads a count for every class, in both dialects, from PostgreSQL’s text', () => {
    const row = Object.fromEntries(USAGE_CLASSES.map((c, i) => [c.field, String(i + 1)])) as never;
    expect(Object.keys(usageCounts(row))).toEqual(USAGE_CLASSES.map((c) => c.field));
    expect(usageCounts(row)).toMatchObject({ input_tokens: 1, web_search_requests: USAGE_CLASSES.length });
    expect(camelUsageCounts(row)).toMatchObject({ inputTokens: 1, cacheCreation1hTokens: 5 });
    expect(totalUsageCounts(row)).toMatchObject({ totalInputTokens: 1, totalCacheReadTokens: 6, totalWebSearchRequests: 7 });
  });

  it('sums each class exactly, shows an unused class as "0" and leaves out one whose every use is unpriced', () => {
    const out = costByClass([
      { key: 'input', cost: '0.1', calls: 2, unpricedCalls: 1 },
      { key: 'input', cost: '0.2', calls: 1, unpricedCalls: 0 },
      { key: 'output', cost: '0.000000000000000001', calls: 1, unpricedCalls: 0 },
      { key: 'web_search', cost: '0', calls: 2, unpricedCalls: 2 },
    ]);
    expect(out).toEqual({ input: '0.3', output: '0.000000000000000001', reasoning: '0', cache_creation: '0', cache_creation_1h: '0', cache_read: '0' });
    expect(Object.keys(costByClass([]))).toEqual(USAGE_CLASSES.map((c) => c.key));
  });

  it('shows only the modifiers a call was not served at by default', () => {
    const defaults = Object.fromEntries(PRICE_MODIFIERS.map((m) => [m.field, m.default])) as never;
    const none = Object.fromEntries(PRICE_MODIFIERS.map((m) => [m.field, null])) as never;
    expect(callModifiers(defaults)).toEqual({});
    expect(callModifiers(none)).toEqual({});
    expect(callModifiers({ service_tier: 'batch', speed: null, inference_geo: 'us' })).toEqual({ serviceTier: 'batch', inferenceGeo: 'us' });
  });
});
