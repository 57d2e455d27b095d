import type { Pool } from 'pg';
import { Statement, Statements } from './statement';

function recordingPool() {
  const sent: { name: string; text: string; values: unknown[] }[] = [];
  const pool = { query: async (q: { name: string; text: string; values: unknown[] }) => (sent.push(q), { rows: [] }) } as unknown as Pool;
  return { pool, sent };
}

describe('Statement', () => {
  it('names a statement after its text, so that one name never stands for two texts', () => {
    expect(new Statement('SELECT 1').name).toBe(new Statement('SELECT 1').name);
    expect(new Statement('SELECT 1').name).not.toBe(new Statement('SELECT 2').name);
  });
});

describe('Statements', () => {
  const pages = new Statements((where) => `SELECT * FROM t WHERE ${where} LIMIT $1`);

  it('numbers the parameters of the filters that apply after the template’s own', async () => {
    const { pool, sent } = recordingPool();
    await pages.rows(pool, [51], [false, ['b = $?', 'x'], ['(c, d) < ($?, $?)', 1, 2]]);
    expect(sent[0].text).toBe('SELECT * FROM t WHERE b = $2 AND (c, d) < ($3, $4) LIMIT $1');
    expect(sent[0].values).toEqual([51, 'x', 1, 2]);
  });

  it('reads without a condition when no filter applies, and prepares each combination once', async () => {
    const { pool, sent } = recordingPool();
    await pages.rows(pool, [51], [undefined, false]);
    await pages.rows(pool, [7], [false]);
    expect(sent[0].text).toBe('SELECT * FROM t WHERE true LIMIT $1');
    expect(sent[1].name).toBe(sent[0].name);
    expect(sent[1].values).toEqual([7]);
  });
});
