import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { buildCatalog, PriceCatalog } from '@ledger/pricing';
import { RebuildCoordinator } from './rebuild-coordinator';
import { requestRebuild } from './rebuild-requests';

describe('RebuildCoordinator', () => {
  const log = withEventLog();
  const v1 = buildCatalog(FIXTURE_PRICE_ROWS, 1);
  const v2 = buildCatalog(FIXTURE_PRICE_ROWS, 2);

  /** A coordinator whose catalog reads answer `reads` in turn, then the last one for good. */
  const coordinator = (...reads: PriceCatalog[]) => coordinatorWith(true, ...reads);
  const coordinatorWith = (autoRebuild: boolean, ...reads: PriceCatalog[]) =>
    new RebuildCoordinator({
      autoRebuild,
      store: log.store,
      pool: log.db.pool,
      live: { stop: async () => undefined, start: () => undefined },
      catalog: async () => (reads.length > 1 ? reads.shift()! : reads[0]),
      batchSize: 100,
      log: () => undefined,
    });
  const rebuilds = async () => (await log.db.pool.query(`SELECT id::int, state, reason, catalog_version::int FROM projection_rebuilds ORDER BY id`)).rows;

  beforeEach(() => log.db.pool.query('DELETE FROM projection_rebuilds'));

  it('given a catalog change recorded while a rebuild runs, then it queues another one as it swaps in', async () => {
    const id = await requestRebuild(log.db.pool, 'by hand');
    expect(await coordinator(v1, v2).runPending()).toBe(true);
    expect(await rebuilds()).toEqual([
      { id, state: 'done', reason: 'by hand', catalog_version: 1 },
      { id: id + 1, state: 'pending', reason: `catalog version 2 was recorded during rebuild ${id} (version 1)`, catalog_version: null },
    ]);
  });

  it('given a request for a replay of the log among those merged, then the one rebuild replays it', async () => {
    const first = await requestRebuild(log.db.pool, 'price change');
    const repair = await requestRebuild(log.db.pool, 'repair', 'log');
    const last = await requestRebuild(log.db.pool, 'another price change');
    expect(await coordinator(v2).runPending()).toBe(true);
    const sources = (await log.db.pool.query(`SELECT id::int, state, source FROM projection_rebuilds ORDER BY id`)).rows;
    expect(sources).toEqual([
      { id: first, state: 'merged', source: 'facts' },
      { id: repair, state: 'merged', source: 'log' },
      { id: last, state: 'done', source: 'log' },
    ]);
  });

  it('given automatic rebuilds off, then a change recorded during a rebuild waits for one by hand', async () => {
    const id = await requestRebuild(log.db.pool, 'by hand');
    expect(await coordinatorWith(false, v1, v2).runPending()).toBe(true);
    expect(await rebuilds()).toEqual([{ id, state: 'done', reason: 'by hand', catalog_version: 1 }]);
  });

  it('given no change while a rebuild runs, then nothing more is queued', async () => {
    const id = await requestRebuild(log.db.pool, 'by hand');
    expect(await coordinator(v2).runPending()).toBe(true);
    expect(await rebuilds()).toEqual([{ id, state: 'done', reason: 'by hand', catalog_version: 2 }]);
  });
});
