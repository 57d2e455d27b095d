import type { SqlRunner } from '@ledger/pricing';

export type RebuildState = 'pending' | 'running' | 'done' | 'failed' | 'merged';
/** What a rebuild restates from: the live read model's facts, or the event log replayed from its start. */
export type RebuildSource = 'facts' | 'log';

export interface RebuildRecord {
  readonly id: number;
  readonly reason: string;
  readonly source: RebuildSource;
  readonly state: RebuildState;
  readonly requested_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly catalog_version: number | null;
  readonly done: number;
  readonly total: number | null;
  readonly rate_per_s: number | null;
  readonly eta_s: number | null;
  readonly merged_into: number | null;
  readonly error: string | null;
}

/** Queues a rebuild; the active projector picks it up within a second. */
export async function requestRebuild(db: SqlRunner, reason: string, source: RebuildSource = 'facts'): Promise<number> {
  const { rows } = await db.query<{ id: string }>(`INSERT INTO projection_rebuilds (reason, source) VALUES ($1, $2) RETURNING id::text`, [reason, source]);
  return Number(rows[0].id);
}

/** The most recent rebuilds (before id `beforeId`, when given), newest first, with their rate and ETA. */
export async function recentRebuilds(db: SqlRunner, limit = 10, beforeId?: number): Promise<RebuildRecord[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id::int, reason, source, state, requested_at, started_at, finished_at, catalog_version::int, events_done::bigint::text AS done,
            events_total::text AS total, merged_into::int, error,
            EXTRACT(EPOCH FROM (COALESCE(finished_at, now()) - started_at))::float8 AS elapsed_s
     FROM projection_rebuilds ${beforeId === undefined ? '' : 'WHERE id < $2'} ORDER BY id DESC LIMIT $1`,
    beforeId === undefined ? [limit] : [limit, beforeId],
  );
  return rows.map((r) => {
    const done = Number(r.done);
    const total = r.total === null ? null : Number(r.total);
    const elapsed = r.elapsed_s as number | null;
    const rate = elapsed && elapsed > 0 ? Math.round(done / elapsed) : null;
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
    return {
      id: r.id as number,
      reason: r.reason as string,
      source: r.source as RebuildSource,
      state: r.state as RebuildState,
      requested_at: iso(r.requested_at)!,
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
      catalog_version: r.catalog_version as number | null,
      done,
      total,
      rate_per_s: rate,
      eta_s: r.state === 'running' && rate && total !== null ? Math.max(0, Math.round((total - done) / rate)) : null,
      merged_into: r.merged_into as number | null,
      error: r.error as string | null,
    };
  });
}
