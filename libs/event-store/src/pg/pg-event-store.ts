import { EventEmitter } from 'node:events';
import { Pool, PoolClient } from 'pg';
import {
  AppendResult,
  AppendWatch,
  comparePositions,
  EventFilter,
  EventRef,
  EventStore,
  ExpectedRevision,
  JsonObject,
  LOG_START,
  LogPageSql,
  LogPosition,
  LogScan,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionItem,
  WrongExpectedVersionError,
} from '../event-store.port';

const NOTIFY_CHANNEL = 'event_log_appended';
const SUBSCRIPTION_PAGE = 5000;
/** A fallback poll: a notification can arrive while an older writer still holds the horizon back. */
const IDLE_POLL_MS = 200;

interface EventRow {
  tx: string;
  global_position: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

// `tx` is aliased: an output column named transaction_id (as text) would shadow the
// real column in ORDER BY, sorting xids as strings and defeating the index.
const COLUMNS = 'transaction_id::text AS tx, global_position, stream_id, stream_revision, event_id, event_type, data, metadata, created_at';

function toRecorded(r: EventRow): RecordedEvent {
  return {
    id: r.event_id,
    type: r.event_type,
    data: r.data,
    metadata: r.metadata,
    streamId: r.stream_id,
    revision: BigInt(r.stream_revision),
    position: { commit: BigInt(r.tx), prepare: BigInt(r.global_position) },
    created: r.created_at,
  };
}

const MAX_APPEND_ATTEMPTS = 5;

/** One event_log row as the append sends it, inside a single JSON parameter. */
interface AppendRow {
  s: string;
  /** The revision as a string: a bigint does not survive JSON. */
  r: string;
  i: string;
  t: string;
  d: JsonObject;
  m?: JsonObject;
}

/**
 * Adds `n` events to each stream and returns its last revision; locks the streams'
 * rows in the order given, which every caller sorts the same way (byCodeUnits), so
 * two appends never wait on each other in a cycle.
 */
const BUMP_STREAMS = `INSERT INTO event_streams (stream_id, revision)
  SELECT stream_id, n - 1 FROM unnest($1::text[], $2::bigint[]) AS t(stream_id, n)
  ON CONFLICT (stream_id) DO UPDATE SET revision = event_streams.revision + excluded.revision + 1
  RETURNING stream_id, revision`;
/** The revision BUMP_STREAMS gives a stream it creates with no event. */
const PLACEHOLDER = '-1';

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** unique_violation, deadlock_detected, serialization_failure. */
function isRetryable(err: unknown): boolean {
  return ['23505', '40P01', '40001'].includes((err as { code?: string }).code ?? '');
}

/**
 * The embedded event log: an append-only PostgreSQL table.
 *
 * Readers order by (writer transaction id, position) and only read below
 * `pg_snapshot_xmin`, the oldest transaction still in flight. A writer that took
 * a lower position but commits late therefore always sorts after what a reader
 * has already passed, so nothing is skipped (the scheme Emmett uses).
 */
export class PgEventStore implements EventStore {
  private readonly appended = new EventEmitter();
  private listener?: Promise<PoolClient>;
  private closed = false;

  constructor(private readonly pool: Pool) {
    this.appended.setMaxListeners(0);
  }

  async append(appends: readonly StreamAppend[]): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      // The first pass trusts that the ids are new, as they are when ingest has just
      // filtered them through findEvents, and leaves the id index to say otherwise.
      const lookUpStored = attempt > 1;
      try {
        return await this.appendOnce(appends, lookUpStored);
      } catch (err) {
        // A stored id (a client's retry racing its original, or a caller re-appending)
        // raises a unique violation; a re-append whose events are all stored may also
        // look like a wrong revision until its ids are looked up. The transaction rolled
        // back whole; the next pass locks the streams, then looks the ids up and sees
        // what every other writer of those streams stored. It can fail again only on an
        // id racing into another stream (the same event_id with another session), which
        // the pass after sees too, so the budget is a guard that ingest never reaches.
        const unverified = !lookUpStored && err instanceof WrongExpectedVersionError;
        if (!unverified && (!isRetryable(err) || attempt >= MAX_APPEND_ATTEMPTS)) throw err;
      }
    }
  }

  private async appendOnce(appends: readonly StreamAppend[], lookUpStored: boolean): Promise<AppendResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const streamIds = [...new Set(appends.map((a) => a.streamId))].sort(byCodeUnits);
      if (lookUpStored) {
        // Lock every stream before looking up: a lookup made first misses the events of
        // a writer it then waits for, and a convoy of racing batches (the 5M-event
        // bench) made each pass lose that race again until the budget ran out. Adding
        // 0 events locks an existing stream as is and creates a missing one at -1 (a
        // placeholder no other transaction can see, removed below if it stays empty).
        await client.query(BUMP_STREAMS, [streamIds, streamIds.map(() => 0)]);
      }
      const ids = lookUpStored ? appends.flatMap((a) => a.events.map((e) => e.id)) : [];
      const existing = new Set(
        ids.length === 0
          ? []
          : (await client.query<{ id: string }>('SELECT event_id::text AS id FROM event_log WHERE event_id = ANY($1::uuid[])', [ids])).rows.map(
              (r) => r.id,
            ),
      );
      const seen = new Set<string>();
      const fresh = new Map<string, StreamAppend['events'][number][]>();
      for (const a of appends) {
        let list = fresh.get(a.streamId);
        if (!list) fresh.set(a.streamId, (list = []));
        for (const e of a.events) {
          const id = e.id.toLowerCase();
          if (existing.has(id) || seen.has(id)) continue;
          seen.add(id);
          list.push(e);
        }
      }

      const revisions = new Map<string, bigint>();
      // An append whose events are all stored already is an idempotent repeat and
      // succeeds whatever the stream's revision is now, as in EventStoreDB.
      const checked = appends.filter(
        (a) => a.expectedRevision !== undefined && a.expectedRevision !== 'any' && (a.events.length === 0 || fresh.get(a.streamId)!.length > 0),
      );
      if (checked.length) {
        const current = new Map(
          (
            await client.query<{ stream_id: string; revision: string }>(
              'SELECT stream_id, revision FROM event_streams WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE',
              [checked.map((a) => a.streamId)],
            )
          ).rows
            .filter((r) => r.revision !== PLACEHOLDER)
            .map((r) => [r.stream_id, BigInt(r.revision)]),
        );
        for (const a of checked) assertExpected(a.streamId, a.expectedRevision as ExpectedRevision, current.get(a.streamId));
      }

      const streams = [...fresh.entries()].filter(([, evs]) => evs.length > 0).sort(([a], [b]) => byCodeUnits(a, b));
      let position = LOG_START;
      if (streams.length) {
        const bumped = await client.query<{ stream_id: string; revision: string }>(BUMP_STREAMS, [
          streams.map(([s]) => s),
          streams.map(([, evs]) => evs.length),
        ]);
        const last = new Map(bumped.rows.map((r) => [r.stream_id, BigInt(r.revision)]));
        const rows: AppendRow[] = [];
        for (const [streamId, evs] of streams) {
          const end = last.get(streamId)!;
          let rev = end - BigInt(evs.length) + 1n;
          for (const e of evs) rows.push({ s: streamId, r: String(rev++), i: e.id, t: e.type, d: e.data, m: e.metadata });
          revisions.set(streamId, end);
        }
        // One JSON document rather than a jsonb[] per column: pg builds an array literal
        // by escaping every quote of every payload in JavaScript, which cost the API
        // process about three times what one JSON.stringify does; the server's cost is the same.
        const inserted = await client.query<{ tx: string; pos: string }>(
          `WITH ins AS (
             INSERT INTO event_log (stream_id, stream_revision, event_id, event_type, data, metadata)
             SELECT s, r, i, t, d, coalesce(m, '{}') FROM jsonb_to_recordset($1::jsonb) AS x(s text, r bigint, i uuid, t text, d jsonb, m jsonb)
             RETURNING transaction_id, global_position)
           SELECT max(transaction_id)::text AS tx, max(global_position)::text AS pos FROM ins`,
          [JSON.stringify(rows)],
        );
        position = { commit: BigInt(inserted.rows[0].tx), prepare: BigInt(inserted.rows[0].pos) };
        await client.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
      }
      if (lookUpStored && streams.length < streamIds.length) {
        await client.query(`DELETE FROM event_streams WHERE stream_id = ANY($1::text[]) AND revision = ${PLACEHOLDER}`, [streamIds]);
      }
      const unchanged = appends.map((a) => a.streamId).filter((id) => !revisions.has(id));
      if (unchanged.length) {
        const { rows } = await client.query<{ stream_id: string; revision: string }>(
          'SELECT stream_id, revision FROM event_streams WHERE stream_id = ANY($1::text[])',
          [unchanged],
        );
        for (const r of rows) revisions.set(r.stream_id, BigInt(r.revision));
      }
      await client.query('COMMIT');
      const alreadyStored = new Set(appends.flatMap((a) => a.events.map((e) => e.id.toLowerCase())).filter((id) => existing.has(id)));
      return { position, revisions, alreadyStored };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async findEvents(refs: readonly EventRef[]): Promise<RecordedEvent[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>(`SELECT ${COLUMNS} FROM event_log WHERE event_id = ANY($1::uuid[])`, [
      refs.map((r) => r.id),
    ]);
    return rows.map(toRecorded);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM event_log WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`,
      [streamId, String(options.fromRevision ?? 0n), options.maxCount ?? null],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readPage(this.pool, options);
  }

  private async readPage(db: Pool | PoolClient, options: ReadAllOptions): Promise<RecordedEvent[]> {
    const from = options.from ?? LOG_START;
    const params: unknown[] = [from.commit < 0n ? '0' : String(from.commit), String(from.prepare), options.maxCount ?? null];
    const where = [
      '(transaction_id, global_position) > ($1::text::xid8, $2::bigint)',
      `transaction_id < ${HORIZON}`,
      ...filterClauses(options.filter, params),
    ];
    const { rows } = await db.query<EventRow>(
      `SELECT ${COLUMNS} FROM event_log WHERE ${where.join(' AND ')} ORDER BY transaction_id, global_position LIMIT $3`,
      params,
    );
    return rows.map(toRecorded);
  }

  async headPosition(): Promise<LogPosition> {
    return this.head(this.pool);
  }

  async lastAppendedPosition(): Promise<LogPosition> {
    const { rows } = await this.pool.query<{ tx: string; pos: string }>(
      'SELECT transaction_id::text AS tx, global_position::text AS pos FROM event_log ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    );
    return rows.length ? { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].pos) } : LOG_START;
  }

  private async head(db: Pool | PoolClient): Promise<LogPosition> {
    const { rows } = await db.query<{ tx: string; pos: string }>(
      `SELECT transaction_id::text AS tx, global_position::text AS pos FROM event_log
       WHERE transaction_id < ${HORIZON}
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return rows.length ? { commit: BigInt(rows[0].tx), prepare: BigInt(rows[0].pos) } : LOG_START;
  }

  scanSql(filter: EventFilter, to: LogPosition, slice?: { readonly from: bigint; readonly to: bigint }, after?: LogPosition): LogScan {
    // Everything up to a head position is below the horizon it was read under: all of it has committed.
    const values: unknown[] = [String(to.commit), String(to.prepare)];
    const where = ['(transaction_id, global_position) <= ($1::text::xid8, $2::bigint)', ...filterClauses(filter, values)];
    if (slice) {
      values.push(String(slice.from), String(slice.to));
      where.push(`global_position >= $${values.length - 1}::bigint AND global_position < $${values.length}::bigint`);
    }
    if (after) where.push(afterClause(after, values));
    return { text: `SELECT ${SCAN_COLUMNS} FROM event_log WHERE ${where.join(' AND ')}`, values };
  }

  pageSql(filter: EventFilter, after: LogPosition, maxCount: number): LogPageSql {
    const values: unknown[] = [];
    const where = [afterClause(after, values), `transaction_id < ${HORIZON}`, ...filterClauses(filter, values)];
    values.push(maxCount);
    return {
      text: `SELECT ${SCAN_COLUMNS} FROM event_log WHERE ${where.join(' AND ')} ORDER BY transaction_id, global_position LIMIT $${values.length}`,
      head: `SELECT ${POSITION_COLUMNS} FROM event_log
        WHERE transaction_id < ${HORIZON} ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      values,
    };
  }

  watchAppends(): AppendWatch {
    let heard = false;
    let wake: (() => void) | undefined;
    const onAppend = () => {
      heard = true;
      wake?.();
    };
    let closed = false;
    void this.listen().then(() => closed || this.appended.on('appended', onAppend), () => undefined);
    return {
      next: async (ms) => {
        if (!heard && !closed && !this.closed) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        heard = false;
      },
      close: () => {
        closed = true;
        this.appended.off('appended', onAppend);
        wake?.();
      },
    };
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    let position = options.from ?? LOG_START;
    let stopped = false;
    let wake: (() => void) | undefined;
    const onAppend = () => wake?.();
    void this.listen().then(() => this.appended.on('appended', onAppend), () => undefined);

    const items = async function* (this: PgEventStore): AsyncGenerator<SubscriptionItem> {
      try {
        while (!stopped && !this.closed) {
          const { page, head } = await this.readSnapshot(position, options.filter);
          for (const event of page) {
            if (stopped) return;
            position = event.position;
            yield { kind: 'event', event };
          }
          if (page.length < SUBSCRIPTION_PAGE) {
            // Everything up to the snapshot's head was read; what the filter skipped need not be read again.
            if (comparePositions(head, position) > 0) position = head;
            yield { kind: 'caught-up', position };
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, IDLE_POLL_MS);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        }
      } finally {
        this.appended.off('appended', onAppend);
      }
    }.call(this);

    return {
      [Symbol.asyncIterator]: () => items,
      close: async () => {
        stopped = true;
        wake?.();
        await items.return(undefined);
      },
    };
  }

  /** A page and the log head, read in one snapshot so the head is safe to skip to when the page is short. */
  private async readSnapshot(from: LogPosition, filter: EventFilter | undefined): Promise<{ page: RecordedEvent[]; head: LogPosition }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // After a bulk ingest the statistics lag, and the planner would sort the whole
      // rest of the log to return one page. Walking the (transaction_id, position)
      // index under the LIMIT is always the right plan for a catch-up read.
      await client.query('SET LOCAL enable_sort = off');
      await client.query('SET LOCAL enable_bitmapscan = off');
      const page = await this.readPage(client, { from, maxCount: SUBSCRIPTION_PAGE, filter });
      const head = filter && page.length < SUBSCRIPTION_PAGE ? await this.head(client) : LOG_START;
      await client.query('COMMIT');
      return { page, head };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private listen(): Promise<PoolClient> {
    this.listener ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', () => this.appended.emit('appended'));
      // A LISTEN session the server ends (restart, failover, terminate) must not take the
      // process down: subscriptions keep polling, and the channel is listened to again.
      // The listener stays, because a connection that dies emits 'error' more than once,
      // also after close() has returned the client.
      let lost = false;
      client.on('error', (err) => {
        if (lost || this.closed) return;
        lost = true;
        client.release(err);
        this.relisten();
      });
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      return client;
    })();
    this.listener.catch(() => this.relisten());
    return this.listener;
  }

  private relisten(): void {
    this.listener = undefined;
    if (!this.closed) setTimeout(() => void this.listen().catch(() => undefined), IDLE_POLL_MS).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.appended.emit('appended');
    if (this.listener) {
      const client = await this.listener.catch(() => undefined);
      client?.release();
    }
  }
}

function assertExpected(streamId: string, expected: ExpectedRevision, actual: bigint | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === undefined) ||
    (expected === 'stream_exists' && actual !== undefined) ||
    (typeof expected === 'bigint' && actual === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, actual ?? 'no_stream');
}

/** The readers' horizon: every transaction id below it has committed or aborted, in any snapshot taken later. */
const HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())';
const POSITION_COLUMNS = 'transaction_id::text::numeric AS commit_pos, global_position::numeric AS prepare_pos';
/** The rows `scanSql` and `pageSql` give. */
const SCAN_COLUMNS = `event_type, data, ${POSITION_COLUMNS}`;

/** Strictly after `after` in log order; LOG_START's commit half is below every transaction id. */
function afterClause(after: LogPosition, params: unknown[]): string {
  params.push(after.commit < 0n ? '0' : String(after.commit), String(after.prepare));
  return `(transaction_id, global_position) > ($${params.length - 1}::text::xid8, $${params.length}::bigint)`;
}

function filterClauses(filter: EventFilter | undefined, params: unknown[]): string[] {
  const clauses: string[] = [];
  if (filter?.eventTypes?.length) {
    params.push(filter.eventTypes);
    clauses.push(`event_type = ANY($${params.length}::text[])`);
  }
  if (filter?.streamPrefixes?.length) {
    params.push(filter.streamPrefixes.map((p) => p.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'));
    clauses.push(`stream_id LIKE ANY($${params.length}::text[])`);
  }
  return clauses;
}

