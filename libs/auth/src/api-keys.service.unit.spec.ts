import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiKeysService } from './api-keys.service';

const hash = (key: string) => createHash('sha256').update(key).digest();

function service(rows: Map<string, string>) {
  const lookups: string[] = [];
  const db = {
    query: async (_sql: string, [keyHash]: [Buffer]) => {
      lookups.push(keyHash.toString('hex'));
      const found = [...rows].find(([key]) => hash(key).equals(keyHash));
      return found ? [{ workspace_id: found[1], key_hash: keyHash }] : [];
    },
  } as unknown as DataSource;
  return { keys: new ApiKeysService(db, 'admin-key-0123456789'), lookups };
}

describe('ApiKeysService.resolve', () => {
  afterEach(() => jest.useRealTimers());

  it('asks the database once per key within the cache time, and again after it, so a deleted key stops working', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-04-02T12:00:00Z') });
    const rows = new Map([['clk_a', 'ws_a']]);
    const { keys, lookups } = service(rows);
    expect(await keys.resolve('clk_a')).toEqual({ kind: 'workspace', workspaceId: 'ws_a' });
    expect(await keys.resolve('clk_a')).toEqual({ kind: 'workspace', workspaceId: 'ws_a' });
    expect(lookups).toHaveLength(1);
    rows.delete('clk_a');
    jest.advanceTimersByTime(30_001);
    expect(await keys.resolve('clk_a')).toBeUndefined();
    expect(lookups).toHaveLength(2);
  });

  it('never looks the admin key up', async () => {
    const { keys, lookups } = service(new Map());
    expect(await keys.resolve('admin-key-0123456789')).toEqual({ kind: 'admin' });
    expect(lookups).toHaveLength(0);
  });

  it('keeps at most 10,000 presented keys, so made-up keys cannot grow it without bound', async () => {
    const { keys } = service(new Map());
    for (let i = 0; i < 10_050; i++) await keys.resolve(`clk_made_up_${i}`);
    expect((keys as unknown as { cache: Map<string, unknown> }).cache.size).toBeLessThanOrEqual(10_000);
  });
});
