import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { buildCatalog } from '@ledger/pricing';
import { readModel, readModelTables } from './read-model.schema';
import { bulkLoad } from './bulk-load';
import { CostProjector, USAGE_EVENT_FILTER } from './cost-projector';
import { throughNode } from '../testing/through-node';
import { dumpReadModel, EVENT_COUNT, HISTORY } from '../testing/usage-history';

const catalog = buildCatalog(FIXTURE_PRICE_ROWS, 1);

describe('bulkLoad', () => {
  const log = withEventLog();
  beforeAll(async () => {
    for (const append of HISTORY) await log.store.append([append]);
    // The log's readers stop below the server's oldest open transaction: wait until all of it is readable.
    while ((await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length < EVENT_COUNT) await new Promise((r) => setTimeout(r, 20));
  });

  const dump = (schema: string) => dumpReadModel(log.db.pool, schema);

  it.each([
    ['in the database', 'bulk', () => log.store],
    ['through Node', 'bulk_node', () => throughNode(log.store)],
  ])('given any history read %s, then it builds exactly the rows that batch-by-batch projection builds', async (_how, schema, source) => {
    if (!(await log.db.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'by_batch'`)).rowCount) {
      for (const sql of readModel('by_batch')) await log.db.pool.query(sql);
      await new CostProjector(log.store, log.db.pool, { schema: 'by_batch', batchSize: 2, catalog: () => catalog }).catchUp();
    }
    for (const sql of readModelTables(schema)) await log.db.pool.query(sql);
    const loaded = await bulkLoad(source(), log.db.pool, schema, catalog, { batchSize: 3 });

    expect(loaded.eventsApplied).toBe(EVENT_COUNT);
    const bulk = await dump(schema);
    expect(bulk).toEqual(await dump('by_batch'));
    expect((bulk.cost_facts as string[]).length).toBe(EVENT_COUNT - 1);
  });

  it('given ids and finalizations out of time order, then the log decides: first seen, and the later of a tie', async () => {
    const s1 = (await log.db.pool.query(`SELECT execution_id, workflow_id, phase_id, final_status, final_num_turns, input_tokens::int
      FROM bulk.session_costs WHERE workspace_id = 'w1' AND session_id = 's1'`)).rows[0];
    expect(s1).toEqual({ execution_id: 'run-late', workflow_id: 'wf-b', phase_id: 'plan', final_status: 'completed', final_num_turns: 4, input_tokens: 4800 });
    // Every event counts under its session's execution, the first named in the log: run-early, named only after
    // run-late on s1, has no usage; s2's first event, which names none, counts under run-late with the rest.
    const runs = (await log.db.pool.query(`SELECT execution_id, started_at FROM bulk.execution_index ORDER BY execution_id`)).rows;
    expect(runs).toEqual([{ execution_id: 'run-late', started_at: new Date('2026-03-01T09:59:00.000Z') }]);
    const facts = (await log.db.pool.query(`SELECT event_id, execution_id, named_execution_id FROM bulk.cost_facts
      WHERE workspace_id = 'w1' AND event_id IN ('a1', 'a3', 'b1') ORDER BY event_id`)).rows;
    expect(facts).toEqual([
      { event_id: 'a1', execution_id: 'run-late', named_execution_id: null },
      { event_id: 'a3', execution_id: 'run-late', named_execution_id: 'run-early' },
      { event_id: 'b1', execution_id: 'run-late', named_execution_id: null },
    ]);
  });

  it('given the keys and indexes it builds, then they are the live schema\'s', async () => {
    const indexes = async (schema: string) =>
      (await log.db.pool.query(`SELECT tablename, replace(indexdef, $1 || '.', '') AS def
        FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`, [schema])).rows;
    expect(await indexes('bulk')).toEqual(await indexes('by_batch'));
  });
});
