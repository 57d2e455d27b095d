import { READ_MODEL_SCHEMA } from '@ledger/database';
import type { LogPosition } from '@ledger/event-store';
import { buildCatalog, PriceCatalog, PriceRow } from '@ledger/pricing';
import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { dumpReadModel, event, tokens } from '../../testing/usage-history';
import { bulkLoad } from '../bulk-load';
import { CostProjector, USAGE_EVENT_FILTER } from '../cost-projector';
import { ProjectionWatermark } from '../projection-watermark';
import { readModelTables } from '../read-model.schema';
import { blueGreenRebuild } from '../rebuild/blue-green-rebuild';
import { partitionOf } from './partition-of';

const PARTITIONS = 8;
const LOW = [0, 1, 2, 3];
const HIGH = [4, 5, 6, 7];
/** A workspace id that falls in `partitions`. */
const workspaceIn = (partitions: readonly number[], tag: string) => {
  for (let i = 0; ; i++) if (partitions.includes(partitionOf(`${tag}_${i}`, PARTITIONS))) return `${tag}_${i}`;
};
const WA = workspaceIn(LOW, 'wa');
const WB = workspaceIn(HIGH, 'wb');

const rates = (input: string, output: string) => ({ input, output, cache_creation: input, cache_read: '0.30' });
const sonnet = (from: string, input: string, output: string): PriceRow => ({ model: 'claude-sonnet-4', effective_from: from, rates: rates(input, output) });
const v1 = buildCatalog([...FIXTURE_PRICE_ROWS, sonnet('2026-01-01T00:00:00Z', '3', '15')], 1);
/** Dearer from 10:30 on 1 March: reprices every call after it. */
const v2 = buildCatalog([...FIXTURE_PRICE_ROWS, sonnet('2026-01-01T00:00:00Z', '3', '15'), sonnet('2026-03-01T10:30:00Z', '4', '20')], 2);

const usage = (workspace: string, session: string, n: number, from: number) =>
  Array.from({ length: n }, (_, i) => {
    const e = tokens(`${workspace}-${session}-${from + i}`, session, `2026-03-01T${String(9 + ((from + i) % 4)).padStart(2, '0')}:0${i % 10}:00.000Z`, {
      execution_id: i === 1 ? `run-${session}` : undefined,
    });
    return { ...e, data: { ...e.data, workspace_id: workspace } };
  });

describe('partitioned projection in one database', () => {
  const log = withEventLog();
  const pool = () => log.db.pool;
  let catalog: PriceCatalog = v1;
  const projector = (held?: readonly number[]) => {
    const p = new CostProjector(log.store, pool(), { schema: READ_MODEL_SCHEMA, batchSize: 7, catalog: () => catalog, partitions: PARTITIONS });
    p.hold(held);
    return p;
  };
  const append = async (workspace: string, session: string, n: number, from: number): Promise<LogPosition> =>
    (await log.store.append([{ streamId: `session-${workspace}/${session}`, events: usage(workspace, session, n, from) }])).position;
  const visible = async (position: LogPosition) => {
    // The log's readers stop below the server's oldest open transaction: wait until the append is readable.
    for (;;) {
      const all = await log.store.readAll({ filter: USAGE_EVENT_FILTER });
      if (all.length && all[all.length - 1].position.commit >= position.commit) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('given two projectors over halves of the partitions, then a write is visible to its workspace once its partition has passed it, and across workspaces once every partition has', async () => {
    const watermark = new ProjectionWatermark(pool(), log.store);
    const low = projector(LOW);
    const high = projector(HIGH);
    const a = await append(WA, 's1', 5, 0);
    const b = await append(WB, 's1', 5, 0);
    await visible(b);
    await high.catchUp();
    expect(await watermark.waitFor(b, 200, WB)).toBe(true);
    expect(await watermark.waitFor(a, 200, WA)).toBe(false);
    // An admin read spans every workspace: the low partitions have not passed even the first write.
    expect(await watermark.waitFor(a, 200)).toBe(false);
    await low.catchUp();
    expect(await watermark.waitFor(a, 200, WA)).toBe(true);
    expect(await watermark.waitFor(b, 200)).toBe(true);
    const { rows } = await pool().query(`SELECT workspace_id, token_events FROM ${READ_MODEL_SCHEMA}.session_costs ORDER BY 1`);
    expect(rows).toEqual([
      { workspace_id: WA, token_events: 5 },
      { workspace_id: WB, token_events: 5 },
    ].sort((x, y) => (x.workspace_id < y.workspace_id ? -1 : 1)));
  });

  it('given a price change restated while two projectors run over different partitions, then every view equals a replay of the log under the new catalog', async () => {
    const low = projector(LOW);
    const high = projector(HIGH);
    low.start();
    high.start();
    await append(WA, 's2', 9, 0);
    await append(WB, 's2', 9, 0);
    await append(WA, 's3', 4, 0);
    // A finalization, so that the restated sessions carry one.
    await log.store.append([
      { streamId: `session-${WB}/s2`, events: [event('SessionFinalized', { workspace_id: WB, event_id: `${WB}-s2-f`, session_id: 's2', occurred_at: '2026-03-01T13:00:00.000Z', status: 'completed', num_turns: 2 })] },
    ]);
    catalog = v2;
    // Usage that arrives while the rebuild runs: the low half is paused for the swap (this process's), the high half waits at the gate.
    let meanwhile: Promise<unknown> | undefined;
    await blueGreenRebuild(1, v2, {
      store: log.store,
      pool: pool(),
      batchSize: 5,
      partitions: PARTITIONS,
      onProgress: (p) => {
        if (p.phase === 'loading' && !meanwhile) meanwhile = Promise.all([append(WA, 's4', 6, 0), append(WB, 's4', 6, 0)]);
      },
      live: { stop: () => low.stop(), start: () => low.start() },
    });
    expect(meanwhile).toBeDefined();
    await meanwhile;
    const head = await log.store.headPosition();
    await visible(head);
    await low.stop();
    await high.stop();
    // Both catch up to the head after the swap: each starts over from the checkpoints the swap brought in.
    await projector(LOW).catchUp();
    await projector(HIGH).catchUp();

    for (const sql of readModelTables('replayed')) await pool().query(sql);
    await bulkLoad(log.store, pool(), 'replayed', v2, { batchSize: 11, partitions: PARTITIONS });
    const live = await dumpReadModel(pool(), READ_MODEL_SCHEMA);
    const replayed = await dumpReadModel(pool(), 'replayed');
    for (const view of ['cost_facts', 'session_costs', 'hourly_costs', 'daily_costs', 'execution_index', 'model_prices']) {
      expect({ view, rows: live[view] }).toEqual({ view, rows: replayed[view] });
    }
    const events = (await log.store.readAll({ filter: USAGE_EVENT_FILTER })).length;
    expect(live.checkpoint).toEqual([expect.objectContaining({ events_applied: events, pricing_version: 2 })]);
    // Exact restated figures: WA's s2 has 9 calls, 1200 in, 340 out, 5000 cache reads each; those from 10:30 on at 4/20.
    const { rows } = await pool().query(`SELECT token_cost::text FROM ${READ_MODEL_SCHEMA}.session_costs WHERE workspace_id = $1 AND session_id = 's2'`, [WA]);
    // Calls at 09:00, 10:01, 11:02, 12:03, 09:04, 10:05, 11:06, 12:07, 09:08: four after 10:30 (0.0131 each), five before (0.0102 each).
    expect(rows).toEqual([{ token_cost: '0.1034' }]);
  });
});
