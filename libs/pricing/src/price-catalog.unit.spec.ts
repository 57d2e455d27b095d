import Big from 'big.js';
import { DEFAULT_PRICE_ROWS } from './default-catalog';
import { attributeToTools, buildCatalog, priceUsage } from './price-catalog';

const catalog = buildCatalog(DEFAULT_PRICE_ROWS, 1);
const at = (iso: string) => Date.parse(iso);
const tokens = (input: number, output: number, cacheCreation = 0, cacheRead = 0) => ({ input, output, cacheCreation, cacheRead });

describe('priceUsage', () => {
  it('prices each token class per million tokens, exactly', () => {
    const p = priceUsage(catalog, 'gpt-4o', at('2026-04-02T12:00:05Z'), tokens(245, 312));
    // 245 × 2.50 + 312 × 10.00 = 3732.5 per 1M
    expect(p?.cost.toFixed()).toBe('0.0037325');
    expect(p?.priceRef).toBe('gpt-4o@2024-05-13T00:00:00.000Z');
  });

  it('bills cache writes and reads at their own rates', () => {
    const p = priceUsage(catalog, 'claude-sonnet-4-20250514', at('2026-01-01T00:00:00Z'), tokens(1000, 500, 2000, 10000));
    // 1000×3 + 500×15 + 2000×3.75 + 10000×0.30 = 21000 per 1M
    expect(p?.cost.toFixed()).toBe('0.021');
  });

  it('bills every class at the tier rate once the prompt exceeds 200k tokens', () => {
    const at200k = priceUsage(catalog, 'claude-sonnet-4-20250514', at('2026-01-01T00:00:00Z'), tokens(150000, 1000, 0, 50000));
    expect(at200k?.cost.toFixed()).toBe('0.48'); // 150000×3 + 1000×15 + 50000×0.30 = 480000
    const above = priceUsage(catalog, 'claude-sonnet-4-20250514', at('2026-01-01T00:00:00Z'), tokens(150001, 1000, 0, 50000));
    expect(above?.cost.toFixed()).toBe('0.952506'); // 150001×6 + 1000×22.5 + 50000×0.6
    expect(above?.priceRef).toBe('claude-sonnet-4-20250514@2025-05-14T00:00:00.000Z>200000');
  });

  it('uses the row in force when the call happened', () => {
    expect(priceUsage(catalog, 'o3', at('2025-06-09T23:59:59.999Z'), tokens(1000000, 0))?.cost.toFixed()).toBe('10');
    expect(priceUsage(catalog, 'o3', at('2025-06-10T00:00:00.000Z'), tokens(1000000, 0))?.cost.toFixed()).toBe('2');
  });

  it('resolves aliases and leaves unknown models unpriced', () => {
    expect(priceUsage(catalog, 'claude-sonnet-4-0', at('2026-01-01T00:00:00Z'), tokens(1, 0))?.cost.toFixed()).toBe('0.000003');
    expect(priceUsage(catalog, 'mystery-model', at('2026-01-01T00:00:00Z'), tokens(1, 0))).toBeUndefined();
    expect(priceUsage(catalog, 'gpt-4o', at('2020-01-01T00:00:00Z'), tokens(1, 0))).toBeUndefined();
  });

  it('keeps rates down to $0.01 per million and 12 fractional digits exact', () => {
    const tiny = buildCatalog([{ model: 'm', effective_from: '2020-01-01T00:00:00Z', rates: { input: '0.000000000001', output: '0.01', cache_creation: '0', cache_read: '0' } }], 1);
    expect(priceUsage(tiny, 'm', at('2021-01-01T00:00:00Z'), tokens(3, 7))?.cost.toFixed()).toBe('0.000000070000000003');
  });
});

describe('attributeToTools', () => {
  it('splits a call cost by token share, rounded half-even to 18 places', () => {
    const { cost } = priceUsage(catalog, 'gpt-4o', at('2026-01-01T00:00:00Z'), tokens(300, 0))!;
    expect(attributeToTools(cost, 300, { Read: 100, Bash: 200 })).toEqual({ Read: '0.00025', Bash: '0.0005' });
    expect(attributeToTools(cost, 300, { Grep: 1 })).toEqual({ Grep: '0.0000025' });
    expect(attributeToTools(cost.div(7), 3, { Edit: 1 })).toEqual({ Edit: '0.000035714285714286' });
  });

  it('rounds exact ties to even, and agrees with a 60-digit quotient rounded once', () => {
    // 1e-18 * 5 / 10 is exactly half a unit in the last place: ties go to the even neighbour.
    expect(attributeToTools(new Big('0.000000000000000005'), 10, { A: 1 })).toEqual({ A: '0' });
    expect(attributeToTools(new Big('0.000000000000000015'), 10, { A: 1 })).toEqual({ A: '0.000000000000000002' });
    const Wide = Big();
    Wide.DP = 60;
    let seed = 42;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const cost = new Big(`${next(1000)}.${String(next(1e9)).padStart(9, '0')}${String(next(1e9)).padStart(9, '0')}`);
      const total = 1 + next(2_000_000);
      const n = next(total + 1);
      const reference = new Wide(cost).times(n).div(total).round(18, Big.roundHalfEven).toFixed();
      expect(attributeToTools(cost, total, { T: n })).toEqual({ T: reference });
    }
  });

  it('attributes nothing for a call with no tokens', () => {
    expect(attributeToTools(priceUsage(catalog, 'gpt-4o', at('2026-01-01T00:00:00Z'), tokens(0, 0))!.cost, 0, { Read: 0 })).toEqual({});
  });
});
