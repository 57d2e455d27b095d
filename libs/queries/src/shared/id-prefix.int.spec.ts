import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { candidatesSql, EXECUTION_IDS, SESSION_IDS } from './id-prefix';

/** The prefix lookup reads a range of the primary key, in the generic plan every pooled connection runs. */
describe('id prefix lookup', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([
    ['sessions', SESSION_IDS],
    ['executions', EXECUTION_IDS],
  ])('uses the primary key of the %s table, with or without a workspace', async (_, ids) => {
    const client = await db.pool.connect();
    try {
      // An empty table is read by a scan whatever the indexes; without scans the plan shows whether an index can serve.
      await client.query('SET enable_seqscan = off');
      await client.query('SET plan_cache_mode = force_generic_plan');
      for (const [name, where, values] of [
        ['scoped', 'workspace_id = $3', ['sess_01HZ', 'sess_01HZ\u{10FFFF}', 'ws1']],
        ['unscoped', 'true', ['sess_01HZ', 'sess_01HZ\u{10FFFF}']],
      ] as const) {
        const statement = `prefix_${ids.table}_${name}`;
        await client.query(`PREPARE ${statement} AS ${candidatesSql(ids)(where)}`);
        const plan = (await client.query(`EXPLAIN EXECUTE ${statement}(${values.map((v) => `'${v}'`).join(', ')})`)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toMatch(new RegExp(`Index (Only )?Scan on ${ids.table}_pkey|Index (Only )?Scan using ${ids.table}_pkey`));
        expect(plan).toMatch(new RegExp(`Index Cond: \\(\\(${ids.column} >= \\$1\\) AND \\(${ids.column} < \\$2\\)`));
      }
    } finally {
      client.release(true);
    }
  });
});
