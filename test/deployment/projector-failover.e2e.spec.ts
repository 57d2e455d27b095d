import { randomUUID } from 'node:crypto';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { PgEventStore } from '@ledger/event-store';
import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { partitionLeaseKey } from '../../libs/projections/src/partitions/partition-leases';
import { findLeaseHolder } from '../../libs/projections/src/projector-lease';
import { LedgerProcess, pollUntil, startProjector } from './support/ledger-process';

const ADMIN_KEY = 'failover-admin-key-0123456789';
const WS = 'ws_failover';

/** Appends `count` TokenUsed events of one session; input tokens are 1000 + i, so a double count shows in the sum. */
async function appendSession(store: PgEventStore, session: string, count: number): Promise<{ events: number; input: number }> {
  const events = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'TokenUsed',
    data: {
      workspace_id: WS, event_id: `${session}-${i}`, session_id: session, occurred_at: '2026-04-02T12:00:00.000Z',
      model: 'gpt-4o', input_tokens: 1000 + i, output_tokens: 10, cache_creation_tokens: 0, cache_read_tokens: 0,
    },
  }));
  await store.append([{ streamId: `session-${WS}/${session}`, events }]);
  return { events: count, input: events.reduce((sum, e) => sum + e.data.input_tokens, 0) };
}

/**
 * Two projector processes of the real service on one database with one partition (ADR 0026): exactly one
 * projects, the other stands by, and when the active one is killed the standby
 * takes over within seconds with exact totals. (partition-failover.e2e.spec.ts shares partitions.)
 */
describe('projector failover across two processes', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let procs: LedgerProcess[] = [];

  const totals = async () =>
    (
      await db.pool.query<{ facts: number; events: number; input: number }>(
        `SELECT (SELECT count(*) FROM ${READ_MODEL_SCHEMA}.cost_facts WHERE workspace_id = $1)::int AS facts,
                COALESCE(sum(token_events), 0)::int AS events, COALESCE(sum(input_tokens), 0)::int AS input
           FROM ${READ_MODEL_SCHEMA}.session_costs WHERE workspace_id = $1`,
        [WS],
      )
    ).rows[0];
  const until = <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) => pollUntil(what, read, ok, timeoutMs, procs);
  const projected = (expected: { events: number; input: number }) =>
    until('the read model reaching the log', totals, (t) => t.facts >= expected.events && t.input >= expected.input, 10_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PgEventStore(db.pool);
    const env = { LEDGER_ADMIN_KEY: ADMIN_KEY, LEDGER_PROJECTOR_BATCH: '100', LEDGER_PROJECTION_PARTITIONS: '1' };
    procs = await Promise.all(['projector-a', 'projector-b'].map((name) => startProjector(name, db.url, env)));
    await Promise.all(procs.map((p) => p.waitHealthy(40_000)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await store?.close();
    await db?.drop();
  });

  it('projects from one process only, and the standby takes over a SIGKILL with exact totals', async () => {
    const expected = { events: 0, input: 0 };
    const add = (b: { events: number; input: number }) => {
      expected.events += b.events;
      expected.input += b.input;
    };
    add(await appendSession(store, 's1', 120));
    expect(await projected(expected)).toEqual({ facts: expected.events, events: expected.events, input: expected.input });

    // The holder of the one partition's lease is the active one. (Without a lease there is none: freezing
    // either process must then show that the other one projects as well.)
    const holder = await until('a process holding the partition', () => findLeaseHolder(db.pool, partitionLeaseKey(0)), (h) => h !== undefined, 5000).catch(() => undefined);
    const active = procs.find((p) => p.name === holder?.applicationName) ?? procs[0];
    const standby = procs.find((p) => p !== active)!;

    // With the active projector frozen (its session and lock still alive), nothing may
    // move: the read model advancing now would mean the standby projects too.
    const before = await totals();
    active.kill('SIGSTOP');
    add(await appendSession(store, 's2', 80));
    await new Promise((r) => setTimeout(r, 1500));
    const during = await totals();
    if (during.facts !== before.facts) {
      throw new Error(`the read model moved while ${active.name} was frozen, so ${standby.name} projects too: ${JSON.stringify(before)} -> ${JSON.stringify(during)}`);
    }
    expect(holder?.applicationName).toBe(active.name);
    await standby.waitHealthy(5000);

    const killedAt = Date.now();
    active.kill('SIGKILL');
    await active.exited;
    await projected(expected);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(5000);
    expect((await findLeaseHolder(db.pool, partitionLeaseKey(0)))?.applicationName).toBe(standby.name);
    expect((await findLeaseHolder(db.pool))?.applicationName).toBe(standby.name);

    add(await appendSession(store, 's3', 50));
    await projected(expected);
    expect(await totals()).toEqual({ facts: expected.events, events: expected.events, input: expected.input });
  });
});

