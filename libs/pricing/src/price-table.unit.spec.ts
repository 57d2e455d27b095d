import { buildCatalog, PriceCatalog } from './price-catalog';
import { USAGE_CLASSES } from './price-dimensions';
import { compilePriceTable, ModelPriceBand } from './price-table';

/** The table for every name the catalog prices as written, sent without a provider: its rows' models and aliases, its overrides' models. */
const compileAll = (catalog: PriceCatalog) =>
  compilePriceTable(
    catalog,
    [...new Set([...catalog.rows.flatMap((r) => [r.model, ...(r.aliases ?? [])]), ...catalog.exactNames.keys()])].map((name) => ({ provider: '', name })),
  );

const rates = (input: string) => ({ input, output: '0', cache_creation: '0', cache_read: '0' });

describe('compilePriceTable', () => {
  it('cuts overlapping rows into disjoint bands, the latest row winning, for the model and each alias (an alias names the model, all of its rows)', () => {
    const catalog = buildCatalog(
      [
        { model: 'm', aliases: ['m-latest'], effective_from: '2025-01-01T00:00:00.000Z', rates: rates('1') },
        { model: 'm', effective_from: '2025-03-01T00:00:00.000Z', effective_to: '2025-04-01T00:00:00.000Z', rates: rates('2') },
      ],
      7,
    );
    const table = compileAll(catalog);
    expect(table.version).toBe(7);
    expect(table.models.map((b) => [b.name, b.valid_from, b.valid_to, b.input, b.price_ref])).toEqual([
      ['m', '2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', '1', 'm@2025-01-01T00:00:00.000Z'],
      ['m', '2025-03-01T00:00:00.000Z', '2025-04-01T00:00:00.000Z', '2', 'm@2025-03-01T00:00:00.000Z'],
      ['m', '2025-04-01T00:00:00.000Z', 'infinity', '1', 'm@2025-01-01T00:00:00.000Z'],
      ['m-latest', '2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', '1', 'm@2025-01-01T00:00:00.000Z'],
      ['m-latest', '2025-03-01T00:00:00.000Z', '2025-04-01T00:00:00.000Z', '2', 'm@2025-03-01T00:00:00.000Z'],
      ['m-latest', '2025-04-01T00:00:00.000Z', 'infinity', '1', 'm@2025-01-01T00:00:00.000Z'],
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
    expect(compileAll(catalog).models.map((b) => [b.prompt_above, b.prompt_upto, b.input, b.price_ref])).toEqual([
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
    expect(compileAll(catalog).tools).toEqual([
      { tool: 'Bash', valid_from: '2025-01-01T00:00:00.000Z', valid_to: '2025-06-01T00:00:00.000Z', per_call: '0.0001', per_second: '0.00002' },
      { tool: 'Bash', valid_from: '2025-06-01T00:00:00.000Z', valid_to: 'infinity', per_call: '0.0002', per_second: '0' },
    ]);
  });
});

describe('compilePriceTable: the 2026 price model', () => {
  const JAN = '2026-01-01T00:00:00.000Z';
  const FEB = '2026-02-01T00:00:00.000Z';
  const MAR = '2026-03-01T00:00:00.000Z';
  /** A band's workspace, time, tier, reference and every class's rate, in USAGE_CLASSES order. */
  const band = (b: ModelPriceBand) => [
    b.name, b.workspace_id, b.overridden_in, b.valid_from, b.valid_to, b.prompt_above, b.price_ref,
    ...USAGE_CLASSES.map((c) => b[c.key]),
  ];
  const listRow = {
    model: 'm',
    effective_from: JAN,
    rates: { input: '5', output: '25', cache_creation: '6.25', cache_creation_1h: '10', cache_read: '0.5', web_search: '10' },
    modifiers: { speed: { fast: '2' }, inference_geo: { us: '1.1' } },
  };

  it('resolves missing rates when compiled: cache writes at input, reasoning at output, web search unpriced (null)', () => {
    const table = compileAll(
      buildCatalog([
        {
          model: 'm', effective_from: JAN, rates: { input: '3', output: '15', cache_creation: '3.75', cache_read: '0.3' },
          tiers: [{ above_prompt_tokens: 200000, rates: { input: '6', output: '22.5', cache_read: '0.6', reasoning: '30' } }],
        },
      ], 1),
    );
    // input, output, reasoning, cache_creation, cache_creation_1h, cache_read, web_search
    expect(USAGE_CLASSES.map((c) => c.key)).toEqual(['input', 'output', 'reasoning', 'cache_creation', 'cache_creation_1h', 'cache_read', 'web_search']);
    expect(table.models.map(band)).toEqual([
      ['m', null, [], JAN, 'infinity', -1, `m@${JAN}`, '3', '15', '15', '3.75', '3', '0.3', null],
      // A tier resolves its own missing rates from its own rates, never from the row's.
      ['m', null, [], JAN, 'infinity', 200000, `m@${JAN}>200000`, '6', '22.5', '30', '6', '6', '0.6', null],
    ]);
  });

  it("carries a row's modifiers on each of its bands, tiers included; no modifiers (or none listed) is null", () => {
    const table = compileAll(
      buildCatalog([
        { ...listRow, tiers: [{ above_prompt_tokens: 1000, rates: listRow.rates }] },
        { model: 'plain', effective_from: JAN, rates: { input: '1', output: '1', cache_read: '1' }, modifiers: {} },
      ], 1),
    );
    expect(table.models.map((b) => [b.name, b.prompt_above, b.modifiers])).toEqual([
      ['m', -1, listRow.modifiers],
      ['m', 1000, listRow.modifiers],
      ['plain', -1, null],
    ]);
  });

  it("cuts a workspace's multiplier into the list row's span: the list band excludes it, its own band scales every rate and keeps the modifiers", () => {
    const table = compileAll(
      buildCatalog([listRow], 2, [], [{ workspace_id: 'A', model: 'm', effective_from: FEB, effective_to: MAR, multiplier: '0.8' }]),
    );
    expect(table.models.map(band)).toEqual([
      ['m', null, [], JAN, FEB, -1, `m@${JAN}`, '5', '25', '25', '6.25', '10', '0.5', '10'],
      ['m', null, ['A'], FEB, MAR, -1, `m@${JAN}`, '5', '25', '25', '6.25', '10', '0.5', '10'],
      ['m', 'A', [], FEB, MAR, -1, `m@${JAN}*0.8:A`, '4', '20', '20', '5', '8', '0.4', '8'],
      ['m', null, [], MAR, 'infinity', -1, `m@${JAN}`, '5', '25', '25', '6.25', '10', '0.5', '10'],
    ]);
    expect(table.models.find((b) => b.workspace_id === 'A')?.modifiers).toEqual(listRow.modifiers);
  });

  it('scales the list row in force at each instant, and its tiers, by the multiplier', () => {
    const table = compileAll(
      buildCatalog(
        [
          { ...listRow, effective_to: FEB, tiers: [{ above_prompt_tokens: 1000, rates: { input: '10', output: '50', cache_read: '1' } }] },
          { ...listRow, effective_from: FEB, rates: { ...listRow.rates, input: '4' } },
        ],
        3,
        [],
        [{ workspace_id: 'A', model: 'm', effective_from: JAN, multiplier: '0.5' }],
      ),
    );
    expect(table.models.filter((b) => b.workspace_id === 'A').map((b) => [b.valid_from, b.valid_to, b.prompt_above, b.price_ref, b.input, b.web_search])).toEqual([
      [JAN, FEB, -1, `m@${JAN}*0.5:A`, '2.5', '5'],
      [JAN, FEB, 1000, `m@${JAN}*0.5:A>1000`, '5', null],
      [FEB, 'infinity', -1, `m@${FEB}*0.5:A`, '2', '5'],
    ]);
  });

  it("gives a workspace's full rates their own tiers and modifiers, inheriting nothing from the list row", () => {
    const table = compileAll(
      buildCatalog([listRow], 2, [], [{ workspace_id: 'A', model: 'm', effective_from: JAN, rates: { input: '1', output: '2', cache_read: '0.1' } }]),
    );
    expect(table.models.map((b) => [...band(b), b.modifiers])).toEqual([
      ['m', null, ['A'], JAN, 'infinity', -1, `m@${JAN}`, '5', '25', '25', '6.25', '10', '0.5', '10', listRow.modifiers],
      ['m', 'A', [], JAN, 'infinity', -1, `A:m@${JAN}`, '1', '2', '2', '1', '1', '0.1', null, null],
    ]);
  });

  it("prices a model the list does not know for the workspace that negotiated it only", () => {
    const table = compileAll(buildCatalog([], 1, [], [{ workspace_id: 'A', model: 'private-1', effective_from: JAN, rates: { input: '1', output: '2', cache_read: '0' } }]));
    expect(table.models.map((b) => [b.name, b.workspace_id, b.overridden_in, b.input])).toEqual([['private-1', 'A', [], '1']]);
    // A multiplier of no list price prices nothing.
    expect(compileAll(buildCatalog([], 1, [], [{ workspace_id: 'A', model: 'private-1', effective_from: JAN, multiplier: '0.5' }])).models).toEqual([]);
  });

  it("applies a `*` override to every model and alias the catalog prices; a model's own override wins over it", () => {
    const table = compileAll(
      buildCatalog(
        [
          { ...listRow, aliases: ['m-latest'] },
          { model: 'n', effective_from: JAN, rates: { input: '1', output: '1', cache_read: '1' } },
        ],
        4,
        [],
        [
          { workspace_id: 'A', model: '*', effective_from: JAN, multiplier: '0.9' },
          { workspace_id: 'A', model: 'm', effective_from: FEB, multiplier: '0.8' },
          { workspace_id: 'B', model: 'm', effective_from: JAN, multiplier: '0.5' },
        ],
      ),
    );
    expect(table.models.filter((b) => b.workspace_id !== null).map((b) => [b.name, b.workspace_id, b.valid_from, b.valid_to, b.price_ref, b.input])).toEqual([
      ['m', 'A', JAN, FEB, `m@${JAN}*0.9:A`, '4.5'],
      ['m', 'B', JAN, FEB, `m@${JAN}*0.5:B`, '2.5'],
      ['m', 'A', FEB, 'infinity', `m@${JAN}*0.8:A`, '4'],
      ['m', 'B', FEB, 'infinity', `m@${JAN}*0.5:B`, '2.5'],
      ['m-latest', 'A', JAN, FEB, `m@${JAN}*0.9:A`, '4.5'],
      ['m-latest', 'B', JAN, FEB, `m@${JAN}*0.5:B`, '2.5'],
      ['m-latest', 'A', FEB, 'infinity', `m@${JAN}*0.8:A`, '4'],
      ['m-latest', 'B', FEB, 'infinity', `m@${JAN}*0.5:B`, '2.5'],
      ['n', 'A', JAN, 'infinity', `n@${JAN}*0.9:A`, '0.9'],
    ]);
    expect(table.models.filter((b) => b.workspace_id === null).map((b) => [b.name, b.valid_from, b.overridden_in])).toEqual([
      ['m', JAN, ['A', 'B']],
      ['m', FEB, ['A', 'B']],
      ['m-latest', JAN, ['A', 'B']],
      ['m-latest', FEB, ['A', 'B']],
      ['n', JAN, ['A']],
    ]);
  });

  it("lets the latest of a workspace's overrides win whether it was set on the model or on an alias", () => {
    const table = compileAll(
      buildCatalog([{ ...listRow, aliases: ['m-latest'] }], 3, [], [
        { workspace_id: 'A', model: 'm-latest', effective_from: JAN, multiplier: '0.9' },
        { workspace_id: 'A', model: 'm', effective_from: FEB, multiplier: '0.8' },
      ]),
    );
    expect(table.models.filter((b) => b.workspace_id === 'A' && b.name === 'm-latest').map((b) => [b.valid_from, b.valid_to, b.input])).toEqual([
      [JAN, FEB, '4.5'],
      [FEB, 'infinity', '4'],
    ]);
  });

  it('gives any call at most one band: the bands of a name never overlap for one workspace', () => {
    const table = compileAll(
      buildCatalog(
        [listRow, { ...listRow, effective_from: FEB, effective_to: MAR, tiers: [{ above_prompt_tokens: 500, rates: listRow.rates }] }],
        5,
        [],
        [
          { workspace_id: 'A', model: '*', effective_from: JAN, effective_to: MAR, multiplier: '0.9' },
          { workspace_id: 'A', model: 'm', effective_from: FEB, rates: listRow.rates },
          { workspace_id: 'B', model: 'm', effective_from: '2026-02-15T00:00:00.000Z', multiplier: '2' },
        ],
      ),
    );
    const instants = [JAN, '2026-01-20T00:00:00.000Z', FEB, '2026-02-15T00:00:00.000Z', '2026-02-20T00:00:00.000Z', MAR, '2027-01-01T00:00:00.000Z'];
    for (const at of instants.map(Date.parse)) {
      for (const ws of ['A', 'B', 'C']) {
        for (const prompt of [0, 500, 501]) {
          const matching = table.models.filter(
            (b) =>
              b.name === 'm' && Date.parse(b.valid_from) <= at && (b.valid_to === 'infinity' || at < Date.parse(b.valid_to)) &&
              prompt > b.prompt_above && (b.prompt_upto === null || prompt <= b.prompt_upto) &&
              (b.workspace_id === ws || (b.workspace_id === null && !b.overridden_in.includes(ws))),
          );
          expect({ at: new Date(at).toISOString(), ws, prompt, bands: matching.length }).toEqual({ at: new Date(at).toISOString(), ws, prompt, bands: 1 });
        }
      }
    }
  });
});
