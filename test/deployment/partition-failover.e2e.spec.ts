import { randomUUID } from 'node:crypto';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { PgEventStore, StreamAppend } from '@ledger/event-store';
import { catalogFromState, EMPTY_CATALOG_STATE, evolveCatalog, PRICING_STREAM, PricingEvent } from '@ledger/pricing';
import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { dumpReadModel } from '../../libs/projections/testing/usage-history';
import { bulkLoad } from '../../libs/projections/src/bulk-load';
import { readModelTables } from '../../libs/projections/src/read-model.schema';
import { partitionHolders, PartitionHolder } from '../../libs/projections/src/partitions/partition-leases';
import { partitionOf } from '../../libs/projections/src/partitions/partition-of';
import { LedgerProcess, pollUntil, startProjector } from './support/ledger-process';

const ADMIN_KEY = 'partition-admin-key-0123456789';
const PARTITIONS = 8;
const WORKSPACES = Array.from({ length: 40 }, (_, i) => `ws_part_${i}`);
const ROUNDS = 30;
const KILL_AFTER_ROUND = 10;

/** One round of one workspace: a session's calls (some naming a run, a workflow and a phase), a tool call, and, every third round, its finalization. */
function round(workspace: string, r: number): { append: StreamAppend; usage: number; input: number } {
  const session = `s${Math.floor(r / 3)}`;
  const at = (i: number) => new Date(Date.UTC(2026, 4, 1 + (r % 5), r % 24, i)).toISOString();
  const base = { workspace_id: workspace, session_id: session };
  const calls = Array.from({ length: 6 }, (_, i) => ({
    id: randomUUID(),
    type: 'TokenUsed',
    data: {
      ...base, event_id: `${workspace}-${r}-${i}`, occurred_at: at(i), model: i % 2 ? 'gpt-4o' : 'claude-sonnet-4',
      input_tokens: 1000 + r * 10 + i, output_tokens: 50 + i, cache_creation_tokens: 0, cache_read_tokens: 100 * i,
      ...(i === 2 ? { execution_id: `run-${workspace}-${Math.floor(r / 3)}`, workflow_id: 'wf', phase_id: `ph${r % 2}` } : {}),
    },
  }));
  const tool = { id: randomUUID(), type: 'ToolCalled', data: { ...base, event_id: `${workspace}-${r}-t`, occurred_at: at(7), tool_name: 'Bash', duration_ms: 1200, compute_cost_usd: '0.0007' } };
  const final = r % 3 === 2 ? [{ id: randomUUID(), type: 'SessionFinalized', data: { ...base, event_id: `${workspace}-${r}-f`, occurred_at: at(9), status: 'completed', num_turns: 3 } }] : [];
  const events = [...calls, tool, ...final];
  return { append: { streamId: `session-${workspace}/${session}`, events }, usage: events.length, input: calls.reduce((n, c) => n + c.data.input_tokens, 0) };
}

/**
 * Three projector processes of the real service share eight partitions on one PostgreSQL. One is killed
 * mid-ingest; its partitions move to the other two within seconds, and afterwards the read model equals a
 * bulk recomputation of the whole log, row for row: no event lost, none counted twice.
 */
describe('partitioned projection across three processes', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let procs: LedgerProcess[] = [];

  const until = <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) => pollUntil(what, read, ok, timeoutMs, procs);
  const holders = () => partitionHolders(db.pool, PARTITIONS);
  const byProcess = (hs: readonly PartitionHolder[]) => {
    const out: Record<string, number[]> = {};
    for (const h of hs) (out[h.applicationName] ??= []).push(h.partition);
    return out;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PgEventStore(db.pool);
    const env = { LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_PROJECTOR_BATCH: '200', LEDGER_PROJECTION_PARTITIONS: String(PARTITIONS) };
    procs = await Promise.all(['projector-a', 'projector-b', 'projector-c'].map((name) => startProjector(name, db.url, env)));
    // Three processes start from the TypeScript sources at once: on a busy two-core machine that takes a while.
    await Promise.all(procs.map((p) => p.waitHealthy(100_000)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await store?.close();
    await db?.drop();
  });

  it('moves a killed process\'s partitions to the others within seconds, and ends equal to a recomputation of the log', async () => {
    // Each of the three holds its fair share, ceil(8 / 3) = 3 at most, and every partition is held.
    const shared = await until('every partition held by three processes', holders, (hs) => {
      const shares = Object.values(byProcess(hs));
      return hs.length === PARTITIONS && shares.length === 3 && shares.every((s) => s.length <= 3);
    }, 15_000);
    expect(new Set(shared.map((h) => h.partition))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    // The workspaces cover every partition, so every process has work.
    expect(new Set(WORKSPACES.map((w) => partitionOf(w, PARTITIONS))).size).toBe(PARTITIONS);

    let usage = 0;
    let input = 0;
    let takeoverMs = -1;
    let victim: LedgerProcess | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const rounds = WORKSPACES.map((w) => round(w, r));
      await store.append(rounds.map((x) => x.append));
      usage += rounds.reduce((n, x) => n + x.usage, 0);
      input += rounds.reduce((n, x) => n + x.input, 0);
      if (r === KILL_AFTER_ROUND) {
        // The victim holds partitions and is projecting them now.
        const before = byProcess(await holders());
        victim = procs.find((p) => before[p.name]?.length)!;
        const orphaned = before[victim.name];
        const killedAt = Date.now();
        victim.kill('SIGKILL');
        await victim.exited;
        const after = await until('the killed process\'s partitions held by the other two', holders, (hs) => {
          const shares = byProcess(hs);
          return hs.length === PARTITIONS && !shares[victim!.name] && Object.values(shares).every((s) => s.length === 4);
        }, 10_000);
        takeoverMs = Date.now() - killedAt;
        expect(orphaned.every((p) => after.some((h) => h.partition === p && h.applicationName !== victim!.name))).toBe(true);
      }
    }
    expect(takeoverMs).toBeGreaterThan(-1);
    expect(takeoverMs).toBeLessThan(5000);

    // Every partition reaches the last append (not headPosition: an open transaction anywhere holds the readers' horizon back).
    const head = await store.lastAppendedPosition();
    await until(
      'every partition at the head of the log',
      async () => (await db.pool.query<{ behind: number }>(
        `SELECT count(*)::int AS behind FROM ${READ_MODEL_SCHEMA}.partition_checkpoints WHERE (commit_pos, prepare_pos) < ($1::numeric, $2::numeric)`,
        [String(head.commit), String(head.prepare)],
      )).rows[0].behind,
      (behind) => behind === 0,
      30_000,
    );

    // No event lost or counted twice: the independent sums, and the counts the checkpoints keep.
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*) FROM ${READ_MODEL_SCHEMA}.cost_facts)::int AS facts,
              (SELECT sum(input_tokens) FROM ${READ_MODEL_SCHEMA}.session_costs)::bigint::text AS input,
              (SELECT events_applied FROM ${READ_MODEL_SCHEMA}.checkpoint)::int AS applied`,
    );
    expect(rows[0]).toEqual({ facts: usage, input: String(input), applied: usage });

    // Every view equals an exact recomputation of the whole log with the same catalog.
    const pricing = await store.readStream(PRICING_STREAM);
    const catalog = catalogFromState(pricing.reduce((s, e) => evolveCatalog(s, { type: e.type, data: e.data } as PricingEvent), EMPTY_CATALOG_STATE));
    for (const sql of readModelTables('recomputed')) await db.pool.query(sql);
    await bulkLoad(store, db.pool, 'recomputed', catalog, { batchSize: 1000, partitions: PARTITIONS });
    const live = await dumpReadModel(db.pool, READ_MODEL_SCHEMA);
    const recomputed = await dumpReadModel(db.pool, 'recomputed');
    expect((live.cost_facts as unknown[]).length).toBe(usage);
    for (const view of ['cost_facts', 'session_costs', 'hourly_costs', 'daily_costs', 'execution_index', 'model_prices', 'tool_prices']) {
      expect({ view, rows: live[view] }).toEqual({ view, rows: recomputed[view] });
    }
    expect(live.checkpoint).toEqual([expect.objectContaining({ events_applied: usage, pricing_version: catalog.version })]);
  }, 120_000);
});
