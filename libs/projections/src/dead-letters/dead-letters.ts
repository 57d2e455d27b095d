import type { RecordedEvent } from '@ledger/event-store';
import type { SqlRunner } from '@ledger/pricing';

/** The dead-letter table every projection shares (migration 1732240000009): unresolved rows have `resolved_at` NULL. */
export const DEAD_LETTERS = 'public.projection_dead_letters';

/** An event a projection could not apply, with what the database said. */
export interface PoisonedEvent {
  readonly event: Pick<RecordedEvent, 'id' | 'streamId' | 'type' | 'data' | 'position'>;
  readonly error: Error;
}

export interface DeadLetter {
  readonly id: number;
  readonly projection: string;
  readonly position: string;
  readonly stream_id: string;
  readonly log_event_id: string;
  readonly event_type: string;
  readonly workspace_id: string | null;
  readonly event_id: string | null;
  readonly error: string;
  readonly sqlstate: string | null;
  readonly failures: number;
  readonly first_failed_at: string;
  readonly last_failed_at: string;
  readonly resolved_at: string | null;
}

const sqlstate = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * Whether PostgreSQL refused the data itself (SQLSTATE class 22, data exception: a value out of
 * range, an invalid cast; class 23, a constraint), which a retry of the same events repeats for
 * ever. Anything else (the connection, a deadlock, a shutdown, a bug in the SQL) is retried as it is.
 */
export function isDataError(err: unknown): boolean {
  const code = sqlstate(err);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * Applies `events` with `apply`, which takes a slice or throws; a slice that fails with a data error
 * is halved until each event that fails stands alone. Every other event is applied, in log order.
 * Answers the events that failed alone. Costs nothing until a slice fails; then k bad events of n
 * cost about 2k·log2(n) applications.
 */
export async function isolatePoison<E extends PoisonedEvent['event']>(
  events: readonly E[],
  apply: (slice: readonly E[]) => Promise<void>,
): Promise<PoisonedEvent[]> {
  const poisoned: PoisonedEvent[] = [];
  const attempt = async (slice: readonly E[]): Promise<void> => {
    try {
      await apply(slice);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (slice.length === 1) {
        poisoned.push({ event: slice[0], error: err as Error });
        return;
      }
      const half = slice.length >> 1;
      await attempt(slice.slice(0, half));
      await attempt(slice.slice(half));
    }
  };
  if (events.length) await attempt(events);
  return poisoned;
}

/**
 * Records events `projection` skipped; one row per projection and log position, so failing again
 * (a rebuild, a retry) updates the row and makes it unresolved again.
 */
export async function recordDeadLetters(db: SqlRunner, projection: string, poisoned: readonly PoisonedEvent[]): Promise<void> {
  if (!poisoned.length) return;
  const rows = poisoned.map(({ event, error }) => ({
    commit_pos: String(event.position.commit),
    prepare_pos: String(event.position.prepare),
    stream_id: event.streamId,
    log_event_id: event.id,
    event_type: event.type,
    workspace_id: typeof event.data.workspace_id === 'string' ? event.data.workspace_id : null,
    event_id: typeof event.data.event_id === 'string' ? event.data.event_id : null,
    error: error.message,
    sqlstate: sqlstate(error) ?? null,
  }));
  await db.query(
    `INSERT INTO ${DEAD_LETTERS} AS d (projection, commit_pos, prepare_pos, stream_id, log_event_id, event_type, workspace_id, event_id, error, sqlstate)
     SELECT $1, commit_pos, prepare_pos, stream_id, log_event_id, event_type, workspace_id, event_id, error, sqlstate
       FROM json_to_recordset($2::json) AS r(commit_pos numeric, prepare_pos numeric, stream_id text, log_event_id text, event_type text,
            workspace_id text, event_id text, error text, sqlstate text)
     ON CONFLICT (projection, commit_pos, prepare_pos) DO UPDATE SET error = excluded.error, sqlstate = excluded.sqlstate,
       failures = d.failures + 1, last_failed_at = now(), resolved_at = NULL`,
    [projection, JSON.stringify(rows)],
  );
}

/** Marks resolved the dead letters of `projection` whose event the read model of `schema` now holds (a replay of the log took it). */
export async function resolveApplied(db: SqlRunner, projection: string, schema: string): Promise<void> {
  await db.query(
    `UPDATE ${DEAD_LETTERS} d SET resolved_at = now()
      WHERE d.projection = $1 AND d.resolved_at IS NULL
        AND EXISTS (SELECT 1 FROM ${schema}.cost_facts f WHERE f.event_id = d.event_id AND f.workspace_id = d.workspace_id)`,
    [projection],
  );
}

const COLUMNS = `id::int, projection, commit_pos::text || '-' || prepare_pos::text AS position, stream_id, log_event_id, event_type,
  workspace_id, event_id, error, sqlstate, failures, to_char(first_failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS first_failed_at,
  to_char(last_failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_failed_at,
  to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS resolved_at`;

/** One page of dead letters in the order they were first recorded, after id `cursor`; unresolved ones only unless asked. */
export async function listDeadLetters(
  db: SqlRunner,
  page: { readonly limit: number; readonly after?: number; readonly includeResolved?: boolean },
): Promise<DeadLetter[]> {
  const { rows } = await db.query<DeadLetter>(
    `SELECT ${COLUMNS} FROM ${DEAD_LETTERS} WHERE id > $1 AND ($2 OR resolved_at IS NULL) ORDER BY id LIMIT $3`,
    [page.after ?? 0, page.includeResolved ?? false, page.limit],
  );
  return rows;
}

export async function findDeadLetter(db: SqlRunner, id: number): Promise<DeadLetter | undefined> {
  return (await db.query<DeadLetter>(`SELECT ${COLUMNS} FROM ${DEAD_LETTERS} WHERE id = $1`, [id])).rows[0];
}

/** How many events are dead-lettered and unresolved, with the first few of them. */
export async function unresolvedDeadLetters(db: SqlRunner, shown = 5): Promise<{ count: number; first: DeadLetter[] }> {
  const [{ rows }, first] = await Promise.all([
    db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${DEAD_LETTERS} WHERE resolved_at IS NULL`),
    shown > 0 ? listDeadLetters(db, { limit: shown }) : [],
  ]);
  return { count: rows[0].count, first };
}
