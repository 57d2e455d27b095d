import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { formatPosition } from '@ledger/event-store';
import { buildCatalog } from '@ledger/pricing';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { readModelTables } from '../read-model.schema';
import { bulkLoad } from '../bulk-load';
import { CostProjector, USAGE_EVENT_FILTER } from '../cost-projector';
import { blueGreenRebuild } from '../rebuild/blue-green-rebuild';
import { throughNode } from '../../testing/through-node';
import { ConflictError } from '@ledger/http';
import { requestRebuild } from '../rebuild/rebuild-requests';
import { ProjectionHealth, recordStall } from '../projection-health';
import { retryDeadLetter } from './retry-dead-letter';

const catalog = buildCatalog(FIXTURE_PRICE_ROWS, 1);
let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const at = '2026-04-02T12:00:00.000Z';
const tokenUsed = (ws: string, session: string, id: string, input: number, output: number) => ({
  id: uuid(),
  type: 'TokenUsed',
  data: { workspace_id: ws, event_id: id, session_id: session, occurred_at: at, model: 'gpt-4o', input_tokens: input, output_tokens: output,
    cache_creation_tokens: 0, cache_read_tokens: 0 },
});

/**
 * Events that pass validation as it stood before issue 13 but that the read model cannot store, written
 * straight to the log between other workspaces' events: one of them used to stop the projector for everyone.
 */
const POISON_FINAL = { id: uuid(), type: 'SessionFinalized', data: { workspace_id: 'wp', event_id: 'p1', session_id: 's3', occurred_at: at, num_turns: 3_000_000_000 } };
const POISON_TOOL = { id: uuid(), type: 'ToolCalled', data: { workspace_id: 'wp', event_id: 'p2', session_id: 's4', occurred_at: at, tool_name: 'Bash', duration_ms: 1e19 } };
const APPENDS = [
  { streamId: 'session-wa/s1', events: [tokenUsed('wa', 's1', 'a1', 1000, 100)] },
  { streamId: 'session-wp/s3', events: [POISON_FINAL] },
  { streamId: 'session-wb/s1', events: [tokenUsed('wb', 's1', 'b1', 2000, 0)] },
  { streamId: 'session-wp/s4', events: [POISON_TOOL] },
  { streamId: 'session-wp/s5', events: [tokenUsed('wp', 's5', 'p3', 400, 0)] },
];

describe('a poison event', () => {
  const log = withEventLog();
  const pool = () => log.db.pool;
  beforeAll(async () => {
    await log.store.append(APPENDS);
    while ((await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length < 5) await new Promise((r) => setTimeout(r, 20));
  });

  const sessions = async (schema: string) =>
    (await pool().query(`SELECT workspace_id, session_id, token_cost::text, input_tokens::int FROM ${schema}.session_costs ORDER BY 1, 2`)).rows;
  const deadLetters = async () =>
    (await pool().query(`SELECT id::int, event_id, workspace_id, event_type, log_event_id, stream_id, sqlstate, error, failures, resolved_at
      FROM projection_dead_letters ORDER BY id`)).rows;
  // gpt-4o: 2.50 input, 10.00 output per 1M tokens.
  const APPLIED = [
    { workspace_id: 'wa', session_id: 's1', token_cost: '0.0035', input_tokens: 1000 },
    { workspace_id: 'wb', session_id: 's1', token_cost: '0.005', input_tokens: 2000 },
    { workspace_id: 'wp', session_id: 's5', token_cost: '0.001', input_tokens: 400 },
  ];

  it('given it in one batch with other workspaces\' events before and after it, then every other event is applied and it is dead-lettered with the checkpoint', async () => {
    const projector = new CostProjector(log.store, pool(), { schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => catalog });
    const progress = await projector.catchUp();

    expect(await sessions(READ_MODEL_SCHEMA)).toEqual(APPLIED);
    expect(await deadLetters()).toEqual([
      { id: 1, event_id: 'p1', workspace_id: 'wp', event_type: 'SessionFinalized', log_event_id: POISON_FINAL.id, stream_id: 'session-wp/s3',
        sqlstate: '22003', error: 'value "3000000000" is out of range for type integer', failures: 1, resolved_at: null },
      { id: 2, event_id: 'p2', workspace_id: 'wp', event_type: 'ToolCalled', log_event_id: POISON_TOOL.id, stream_id: 'session-wp/s4',
        sqlstate: '22003', error: 'value "10000000000000000000" is out of range for type bigint', failures: 1, resolved_at: null },
    ]);
    const head = await log.store.headPosition();
    expect(formatPosition(progress.position)).toBe(formatPosition(head));
    const { rows } = await pool().query(`SELECT commit_pos::text || '-' || prepare_pos::text AS position, events_applied::int FROM ${READ_MODEL_SCHEMA}.checkpoint`);
    expect(rows).toEqual([{ position: formatPosition(head), events_applied: 3 }]);
    expect(projector.failure).toBeUndefined();
  });

  it('given a retry while it still cannot be stored, then it stays dead-lettered with the new failure, and nothing else changes', async () => {
    const letter = await retryDeadLetter(log.store, pool(), 1, async () => catalog);
    expect(letter).toMatchObject({ id: 1, failures: 2, resolved_at: null, sqlstate: '22003', error: 'value "3000000000" is out of range for type integer' });
    expect(await sessions(READ_MODEL_SCHEMA)).toEqual(APPLIED);
    expect(await retryDeadLetter(log.store, pool(), 99, async () => catalog)).toBeUndefined();
  });

  it('given a rebuild running, then a retry is refused: its fact could miss the rebuild\'s cut', async () => {
    const id = await requestRebuild(pool(), 'test');
    await pool().query(`UPDATE projection_rebuilds SET state = 'running' WHERE id = $1`, [id]);
    try {
      await expect(retryDeadLetter(log.store, pool(), 1, async () => catalog)).rejects.toThrow(ConflictError);
    } finally {
      await pool().query(`UPDATE projection_rebuilds SET state = 'done' WHERE id = $1`, [id]);
    }
    expect((await deadLetters())[0]).toMatchObject({ failures: 2, resolved_at: null });
  });

  it('given a stall the projecting instance recorded, then every instance reports it while it is fresh', async () => {
    const health = new ProjectionHealth(pool(), log.store, () => undefined);
    expect(await health.stall()).toBeNull();
    const since = new Date('2026-04-02T12:00:00.000Z');
    await recordStall(pool(), { position: { commit: 5n, prepare: 7n }, error: 'column "calls" does not exist', sqlstate: '42703', since, attempts: 4 });
    expect(await health.stall()).toEqual({ position: '5-7', error: 'column "calls" does not exist', sqlstate: '42703', since: since.toISOString(), attempts: 4 });
    // A stall last heard of long ago is a dead projector's.
    await pool().query(`UPDATE projector_stalls SET updated_at = now() - interval '31 seconds'`);
    expect(await health.stall()).toBeNull();
    await pool().query(`UPDATE projector_stalls SET updated_at = now()`);
    await recordStall(pool(), undefined);
    expect(await health.stall()).toBeNull();
  });

  it('given a rebuild from the log, in the database, then it completes without it and records it again', async () => {
    await blueGreenRebuild(1, catalog, { store: log.store, pool: pool(), batchSize: 2, source: 'log', live: { stop: async () => undefined, start: () => undefined } });
    expect(await sessions(READ_MODEL_SCHEMA)).toEqual(APPLIED);
    const { rows } = await pool().query(`SELECT events_applied::int FROM ${READ_MODEL_SCHEMA}.checkpoint`);
    expect(rows).toEqual([{ events_applied: 3 }]);
    expect((await deadLetters()).map((d) => [d.event_id, d.failures, d.resolved_at])).toEqual([['p1', 3, null], ['p2', 2, null]]);
  });

  it('given a bulk load through Node (an EventStoreDB log), then it completes without it too', async () => {
    for (const sql of readModelTables('by_node')) await pool().query(sql);
    const loaded = await bulkLoad(throughNode(log.store), pool(), 'by_node', catalog, { batchSize: 5 });
    expect(loaded.eventsApplied).toBe(3);
    expect(await sessions('by_node')).toEqual(APPLIED);
    expect((await deadLetters()).map((d) => [d.event_id, d.failures])).toEqual([['p1', 4], ['p2', 3]]);
  });
});
