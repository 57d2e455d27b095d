import type { PoolClient } from 'pg';
import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { readModel, readModelTables } from '../read-model.schema';
import { buildCatalog, PriceCatalog, PriceRow } from '@ledger/pricing';
import { dumpReadModel, EVENT_COUNT, HISTORY, tokens } from '../../testing/usage-history';
import { bulkLoad } from '../bulk-load';
import { CostProjector, USAGE_EVENT_FILTER } from '../cost-projector';
import { blueGreenRebuild, RebuildProgress } from './blue-green-rebuild';

const rates = (input: string, output: string) => ({ input, output, cache_creation: input, cache_read: '0.30' });
const sonnet = (from: string, input: string, output: string): PriceRow => ({ model: 'claude-sonnet-4', effective_from: from, rates: rates(input, output) });
const v1 = buildCatalog([...FIXTURE_PRICE_ROWS, sonnet('2026-01-01T00:00:00Z', '3', '15')], 1);
/**
 * Reprices part of the history: the model dearer from 10:30 on 1 March (a5 and b2, not a1 to a3),
 * a first price for the unpriced model (b1), and a compute price for the tool that reports none (b3).
 */
const v2 = buildCatalog(
  [...FIXTURE_PRICE_ROWS, sonnet('2026-01-01T00:00:00Z', '3', '15'), sonnet('2026-03-01T10:30:00Z', '4', '20'), { model: 'no-such-model', effective_from: '2026-01-01T00:00:00Z', rates: rates('1', '2') }],
  2,
  [{ tool: 'Read', effective_from: '2026-01-01T00:00:00Z', per_call_usd: '0.0001', per_second_usd: '0.00002' }],
);

describe('blueGreenRebuild', () => {
  const log = withEventLog();
  const pool = () => log.db.pool;
  const visible = async (n: number) => {
    // The log's readers stop below the server's oldest open transaction: wait until all of it is readable.
    while ((await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length < n) await new Promise((r) => setTimeout(r, 20));
  };
  const projector = (schema: string, catalog: () => PriceCatalog) => new CostProjector(log.store, pool(), { schema, batchSize: 3, catalog });
  beforeAll(async () => {
    for (const append of HISTORY) await log.store.append([append]);
    await visible(EVENT_COUNT);
  });

  const LATE = [
    tokens('d1', 's2', '2026-03-02T01:00:00.000Z', { execution_id: 'run-late' }),
    tokens('d2', 's3', '2026-03-02T02:00:00.000Z', { model: 'no-such-model', phase_id: 'ship' }),
    // s5 names its first execution after the cut: its fact before the cut moves to it (ADR 0016).
    tokens('d3', 's5', '2026-03-02T03:00:00.000Z', { execution_id: 'run-adopted' }),
  ];

  it('given a live model and a catalog that reprices it, then the restated model equals a replay of the log, facts committed meanwhile included', async () => {
    let catalog = v1;
    const live = projector(READ_MODEL_SCHEMA, () => catalog);
    await live.catchUp();
    catalog = v2;
    // Usage the live projector commits while the aggregates are restated: after the cut, before the swap.
    let meanwhile: Promise<unknown> | undefined;
    const reports: RebuildProgress[] = [];
    const onProgress = (p: RebuildProgress) => {
      reports.push(p);
      if (p.phase === 'loading' && !meanwhile) {
        meanwhile = (async () => {
          await log.store.append([{ streamId: 'session-w1/late', events: LATE }]);
          await visible(EVENT_COUNT + LATE.length);
          await live.catchUp();
        })();
      }
    };
    await blueGreenRebuild(1, v2, { store: log.store, pool: pool(), batchSize: 3, onProgress, live: { stop: async () => void (await meanwhile), start: () => undefined } });
    expect(meanwhile).toBeDefined();
    // Progress moves forward in steps while the costs are re-summed, and ends at the live model's count.
    const done = reports.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(reports.filter((p) => p.phase === 'loading' && p.done > 0 && p.done < p.total).length).toBeGreaterThan(5);
    expect(reports[reports.length - 1]).toEqual({ phase: 'done', done: EVENT_COUNT + LATE.length, total: EVENT_COUNT + LATE.length });

    for (const sql of readModelTables('replayed')) await pool().query(sql);
    await bulkLoad(log.store, pool(), 'replayed', v2, { batchSize: 5 });
    const restated = await dumpReadModel(pool(), READ_MODEL_SCHEMA);
    expect(restated).toEqual(await dumpReadModel(pool(), 'replayed'));
    expect(restated.checkpoint).toEqual([expect.objectContaining({ events_applied: EVENT_COUNT + LATE.length, pricing_version: 2 })]);
    // Every per-call cost is priced with the catalog the sums were: they add up to the session's.
    const { rows } = await pool().query(`
      SELECT s.session_id, s.token_cost::text AS summed, (SELECT sum(f.token_cost) FROM read_model.priced_facts f
        WHERE f.workspace_id = s.workspace_id AND f.session_id = s.session_id)::text AS per_call
      FROM read_model.session_costs s WHERE s.workspace_id = 'w1' ORDER BY 1`);
    // Each call is 1200 in, 340 out, 5000 cache reads at 0.30 per 1M: 0.0102 at 3/15, 0.0131 at 4/20, 0.00338 at 1/2.
    // s1: a1 to a3 at 3/15, a5 at 4/20; s2: b1 at 1/2, b2 and d1 at 4/20; s3: d2 at 1/2; s5: f1 at 3/15, d3 at 4/20.
    expect(rows).toEqual([
      { session_id: 's1', summed: '0.0437', per_call: '0.0437' },
      { session_id: 's2', summed: '0.02958', per_call: '0.02958' },
      { session_id: 's3', summed: '0.00338', per_call: '0.00338' },
      { session_id: 's5', summed: '0.0233', per_call: '0.0233' },
    ]);
    const adopted = await pool().query(`SELECT token_cost::text, calls FROM read_model.hourly_costs WHERE dimension = 'execution' AND key = 'run-adopted' ORDER BY hour`);
    expect(adopted.rows).toEqual([{ token_cost: '0.0102', calls: 1 }, { token_cost: '0.0131', calls: 1 }]);
    const tool = await pool().query(`SELECT compute_cost::text FROM read_model.priced_facts WHERE event_id = 'b3'`);
    expect(tool.rows).toEqual([{ compute_cost: '0.00015' }]);
  });

  it('given a read that holds the facts table at the swap, then the swap waits briefly, lets it finish, and swaps on a later try', async () => {
    const before = await dumpReadModel(pool(), READ_MODEL_SCHEMA);
    // A long read of the facts: it conflicts only with moving the table, not with restating from it.
    const reader = await pool().connect();
    await reader.query('BEGIN');
    await reader.query(`LOCK TABLE ${READ_MODEL_SCHEMA}.cost_facts IN ACCESS SHARE MODE`);
    const reports: RebuildProgress[] = [];
    let released: Promise<void> | undefined;
    const onProgress = (p: RebuildProgress) => {
      reports.push(p);
      if (p.phase === 'swapping' && !released) {
        released = new Promise((r) => setTimeout(r, 700)).then(async () => {
          await reader.query('COMMIT');
          reader.release();
        });
      }
    };
    await blueGreenRebuild(2, v2, { store: log.store, pool: pool(), batchSize: 3, onProgress, live: { stop: async () => undefined, start: () => undefined } });
    await released;
    expect(reports.filter((p) => p.phase === 'swapping').length).toBeGreaterThan(1);
    // Restated again with the same catalog: the same read model, byte for byte.
    expect(await dumpReadModel(pool(), READ_MODEL_SCHEMA)).toEqual(before);
  });

  it('given a catalog that reprices recorded usage, then the live projector keeps its prices until a rebuild, and adopts at once one that reprices nothing', async () => {
    for (const sql of readModel('deferring')) await pool().query(sql);
    let catalog = v1;
    const versions = new Map<number, PriceCatalog>([[1, v1], [2, v2]]);
    const live = new CostProjector(log.store, pool(), { schema: 'deferring', batchSize: 3, catalog: () => catalog, catalogAt: async (v) => versions.get(v)! });
    await live.catchUp();
    const version = async () => (await pool().query(`SELECT pricing_version::int AS v FROM deferring.checkpoint`)).rows[0].v;
    const sonnetBands = async () => (await pool().query(`SELECT input::text FROM deferring.model_prices WHERE name = 'claude-sonnet-4' ORDER BY valid_from`)).rows;

    catalog = v2;
    await log.store.append([{ streamId: 'session-w1/later', events: [tokens('e1', 's4', '2026-03-03T00:00:00.000Z')] }]);
    await visible(EVENT_COUNT + LATE.length + 1);
    await live.catchUp();
    expect(await version()).toBe(1);
    expect(await sonnetBands()).toEqual([{ input: '3' }]);
    // Still priced as version 1 prices it, per call and summed alike: 1200 × 3 + 340 × 15 + 5000 × 0.30 per 1M.
    const s4 = await pool().query(`SELECT s.token_cost::text AS summed, f.token_cost::text AS per_call
      FROM deferring.session_costs s JOIN deferring.priced_facts f USING (workspace_id, session_id) WHERE s.session_id = 's4'`);
    expect(s4.rows).toEqual([{ summed: '0.0102', per_call: '0.0102' }]);
    // A name first met while the schema keeps version 1 is resolved and priced with version 1 too, not 2 (0.0131).
    await log.store.append([{ streamId: 'session-w1/later', events: [tokens('e1b', 's4b', '2026-03-03T00:00:00.000Z', { provider: 'acme' })] }]);
    await visible(EVENT_COUNT + LATE.length + 2);
    await live.catchUp();
    expect((await pool().query(`SELECT token_cost::text, priced_model FROM deferring.priced_facts WHERE event_id = 'e1b'`)).rows).toEqual([
      { token_cost: '0.0102', priced_model: 'claude-sonnet-4' },
    ]);
    expect((await pool().query(`SELECT provider, name, model FROM deferring.model_names WHERE provider = 'acme'`)).rows).toEqual([
      { provider: 'acme', name: 'claude-sonnet-4', model: 'claude-sonnet-4' },
    ]);

    const v3 = buildCatalog([...FIXTURE_PRICE_ROWS, sonnet('2026-01-01T00:00:00Z', '3', '15'), { model: 'brand-new', effective_from: '2026-01-01T00:00:00Z', rates: rates('1', '1') }], 3);
    catalog = v3;
    await log.store.append([{ streamId: 'session-w1/later', events: [tokens('e2', 's4', '2026-03-03T00:01:00.000Z', { model: 'brand-new' })] }]);
    await visible(EVENT_COUNT + LATE.length + 3);
    await live.catchUp();
    expect(await version()).toBe(3);
    // 1200 × 1 + 340 × 1 + 5000 × 0.30 per 1M.
    expect((await pool().query(`SELECT token_cost::text FROM deferring.priced_facts WHERE event_id = 'e2'`)).rows).toEqual([{ token_cost: '0.00304' }]);
  });

  it('given a session that names its first execution after the cut, while the facts before the cut are priced, then the restated model equals a replay of the log', async () => {
    const live = projector(READ_MODEL_SCHEMA, () => v2);
    let events = (await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length;
    await log.store.append([{ streamId: 'session-w1/s6', events: [tokens('g1', 's6', '2026-03-04T00:00:00.000Z')] }]);
    await visible(++events);
    await live.catchUp();
    // The live projector moves g1 to run-cut after the cut, before the restatement reads g1 to price it.
    let adoption: Promise<void> | undefined;
    const adopt = () =>
      (adoption ??= (async () => {
        await log.store.append([{ streamId: 'session-w1/s6', events: [tokens('g2', 's6', '2026-03-04T01:00:00.000Z', { execution_id: 'run-cut' })] }]);
        await visible(++events);
        await live.catchUp();
      })());
    const beforePricing = (client: PoolClient): PoolClient =>
      new Proxy(client, {
        get: (c, p) => {
          if (p !== 'query') return typeof Reflect.get(c, p) === 'function' ? Reflect.get(c, p).bind(c) : Reflect.get(c, p);
          return async (...args: Parameters<PoolClient['query']>) => {
            if (typeof args[0] === 'string' && /^INSERT INTO \S+\.priced_usage /.test(args[0])) await adopt();
            return (c.query as (...a: unknown[]) => unknown)(...args);
          };
        },
      });
    const racing = new Proxy(pool(), {
      get: (p, prop) => {
        if (prop === 'connect') return async () => beforePricing(await p.connect());
        const value = Reflect.get(p, prop);
        return typeof value === 'function' ? value.bind(p) : value;
      },
    });
    await blueGreenRebuild(4, v2, { store: log.store, pool: racing, batchSize: 3, live: { stop: async () => void (await adoption), start: () => undefined } });
    expect(adoption).toBeDefined();

    for (const sql of readModelTables('replayed_after_cut')) await pool().query(sql);
    await bulkLoad(log.store, pool(), 'replayed_after_cut', v2, { batchSize: 5 });
    expect(await dumpReadModel(pool(), READ_MODEL_SCHEMA)).toEqual(await dumpReadModel(pool(), 'replayed_after_cut'));
    // g1 and g2 at 3/15 from 10:30 on 1 March at 4/20: 0.0131 each, once each.
    const run = await pool().query(`SELECT token_cost::text, calls FROM read_model.hourly_costs WHERE dimension = 'execution' AND key = 'run-cut' ORDER BY hour`);
    expect(run.rows).toEqual([{ token_cost: '0.0131', calls: 1 }, { token_cost: '0.0131', calls: 1 }]);
  });
});
