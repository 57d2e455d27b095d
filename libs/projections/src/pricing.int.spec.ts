import Big from 'big.js';
import { createTestDatabase, FIXTURE_PRICE_ROWS, TestDatabase } from '@ledger/testing';
import { pricedFacts, toolTokenShare, writePriceTable } from '@ledger/pricing';
import { readModelTables } from './read-model.schema';
import { buildCatalog, compilePriceTable, PriceCatalog, PriceRow, USAGE_CLASSES, WorkspacePriceRow } from '@ledger/pricing';
import { COST_FACT_COLUMNS, factRows, modelNamesIn } from './cost.projection';

/**
 * The projection's pricing, run in PostgreSQL exactly as the projector runs it: events become facts
 * (`factRows`), priced by `pricedFacts` against a schema whose price table was compiled from the catalog.
 */
describe('pricing in the projection', () => {
  let db: TestDatabase;
  let schema = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  interface Priced {
    token_cost: string | null;
    price_ref: string | null;
    compute_cost: string;
    unpriced: boolean;
    by_class: Record<string, string | null>;
  }

  /** Prices events of `type` with `data` against `catalog`; one fact per event, in order. */
  async function price(catalog: PriceCatalog, events: { type: string; data: Record<string, unknown> }[]): Promise<Priced[]> {
    const s = `pricing_${++schema}`;
    for (const sql of readModelTables(s)) await db.pool.query(sql);
    await writePriceTable(db.pool, s, compilePriceTable(catalog, modelNamesIn(events)));
    const source = `json_to_recordset($1::json) AS e(event_type text, data jsonb, commit_pos numeric, prepare_pos numeric)`;
    const { rows } = await db.pool.query<Priced>(
      `SELECT token_cost::text, price_ref, compute_cost::text, unpriced,
         json_build_object(${USAGE_CLASSES.map((c) => `'${c.key}', cost_${c.key}::text`).join(', ')}) AS by_class
       FROM (${pricedFacts(s, `(SELECT * FROM (${factRows(source)}) x(${COST_FACT_COLUMNS}))`)}) p ORDER BY prepare_pos`,
      [JSON.stringify(events.map((e, i) => ({ event_type: e.type, data: { workspace_id: 'w', event_id: `e${i}`, session_id: 's', ...e.data }, commit_pos: 0, prepare_pos: i })))],
    );
    return rows;
  }
  const catalog = buildCatalog(FIXTURE_PRICE_ROWS, 1);
  const call = (model: string, at: string, input: number, output: number, cacheCreation = 0, cacheRead = 0, extra: Record<string, unknown> = {}) => ({
    type: 'TokenUsed',
    data: { model, occurred_at: at, input_tokens: input, output_tokens: output, cache_creation_tokens: cacheCreation, cache_read_tokens: cacheRead, ...extra },
  });
  const costs = async (c: PriceCatalog, events: ReturnType<typeof call>[]) => (await price(c, events)).map((r) => r.token_cost);

  it('prices each token class per million tokens, exactly, and names the row', async () => {
    const [p] = await price(catalog, [call('gpt-4o', '2026-04-02T12:00:05Z', 245, 312)]);
    // 245 × 2.50 + 312 × 10.00 = 3732.5 per 1M
    expect(p).toMatchObject({ token_cost: '0.0037325', price_ref: 'gpt-4o@2024-05-13T00:00:00.000Z' });
  });

  it('bills cache writes and reads at their own rates', async () => {
    // 1000×3 + 500×15 + 2000×3.75 + 10000×0.30 = 21000 per 1M
    expect(await costs(catalog, [call('claude-sonnet-4-20250514', '2026-01-01T00:00:00Z', 1000, 500, 2000, 10000)])).toEqual(['0.021']);
  });

  it('bills every class at the tier rate once the prompt exceeds 200k tokens', async () => {
    const [at200k, above] = await price(catalog, [
      call('claude-sonnet-4-20250514', '2026-01-01T00:00:00Z', 150000, 1000, 0, 50000),
      call('claude-sonnet-4-20250514', '2026-01-01T00:00:00Z', 150001, 1000, 0, 50000),
    ]);
    expect(at200k.token_cost).toBe('0.48'); // 150000×3 + 1000×15 + 50000×0.30 = 480000
    expect(above).toMatchObject({ token_cost: '0.952506', price_ref: 'claude-sonnet-4-20250514@2025-05-14T00:00:00.000Z>200000' }); // 150001×6 + 1000×22.5 + 50000×0.6
  });

  it('uses the row in force when the call happened', async () => {
    expect(await costs(catalog, [call('o3', '2025-06-09T23:59:59.999Z', 1000000, 0), call('o3', '2025-06-10T00:00:00.000Z', 1000000, 0)])).toEqual(['10', '2']);
  });

  it('resolves aliases and leaves unknown models, and times before any row, unpriced', async () => {
    expect(
      await costs(catalog, [
        call('claude-sonnet-4-0', '2026-01-01T00:00:00Z', 1, 0),
        call('mystery-model', '2026-01-01T00:00:00Z', 1, 0),
        call('gpt-4o', '2020-01-01T00:00:00Z', 1, 0),
      ]),
    ).toEqual(['0.000003', null, null]);
  });

  it('keeps rates down to 12 fractional digits exact', async () => {
    const tiny = buildCatalog([{ model: 'm', effective_from: '2020-01-01T00:00:00Z', rates: { input: '0.000000000001', output: '0.01', cache_creation: '0', cache_read: '0' } }], 1);
    expect(await costs(tiny, [call('m', '2021-01-01T00:00:00Z', 3, 7)])).toEqual(['0.000000070000000003']);
  });

  it('lets the latest row win where rows overlap, and a closed row end', async () => {
    const rates = (input: string) => ({ input, output: '0', cache_creation: '0', cache_read: '0' });
    const overlapping = buildCatalog(
      [
        { model: 'm', effective_from: '2025-01-01T00:00:00Z', rates: rates('1') },
        { model: 'm', effective_from: '2025-03-01T00:00:00Z', effective_to: '2025-04-01T00:00:00Z', rates: rates('2') },
      ],
      1,
    );
    const at = ['2025-02-01T00:00:00Z', '2025-03-15T00:00:00Z', '2025-04-01T00:00:00Z'];
    expect(await costs(overlapping, at.map((t) => call('m', t, 1000000, 0)))).toEqual(['1', '2', '1']);
  });

  /** Each case's share, `toolTokenShare` evaluated in PostgreSQL. */
  async function shares(cases: { cost: string; tokens: number; total: number }[]): Promise<string[]> {
    const share = toolTokenShare(`(c->>'cost')::numeric`, `(c->>'tokens')::bigint`, `(c->>'total')::bigint`);
    const { rows } = await db.pool.query<{ share: string }>(
      `SELECT trim_scale(${share})::text AS share FROM json_array_elements($1::json) WITH ORDINALITY AS cases(c, n) ORDER BY n`,
      [JSON.stringify(cases)],
    );
    return rows.map((r) => r.share);
  }

  it('splits a call cost by token share, rounded half-even to 18 places', async () => {
    // 300 gpt-4o input tokens cost 0.00075; Read used 100 of them and Bash 200.
    expect(await shares([{ cost: '0.00075', tokens: 100, total: 300 }, { cost: '0.00075', tokens: 200, total: 300 }])).toEqual(['0.00025', '0.0005']);
  });

  it('rounds attribution exactly: ties to even, and agrees with a 60-digit quotient rounded once', async () => {
    const Wide = Big();
    Wide.DP = 60;
    let seed = 42;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const cases = [
      { cost: '0.000000000000000005', tokens: 1, total: 10 },
      { cost: '0.000000000000000015', tokens: 1, total: 10 },
    ];
    for (let i = 0; i < 2000; i++) {
      const total = 1 + next(2_000_000);
      cases.push({ cost: `${next(1000)}.${String(next(1e9)).padStart(9, '0')}${String(next(1e9)).padStart(9, '0')}`, tokens: next(total + 1), total });
    }
    const rows = await shares(cases);
    expect(rows.slice(0, 2)).toEqual(['0', '0.000000000000000002']);
    const expected = cases.map((c) => new Wide(c.cost).times(c.tokens).div(c.total).round(18, Big.roundHalfEven).toFixed());
    expect(rows).toEqual(expected);
  });

  it('prices a tool call from its reported cost, else its compute price, else zero', async () => {
    const tools = buildCatalog(FIXTURE_PRICE_ROWS, 1, [{ tool: 'Bash', effective_from: '2025-01-01T00:00:00Z', per_call_usd: '0.0001', per_second_usd: '0.00002' }]);
    const tool = (name: string, extra: Record<string, unknown>) => ({ type: 'ToolCalled', data: { tool_name: name, occurred_at: '2026-01-01T00:00:00Z', ...extra } });
    const rows = await price(tools, [
      tool('Bash', { duration_ms: 1500, compute_cost_usd: '0.0120' }),
      tool('Bash', { duration_ms: 1500 }),
      tool('Bash', {}),
      tool('Read', { duration_ms: 1500 }),
    ]);
    expect(rows.map((r) => [r.compute_cost, r.price_ref])).toEqual([
      ['0.0120', 'reported'],
      ['0.00013', null], // 0.0001 + 0.00002 × 1.5 s
      ['0.0001', null],
      ['0', null],
    ]);
  });

  describe('the 2026 price model (ADR 0021): the worked example of issue 14', () => {
    const row: PriceRow = {
      model: 'm',
      effective_from: '2026-01-01T00:00:00Z',
      rates: { input: '5', output: '25', cache_creation: '6.25', cache_creation_1h: '10', cache_read: '0.5', web_search: '10' },
      modifiers: { speed: { fast: '2' }, inference_geo: { us: '1.1' } },
    };
    const example = (workspace = 'w', extra: Record<string, unknown> = {}) =>
      call('m', '2026-02-01T00:00:00Z', 1000, 2000, 12000, 100000, {
        workspace_id: workspace, reasoning_tokens: 500, cache_creation_1h_tokens: 8000, web_search_requests: 3, speed: 'fast', inference_geo: 'us', ...extra,
      });

    it('bills subsets at their own rates, multiplies the token cost by the modifiers and adds the per-request fee', async () => {
      // tokens (1000×5 + 2000×25 + 4000×6.25 + 8000×10 + 100000×0.5) / 10^6 = 0.21; × 2 × 1.1 = 0.462; + 3 × 10 / 1000 = 0.492
      const [p] = await price(buildCatalog([row], 1), [example()]);
      expect(p).toMatchObject({ token_cost: '0.492', unpriced: false });
      // Each class's part, modifiers applied: their sum is the call's cost.
      expect(p.by_class).toEqual({
        input: '0.011', output: '0.0825', reasoning: '0.0275', cache_creation: '0.055', cache_creation_1h: '0.176', cache_read: '0.11', web_search: '0.03',
      });
    });

    it('bills reasoning at its own rate once the row has one', async () => {
      const withReasoning = buildCatalog([{ ...row, rates: { ...row.rates, reasoning: '30' } }], 1);
      expect(await costs(withReasoning, [example()])).toEqual(['0.4975']); // output 1500×25 + 500×30: tokens 0.2125
    });

    it('bills a value the row does not list at 1×, and the default values at list price', async () => {
      const calls = [example('w', { speed: 'standard', inference_geo: 'eu' }), example('w', { speed: undefined, inference_geo: undefined })];
      expect(await costs(buildCatalog([row], 1), calls)).toEqual(['0.24', '0.24']); // 0.21 + 0.03
    });

    it('falls back: cache writes to the input rate, reasoning to output; a missing web-search rate leaves the call partly priced', async () => {
      const bare = buildCatalog([{ model: 'm', effective_from: '2026-01-01T00:00:00Z', rates: { input: '5', output: '25', cache_read: '0.5' } }], 1);
      const [p] = await price(bare, [example('w', { speed: undefined, inference_geo: undefined })]);
      // 1000×5 + 2000×25 + 12000×5 + 100000×0.5 = 165000; the three searches have no price: never $0, the call is partial.
      expect(p).toMatchObject({ token_cost: '0.165', unpriced: true });
      expect(p.by_class.web_search).toBeNull();
    });

    it("prices a workspace's negotiated multiplier for that workspace only, and a model's override over the workspace's `*`", async () => {
      const overrides: WorkspacePriceRow[] = [
        { workspace_id: 'a', model: 'm', effective_from: '2026-01-15T00:00:00Z', multiplier: '0.8' },
        { workspace_id: 'a', model: '*', effective_from: '2026-01-01T00:00:00Z', multiplier: '0.5' },
        { workspace_id: 'c', model: 'm', effective_from: '2026-01-01T00:00:00Z', effective_to: '2026-01-20T00:00:00Z', rates: { input: '1', output: '1', cache_read: '1' } },
      ];
      const negotiated = buildCatalog([row], 1, [], overrides);
      const at = (workspace: string, time: string) => example(workspace, { occurred_at: time });
      expect(
        await costs(negotiated, [at('a', '2026-02-01T00:00:00Z'), at('b', '2026-02-01T00:00:00Z'), at('a', '2026-01-10T00:00:00Z'), at('c', '2026-01-10T00:00:00Z'), at('c', '2026-02-01T00:00:00Z')]),
      ).toEqual([
        '0.3936', // 0.8 × 0.492: every rate, the fee included
        '0.492',
        '0.246', // before its own override, the workspace's `*`
        '0.115', // its own rates, nothing inherited (no modifiers, no web-search rate): 115000 tokens at $1 per 1M, the searches unpriced
        '0.492', // after its override ended: the list price
      ]);
    });
  });
});
