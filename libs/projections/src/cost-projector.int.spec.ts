import { FIXTURE_PRICE_ROWS, withEventLog } from '@ledger/testing';
import { buildCatalog } from '@ledger/pricing';
import { READ_MODEL_SCHEMA } from '@ledger/database';
import { CostProjector } from './cost-projector';

const catalog = buildCatalog(FIXTURE_PRICE_ROWS, 1);
let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function tokenUsed(ws: string, session: string, id: string, input: number, output: number, extra: Record<string, unknown> = {}) {
  return {
    id: uuid(),
    type: 'TokenUsed',
    data: { workspace_id: ws, event_id: id, session_id: session, occurred_at: '2026-04-02T12:00:00.000Z', model: 'gpt-4o',
      input_tokens: input, output_tokens: output, cache_creation_tokens: 0, cache_read_tokens: 0, ...extra },
  };
}

describe('CostProjector', () => {
  const log = withEventLog();

  /** Appends and waits until readers see it: the log's horizon is the oldest write in flight anywhere on the server. */
  const append = async (streamId: string, events: ReturnType<typeof tokenUsed>[]) => {
    await log.store.append([{ streamId, events }]);
    const ids = new Set(events.map((e) => e.id));
    while ((await log.store.readAll()).filter((e) => ids.has(e.id)).length < ids.size) await new Promise((r) => setTimeout(r, 20));
  };

  const session = async (ws: string, id: string) =>
    (await log.db.pool.query(`SELECT token_cost::text, input_tokens::int, token_events FROM ${READ_MODEL_SCHEMA}.session_costs WHERE workspace_id = $1 AND session_id = $2`, [ws, id])).rows[0];

  it('given events, then session rows hold their exact summed cost', async () => {
    await append('session-w1/s1', [tokenUsed('w1', 's1', 'e1', 245, 312), tokenUsed('w1', 's1', 'e2', 680, 410)]);
    const projector = new CostProjector(log.store, log.db.pool, { schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => catalog });
    await projector.catchUp();
    // (245×2.5 + 312×10) + (680×2.5 + 410×10) = 3732.5 + 5800 per 1M
    expect(await session('w1', 's1')).toEqual({ token_cost: '0.0095325', input_tokens: 925, token_events: 2 });
  });

  it('given a crash between the row writes and the commit, then a restart resumes with exact totals', async () => {
    await append('session-w2/s1', [tokenUsed('w2', 's1', 'a', 1000, 0), tokenUsed('w2', 's1', 'b', 2000, 0)]);
    const crashing = new CostProjector(log.store, log.db.pool, {
      schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => catalog,
      beforeCommit: async () => { throw new Error('killed before commit'); },
    });
    await expect(crashing.catchUp()).rejects.toThrow('killed before commit');
    expect(await session('w2', 's1')).toBeUndefined();

    await new CostProjector(log.store, log.db.pool, { schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => catalog }).catchUp();
    expect(await session('w2', 's1')).toEqual({ token_cost: '0.0075', input_tokens: 3000, token_events: 2 });
  });

  it('given a price change recorded while a batch is priced, then the batch is priced again with it before it commits', async () => {
    await append('session-w4/s1', [tokenUsed('w4', 's1', 'n1', 1000, 1000, { model: 'fresh-model' })]);
    const withFresh = buildCatalog(
      [...FIXTURE_PRICE_ROWS, { model: 'fresh-model', effective_from: '2026-01-01T00:00:00Z', rates: { input: '1', output: '2', cache_creation: '0', cache_read: '0' } }],
      2,
    );
    // The first read of the catalog is the one the batch is priced with; by its commit the change is recorded.
    const reads = [catalog];
    const projector = new CostProjector(log.store, log.db.pool, { schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => reads.shift() ?? withFresh });
    await projector.catchUp();
    // 1000 × 1 + 1000 × 2 per 1M
    expect(await session('w4', 's1')).toEqual({ token_cost: '0.003', input_tokens: 1000, token_events: 1 });
    const { rows } = await log.db.pool.query(`SELECT pricing_version::int FROM ${READ_MODEL_SCHEMA}.checkpoint`);
    expect(rows).toEqual([{ pricing_version: 2 }]);
  });

  it('given the checkpoint is lost after a commit, then replaying the log counts nothing twice', async () => {
    await append('session-w3/s1', [tokenUsed('w3', 's1', 'x', 100, 100)]);
    const projector = new CostProjector(log.store, log.db.pool, { schema: READ_MODEL_SCHEMA, batchSize: 100, catalog: () => catalog });
    await projector.catchUp();
    await log.db.pool.query(`UPDATE ${READ_MODEL_SCHEMA}.partition_checkpoints SET commit_pos = -1, prepare_pos = -1`);
    await new CostProjector(log.store, log.db.pool, { schema: READ_MODEL_SCHEMA, batchSize: 1, catalog: () => catalog }).catchUp();
    expect(await session('w3', 's1')).toEqual({ token_cost: '0.00125', input_tokens: 100, token_events: 1 });
    expect(await session('w1', 's1')).toEqual({ token_cost: '0.0095325', input_tokens: 925, token_events: 2 });
  });
});
