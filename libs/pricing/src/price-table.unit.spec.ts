import { buildCatalog } from './price-catalog';
import { compilePriceTable } from './price-table';

const rates = (input: string) => ({ input, output: '0', cache_creation: '0', cache_read: '0' });

describe('compilePriceTable', () => {
  it('cuts overlapping rows into disjoint bands, the latest row winning, for the model and each alias', () => {
    const catalog = buildCatalog(
      [
        { model: 'm', aliases: ['m-latest'], effective_from: '2025-01-01T00:00:00.000Z', rates: rates('1') },
        { model: 'm', effective_from: '2025-03-01T00:00:00.000Z', effective_to: '2025-04-01T00:00:00.000Z', rates: rates('2') },
      ],
      7,
    );
    const table = compilePriceTable(catalog);
    expect(table.version).toBe(7);
    expect(table.models.map((b) => [b.name, b.valid_from, b.valid_to, b.input, b.price_ref])).toEqual([
      ['m', '2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', '1', 'm@2025-01-01T00:00:00.000Z'],
      ['m', '2025-03-01T00:00:00.000Z', '2025-04-01T00:00:00.000Z', '2', 'm@2025-03-01T00:00:00.000Z'],
      ['m', '2025-04-01T00:00:00.000Z', 'infinity', '1', 'm@2025-01-01T00:00:00.000Z'],
      ['m-latest', '2025-01-01T00:00:00.000Z', 'infinity', '1', 'm@2025-01-01T00:00:00.000Z'],
    ]);
  });

  it('gives each tier the prompt sizes from its threshold (exclusive) to the next one (inclusive)', () => {
    const catalog = buildCatalog(
      [
        {
          model: 'm',
          effective_from: '2025-01-01T00:00:00.000Z',
          rates: rates('1'),
          tiers: [
            { above_prompt_tokens: 1000000, rates: rates('3') },
            { above_prompt_tokens: 200000, rates: rates('2') },
          ],
        },
      ],
      1,
    );
    expect(compilePriceTable(catalog).models.map((b) => [b.prompt_above, b.prompt_upto, b.input, b.price_ref])).toEqual([
      [-1, 200000, '1', 'm@2025-01-01T00:00:00.000Z'],
      [200000, 1000000, '2', 'm@2025-01-01T00:00:00.000Z>200000'],
      [1000000, null, '3', 'm@2025-01-01T00:00:00.000Z>1000000'],
    ]);
  });

  it('compiles tool compute prices the same way', () => {
    const catalog = buildCatalog([], 1, [
      { tool: 'Bash', effective_from: '2025-01-01T00:00:00.000Z', per_call_usd: '0.0001', per_second_usd: '0.00002' },
      { tool: 'Bash', effective_from: '2025-06-01T00:00:00.000Z', per_call_usd: '0.0002', per_second_usd: '0' },
    ]);
    expect(compilePriceTable(catalog).tools).toEqual([
      { tool: 'Bash', valid_from: '2025-01-01T00:00:00.000Z', valid_to: '2025-06-01T00:00:00.000Z', per_call: '0.0001', per_second: '0.00002' },
      { tool: 'Bash', valid_from: '2025-06-01T00:00:00.000Z', valid_to: 'infinity', per_call: '0.0002', per_second: '0' },
    ]);
  });
});
