import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@ledger/testing';
import { partitionOf, partitionOfSql } from './partition-of';

describe('partitionOf', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  // Ids whose md5 starts with a byte of 0x80 or more show a signed cast at once; UUIDs, unicode and the empty string besides.
  const ids = [
    '', 'w1', 'ws_failover', 'émoji-🙂-workspace', 'a'.repeat(300),
    ...Array.from({ length: 2000 }, (_, i) => `ws_${i}`),
    ...Array.from({ length: 1000 }, () => randomUUID()),
  ];

  it.each([1, 2, 3, 8, 16, 1024])('given %i partitions, then PostgreSQL puts every workspace where Node does', async (partitions) => {
    const { rows } = await db.pool.query<{ id: string; p: number }>(
      `SELECT id, ${partitionOfSql('id', partitions)} AS p FROM unnest($1::text[]) AS id`,
      [ids],
    );
    const mismatched = rows.filter((r) => r.p !== partitionOf(r.id, partitions));
    expect(mismatched).toEqual([]);
    expect(rows).toHaveLength(ids.length);
  });

  it('given the top bit of md5 set, then the partition is taken unsigned', async () => {
    // An id whose md5 starts with a byte of 0x80 or more: a signed cast would make its word negative.
    const { rows } = await db.pool.query<{ id: string; word: string }>(
      `SELECT id, ('x' || left(md5(id), 8))::bit(32)::bigint::text AS word FROM unnest($1::text[]) AS id WHERE left(md5(id), 1) >= '8' LIMIT 1`,
      [ids],
    );
    expect(BigInt(rows[0].word)).toBeGreaterThanOrEqual(2n ** 31n);
    expect(BigInt(rows[0].word)).toBeLessThan(2n ** 32n);
    expect(partitionOf(rows[0].id, 1000)).toBe(Number(BigInt(rows[0].word) % 1000n));
  });

  it('spreads workspaces over every partition', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`ws_${i}`, 8)]++;
    expect(Math.min(...counts)).toBeGreaterThan(850);
  });
});
