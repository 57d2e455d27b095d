import { withEventLog } from '@ledger/testing';
import { EventStore, PgEventStore } from '@ledger/event-store';
import { buildCatalog, DEFAULT_PRICE_ROWS } from '@ledger/pricing';
import { readModel, readModelTables } from '@ledger/database';
import { bulkLoad } from './bulk-load';
import { CostProjector, USAGE_EVENT_FILTER } from './cost-projector';

const catalog = buildCatalog(DEFAULT_PRICE_ROWS, 1);
let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const event = (type: string, data: Record<string, unknown>) => ({ id: uuid(), type, data: { workspace_id: 'w1', ...data } });
const tokens = (id: string, session: string, at: string, extra: Record<string, unknown> = {}) =>
  event('TokenUsed', { event_id: id, session_id: session, occurred_at: at, model: 'claude-sonnet-4', input_tokens: 1200, output_tokens: 340,
    cache_creation_tokens: 0, cache_read_tokens: 5000, ...extra });

/**
 * A history with everything that could make a set-based load differ from batch-by-batch
 * projection: ids that appear only on later events, events whose times run against the
 * log, two finalizations at the same instant, a duplicate event id, unpriced usage,
 * tool calls and tool-token attribution, and several workspaces.
 */
const HISTORY = [
  { streamId: 'session-w1/s1', events: [
    tokens('a1', 's1', '2026-03-01T10:05:00.000Z'),
    tokens('a2', 's1', '2026-03-01T10:00:00.000Z', { execution_id: 'run-late', workflow_id: 'wf-b' }),
    tokens('a3', 's1', '2026-03-01T09:59:00.000Z', { execution_id: 'run-early', workflow_id: 'wf-a', phase_id: 'plan' }),
    event('ToolCalled', { event_id: 'a4', session_id: 's1', occurred_at: '2026-03-01T10:06:00.000Z', tool_name: 'Bash', duration_ms: 900, compute_cost_usd: '0.0012' }),
    // A second workflow on run-early, later in the log but first by name: the run keeps the first seen, wf-a.
    tokens('a5', 's1', '2026-03-01T11:00:00.000Z', { tool_tokens: { Read: 700, Bash: 300 }, execution_id: 'run-early', workflow_id: 'wf-0' }),
    event('SessionFinalized', { event_id: 'a6', session_id: 's1', occurred_at: '2026-03-01T11:30:00.000Z', status: 'failed', num_turns: 3 }),
    event('SessionFinalized', { event_id: 'a7', session_id: 's1', occurred_at: '2026-03-01T11:30:00.000Z', status: 'completed', num_turns: 4 }),
  ] },
  { streamId: 'session-w1/s2', events: [
    tokens('b1', 's2', '2026-03-01T10:00:00.000Z', { model: 'no-such-model' }),
    tokens('b2', 's2', '2026-03-02T00:00:00.000Z', { execution_id: 'run-late', phase_id: 'build' }),
  ] },
  // The same workspace event id again, as a store without a unique constraint could hold it: the first one counts.
  { streamId: 'session-w1/s1-again', events: [tokens('a1', 's1', '2026-03-01T10:05:00.000Z', { input_tokens: 999999 })] },
  { streamId: 'session-w2/s1', events: [{ ...tokens('c1', 's1', '2026-03-01T10:00:00.000Z'), data: { ...tokens('c1', 's1', '2026-03-01T10:00:00.000Z').data, workspace_id: 'w2' } }] },
];
const EVENT_COUNT = HISTORY.reduce((n, a) => n + a.events.length, 0);

describe('bulkLoad', () => {
  const log = withEventLog();
  beforeAll(async () => {
    for (const append of HISTORY) await log.store.append([append]);
    // The log's readers stop below the server's oldest open transaction: wait until all of it is readable.
    while ((await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length < EVENT_COUNT) await new Promise((r) => setTimeout(r, 20));
  });

  const dump = async (schema: string) => {
    const tables = {
      cost_facts: 'workspace_id, event_id',
      session_costs: 'workspace_id, session_id',
      hourly_costs: 'workspace_id, dimension, hour, key',
      daily_costs: 'workspace_id, dimension, day, key',
      execution_index: 'workspace_id, execution_id',
    };
    const out: Record<string, unknown> = {};
    for (const [table, key] of Object.entries(tables)) {
      out[table] = (await log.db.pool.query(`SELECT to_jsonb(t)::text AS row FROM ${schema}.${table} t ORDER BY ${key}`)).rows.map((r) => r.row);
    }
    out.checkpoint = (await log.db.pool.query(`SELECT commit_pos::text, prepare_pos::text, events_applied::int FROM ${schema}.checkpoint`)).rows;
    return out;
  };

  /** The same log without a SQL scan, as an EventStoreDB log is: its events travel through Node. */
  const throughNode = (s: PgEventStore): EventStore => ({
    append: (a) => s.append(a),
    findEvents: (r) => s.findEvents(r),
    readStream: (id, o) => s.readStream(id, o),
    readAll: (o) => s.readAll(o),
    subscribeToAll: (o) => s.subscribeToAll(o),
    headPosition: () => s.headPosition(),
    close: () => s.close(),
  });

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
    const runs = (await log.db.pool.query(`SELECT execution_id, workflow_id, started_at FROM bulk.execution_index ORDER BY execution_id`)).rows;
    expect(runs).toEqual([
      { execution_id: 'run-early', workflow_id: 'wf-a', started_at: new Date('2026-03-01T09:59:00.000Z') },
      { execution_id: 'run-late', workflow_id: 'wf-b', started_at: new Date('2026-03-01T10:00:00.000Z') },
    ]);
  });

  it('given the keys and indexes it builds, then they are the live schema\'s', async () => {
    const indexes = async (schema: string) =>
      (await log.db.pool.query(`SELECT tablename, replace(indexdef, $1 || '.', '') AS def
        FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`, [schema])).rows;
    expect(await indexes('bulk')).toEqual(await indexes('by_batch'));
  });
});
