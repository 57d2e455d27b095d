import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { comparePositions, EventStore, formatPosition, LOG_START, parsePosition } from '@ledger/event-store';
import { buildCatalog } from '@ledger/pricing';
import { readModel } from './read-model.schema';
import { BatchRange, CostProjector, USAGE_EVENT_FILTER } from './cost-projector';
import { throughNode } from '../testing/through-node';
import { dumpReadModel, HISTORY } from '../testing/usage-history';

const catalog = buildCatalog(FIXTURE_PRICE_ROWS, 1);
let seq = 0;
const uuid = () => `00000000-0000-4000-8001-${String(++seq).padStart(12, '0')}`;
const at = '2026-04-02T12:00:00.000Z';
const tokenUsed = (ws: string, session: string, id: string, input: number, extra: Record<string, unknown> = {}) => ({
  id: uuid(),
  type: 'TokenUsed',
  data: { workspace_id: ws, event_id: id, session_id: session, occurred_at: at, model: 'gpt-4o', input_tokens: input, output_tokens: 0,
    cache_creation_tokens: 0, cache_read_tokens: 0, ...extra },
});
/** An event no usage projection reads: what the projector's filter skips. */
const other = (n: number) => ({ id: uuid(), type: 'PriceSet', data: { n } });

/**
 * A history of many batches with what makes batching matter: sessions spread over workspaces and hours,
 * executions named only later (adoption), models no catalog prices and models met first mid-way, tool calls
 * with and without a reported cost, finalizations, a duplicate event id, and other events the filter skips.
 */
function mixedHistory() {
  const models = ['gpt-4o', 'claude-sonnet-4-20250514', 'gemini-2.5-pro', 'no-such-model', 'gpt-4o-mini'];
  const appends: { streamId: string; events: { id: string; type: string; data: Record<string, unknown> }[] }[] = [];
  for (let i = 0; i < 120; i++) {
    const ws = `mw${i % 3}`;
    const session = `ms${i % 11}`;
    const occurred = new Date(Date.UTC(2026, 3, 1, i % 30, (i * 7) % 60)).toISOString();
    const events = [];
    if (i % 13 === 5) events.push(other(i));
    if (i % 4 === 3) {
      events.push({ id: uuid(), type: 'ToolCalled', data: { workspace_id: ws, event_id: `mt${i}`, session_id: session, occurred_at: occurred,
        tool_name: i % 8 === 3 ? 'Bash' : 'Read', duration_ms: 100 * i, ...(i % 8 === 7 ? { compute_cost_usd: '0.000137' } : {}) } });
    } else if (i % 29 === 28) {
      events.push({ id: uuid(), type: 'SessionFinalized', data: { workspace_id: ws, event_id: `mf${i}`, session_id: session, occurred_at: occurred,
        status: 'completed', num_turns: i } });
    } else {
      const named = i > 40 && i % 5 === 0 ? { execution_id: `run-${i % 11}`, workflow_id: `wf-${i % 2}` } : {};
      events.push(tokenUsed(ws, session, `mu${i}`, 1000 + i, { occurred_at: occurred, model: models[(i >> 2) % models.length], output_tokens: 17 * i,
        cache_read_tokens: i % 3 ? 0 : 5000, ...named }));
    }
    if (i === 77) events.push(tokenUsed('mw2', 'ms2', 'mu74', 999999));
    appends.push({ streamId: `session-${ws}/${session}-${i}`, events });
  }
  return appends;
}

describe('CostProjector over a log in the database', () => {
  const log = withEventLog();
  const pool = () => log.db.pool;

  /** Appends and waits until readers see it: the log's horizon is the oldest write in flight anywhere on the server. */
  const appendVisible = async (...appends: { streamId: string; events: { id: string; type: string; data: Record<string, unknown> }[] }[]) => {
    for (const a of appends) await log.store.append([a]);
    const ids = new Set(appends.flatMap((a) => a.events.map((e) => e.id)));
    while ((await log.store.readAll({ from: LOG_START })).filter((e) => ids.has(e.id)).length < ids.size) await new Promise((r) => setTimeout(r, 20));
  };
  const fresh = async (schema: string) => {
    for (const sql of readModel(schema)) await pool().query(sql);
  };
  const checkpoint = async (schema: string) =>
    (await pool().query(`SELECT commit_pos::text || '-' || prepare_pos::text AS position, events_applied::int FROM ${schema}.checkpoint`)).rows[0];
  const sessions = async (schema: string) =>
    (await pool().query(`SELECT workspace_id, session_id, trim_scale(token_cost)::text AS token_cost, input_tokens::int FROM ${schema}.session_costs ORDER BY 1, 2`)).rows;
  /** Every batch a projector commits, as the test seam sees it before the commit. */
  const recording = (schema: string, batchSize: number, store: EventStore = log.store) => {
    const batches: BatchRange[] = [];
    const projector = new CostProjector(store, pool(), { schema, batchSize, catalog: () => catalog, beforeCommit: async (b) => void batches.push(b) });
    return { projector, batches };
  };
  const range = (b: BatchRange) => [formatPosition(b.after), formatPosition(b.position), b.events];

  it('given the same log, then every table it builds equals what the projection through Node builds, row for row', async () => {
    await appendVisible(...HISTORY, ...mixedHistory());
    for (const [schema, size] of [['from_log_3', 3], ['from_log_50', 50], ['through_node_7', 7]] as const) {
      await fresh(schema);
      const store = schema.startsWith('through_node') ? throughNode(log.store) : log.store;
      const { projector, batches } = recording(schema, size, store);
      await projector.catchUp();
      // Each took the log in several batches, the small ones in many, so that batch boundaries fall everywhere.
      expect(batches.length).toBeGreaterThanOrEqual(size === 50 ? 2 : 5);
    }
    const throughNodeRows = await dumpReadModel(pool(), 'through_node_7');
    expect((throughNodeRows.cost_facts as unknown[]).length).toBeGreaterThan(120);
    expect(await dumpReadModel(pool(), 'from_log_3')).toEqual(throughNodeRows);
    expect(await dumpReadModel(pool(), 'from_log_50')).toEqual(throughNodeRows);
  });

  it('given pages that come back full, then each next one is twice as large, up to 8 times the batch size, and back to it once short', async () => {
    await fresh('adaptive');
    const { projector, batches } = recording('adaptive', 1);
    await projector.catchUp();
    const total = Number((await pool().query(`SELECT count(*)::int AS n FROM event_log WHERE event_type = ANY($1)`, [USAGE_EVENT_FILTER.eventTypes])).rows[0].n);
    // 1, 2, 4, 8, then 8 (the cap) while the log lasts; the last one short.
    const sizes = batches.map((b) => b.events);
    const expected = [1, 2, 4, 8];
    while (expected.reduce((a, b) => a + b, 0) + 8 < total) expected.push(8);
    expected.push(total - expected.reduce((a, b) => a + b, 0));
    expect(sizes).toEqual(expected);
    // Batches tile the log: each starts where the one before ended.
    for (let i = 1; i < batches.length; i++) expect(batches[i].after).toEqual(batches[i - 1].position);
    expect(await checkpoint('adaptive')).toEqual({ position: formatPosition(batches[batches.length - 1].position), events_applied: total });

    // Live again: one more event is one batch of the configured size.
    await appendVisible({ streamId: 'session-wa/sa', events: [tokenUsed('wa', 'sa', 'a1', 1000), tokenUsed('wa', 'sa', 'a2', 1000)] });
    const live = recording('adaptive', 1);
    await live.projector.catchUp();
    expect(live.batches.map((b) => b.events)).toEqual([1, 1]);
  });

  it('given usage events and then only events the filter skips, then a full page ends at its last event and the short one at the head', async () => {
    await fresh('gap');
    const { projector } = recording('gap', 1000);
    await projector.catchUp();
    const before = await log.store.headPosition();
    await appendVisible(
      { streamId: 'session-wg/s1', events: [tokenUsed('wg', 's1', 'g1', 100), tokenUsed('wg', 's1', 'g2', 200), tokenUsed('wg', 's1', 'g3', 300)] },
      { streamId: 'pricing-gap', events: [other(1), other(2), other(3)] },
    );
    const head = await log.store.headPosition();
    const usage = (await log.store.readAll({ from: before, filter: USAGE_EVENT_FILTER })).map((e) => e.position);
    expect(usage).toHaveLength(3);

    const { projector: paging, batches } = recording('gap', 2);
    const progress = await paging.catchUp();
    expect(batches.map(range)).toEqual([
      [formatPosition(before), formatPosition(usage[1]), 2],
      // Short: it read everything up to the snapshot's head, so the checkpoint passes the filtered events.
      [formatPosition(usage[1]), formatPosition(head), 1],
    ]);
    expect(formatPosition(progress.position)).toBe(formatPosition(head));
    expect(comparePositions(head, usage[2])).toBeGreaterThan(0);

    // Only filtered events after the checkpoint: one empty batch moves it across them.
    await appendVisible({ streamId: 'pricing-gap', events: [other(4)] });
    const gapHead = await log.store.headPosition();
    const { projector: crossing, batches: crossed } = recording('gap', 2);
    await crossing.catchUp();
    expect(crossed.map(range)).toEqual([[formatPosition(head), formatPosition(gapHead), 0]]);
    expect(await checkpoint('gap')).toMatchObject({ position: formatPosition(gapHead) });
  });

  it('given a writer that took a lower position and commits after others did, then its event is projected once it commits, never skipped', async () => {
    await fresh('late');
    await new CostProjector(log.store, pool(), { schema: 'late', batchSize: 100, catalog: () => catalog }).catchUp();
    const passed = (await checkpoint('late')).position;

    const slow = await pool().connect();
    try {
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO event_log (stream_id, stream_revision, event_id, event_type, data) VALUES ('session-wl/slow', 0, $1, 'TokenUsed', $2)`,
        [uuid(), tokenUsed('wl', 'slow', 'l1', 4000).data]);
      const fast = await log.store.append([{ streamId: 'session-wl/fast', events: [tokenUsed('wl', 'fast', 'l2', 2000), tokenUsed('wl', 'fast', 'l3', 2000)] }]);

      // While the slow writer is open, the projector may not pass its slot: the fast events wait behind it.
      await new CostProjector(log.store, pool(), { schema: 'late', batchSize: 1, catalog: () => catalog }).catchUp();
      const whileOpen = await checkpoint('late');
      expect(comparePositions(parsePosition(whileOpen.position)!, fast.position)).toBeLessThan(0);
      expect(whileOpen.position).toBe(passed);
      expect((await sessions('late')).filter((s) => s.workspace_id === 'wl')).toEqual([]);

      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    const projector = new CostProjector(log.store, pool(), { schema: 'late', batchSize: 1, catalog: () => catalog });
    // Readers see the late commit once no older write is open anywhere on the server.
    while ((await sessions('late')).filter((s) => s.workspace_id === 'wl').length < 2) {
      await projector.catchUp();
      await new Promise((r) => setTimeout(r, 20));
    }
    // gpt-4o input: 2.50 per 1M tokens.
    expect((await sessions('late')).filter((s) => s.workspace_id === 'wl')).toEqual([
      { workspace_id: 'wl', session_id: 'fast', token_cost: '0.01', input_tokens: 4000 },
      { workspace_id: 'wl', session_id: 'slow', token_cost: '0.01', input_tokens: 4000 },
    ]);
  });

  it('given a poison event in a page, then the page is read into Node, every other event applied and it dead-lettered with the checkpoint', async () => {
    await fresh('poisoned');
    await new CostProjector(log.store, pool(), { schema: 'poisoned', batchSize: 1000, catalog: () => catalog }).catchUp();
    const { events_applied: before } = await checkpoint('poisoned');
    const poison = { id: uuid(), type: 'SessionFinalized', data: { workspace_id: 'wz', event_id: 'z2', session_id: 'zs', occurred_at: at, num_turns: 3_000_000_000 } };
    await appendVisible({ streamId: 'session-wz/zs', events: [tokenUsed('wz', 'zs', 'z1', 1000), poison, tokenUsed('wz', 'zs', 'z3', 3000)] });
    const logged: string[] = [];
    const projector = new CostProjector(log.store, pool(), { schema: 'poisoned', batchSize: 1000, catalog: () => catalog, log: (m) => void logged.push(m) });
    const progress = await projector.catchUp();

    expect((await sessions('poisoned')).filter((s) => s.workspace_id === 'wz')).toEqual([
      { workspace_id: 'wz', session_id: 'zs', token_cost: '0.01', input_tokens: 4000 },
    ]);
    const head = await log.store.headPosition();
    expect(formatPosition(progress.position)).toBe(formatPosition(head));
    expect(await checkpoint('poisoned')).toEqual({ position: formatPosition(head), events_applied: before + 2 });
    const { rows } = await pool().query(`SELECT event_id, sqlstate FROM projection_dead_letters WHERE log_event_id = $1`, [poison.id]);
    expect(rows).toEqual([{ event_id: 'z2', sqlstate: '22003' }]);
    expect(logged.some((m) => m.includes('isolating'))).toBe(true);
  });

  it('given it runs live, then an append wakes it and stop() ends it', async () => {
    await fresh('live');
    const projector = new CostProjector(log.store, pool(), { schema: 'live', batchSize: 100, catalog: () => catalog });
    projector.start();
    try {
      await appendVisible({ streamId: 'session-wv/s1', events: [tokenUsed('wv', 's1', 'v1', 1000)] });
      while (!(await sessions('live')).some((s) => s.workspace_id === 'wv')) await new Promise((r) => setTimeout(r, 20));
      expect((await sessions('live')).filter((s) => s.workspace_id === 'wv')).toEqual([{ workspace_id: 'wv', session_id: 's1', token_cost: '0.0025', input_tokens: 1000 }]);
    } finally {
      await projector.stop();
    }
    expect(projector.current.caughtUp).toBe(true);
  });
});
