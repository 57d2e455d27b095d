/**
 * The event-store port. Shaped after EventStoreDB so that both the embedded
 * PostgreSQL log and EventStoreDB fit behind it without special cases.
 */

/**
 * A point in the global log. Totally ordered by (commit, prepare).
 * PostgreSQL log: commit = writer's transaction id (xid8), prepare = global position.
 * EventStoreDB: the commit and prepare positions of `$all`.
 * Both halves are bigints: a JS number would lose precision past 2^53.
 */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before the first event of the log. */
export const LOG_START: LogPosition = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function maxPosition(a: LogPosition, b: LogPosition): LogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The opaque token clients see, e.g. in `POST /v1/events` answers and `?after=`. */
export function formatPosition(p: LogPosition): string {
  return `${p.commit}-${p.prepare}`;
}

const POSITION_PATTERN = /^(-?\d{1,30})-(-?\d{1,30})$/;

/** Returns undefined when the token is not a position this service minted. */
export function parsePosition(token: string): LogPosition | undefined {
  const m = POSITION_PATTERN.exec(token);
  return m ? { commit: BigInt(m[1]), prepare: BigInt(m[2]) } : undefined;
}

export type JsonObject = { [key: string]: unknown };

/** An event to append. `id` is a UUID; deterministic ids make re-appends idempotent. */
export interface EventData {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: JsonObject;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly streamId: string;
  /** 0-based index of the event within its stream. */
  readonly revision: bigint;
  readonly position: LogPosition;
  readonly created: Date;
}

/**
 * What the writer believes about the stream before appending.
 * - `any`: no check;
 * - `no_stream`: the stream must not exist;
 * - `stream_exists`: it must exist;
 * - a bigint: the revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly EventData[];
  readonly expectedRevision?: ExpectedRevision;
}

export interface EventRef {
  readonly streamId: string;
  readonly id: string;
}

export interface AppendResult {
  /** Position of the last event written; LOG_START when nothing was written. */
  readonly position: LogPosition;
  /** The stream's last revision after the append, per stream. */
  readonly revisions: ReadonlyMap<string, bigint>;
  /**
   * Ids (lower-case) of the given events that were stored already, by an earlier append or one racing
   * this one, and so were not written again: the caller can tell its own writes from another's.
   */
  readonly alreadyStored: ReadonlySet<string>;
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** Server-side filter for `$all` reads and subscriptions. Empty means everything. */
export interface EventFilter {
  readonly eventTypes?: readonly string[];
  readonly streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive lower bound. Defaults to LOG_START. */
  readonly from?: LogPosition;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface ReadStreamOptions {
  /** Inclusive. Defaults to 0. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

/**
 * What a catch-up subscription yields, in log order.
 * - `event`: a recorded event that passed the filter.
 * - `checkpoint`: the reader has scanned up to this position; events it skipped
 *   were filtered out. Lets a projector advance across long filtered gaps.
 * - `caught-up`: everything committed so far has been delivered; what follows is live.
 */
export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'checkpoint'; readonly position: LogPosition }
  | { readonly kind: 'caught-up'; readonly position: LogPosition };

export interface Subscription extends AsyncIterable<SubscriptionItem> {
  /** Ends the iteration; pending `next()` calls resolve as done. */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Exclusive lower bound. Defaults to LOG_START. */
  readonly from?: LogPosition;
  readonly filter?: EventFilter;
}

/** SQL that reads events as rows of `event_type, data, commit_pos, prepare_pos`, with its parameters. */
export interface LogScan {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * A page of the log chosen in SQL: `text` gives its events as `LogScan` rows, in log order; `head`, SQL of one row of
 * `commit_pos, prepare_pos` (none for an empty log), the last position of the whole log (any type) readers may pass in
 * the same statement's snapshot. Both use `values`; run in one statement, a page shorter than asked for holds every
 * matching event up to that head.
 */
export interface LogPageSql extends LogScan {
  readonly head: string;
}

/** Hears the log's appends, as a latch: one heard since the last `next` is not missed. */
export interface AppendWatch {
  /** Resolves once an append was heard since the previous call returned (at once if one was), after `ms` at the latest. */
  next(ms: number): Promise<void>;
  /** Stops listening; a pending `next` resolves. */
  close(): void;
}

export interface EventStore {
  /**
   * Appends to one or more streams. Events whose id is already in the store are
   * skipped, not written twice. The PostgreSQL log writes all streams in one
   * transaction; EventStoreDB writes stream by stream (atomic per stream only).
   */
  append(appends: readonly StreamAppend[]): Promise<AppendResult>;

  /**
   * The already-stored events among `refs`, in any order. The stream id is a hint
   * a store may need (EventStoreDB reads the stream; PostgreSQL uses an id index).
   */
  findEvents(refs: readonly EventRef[]): Promise<RecordedEvent[]>;

  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** One page of `$all` in log order, never skipping an event that commits late. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catch-up subscription to `$all`: history from `from`, then live events. */
  subscribeToAll(options?: SubscribeOptions): Subscription;

  /** Position of the last committed event, LOG_START for an empty log. */
  headPosition(): Promise<LogPosition>;

  /**
   * At or after every position an append has returned: unlike `headPosition`, it
   * counts committed events that `$all` readers do not deliver yet because an
   * older append is still in flight. A position beyond it was never returned.
   */
  lastAppendedPosition(): Promise<LogPosition>;

  /**
   * Only where the log is a table of the read model's own PostgreSQL database: the events matching
   * `filter` from the start of the log up to and including `to` (a position `headPosition` gave),
   * with `prepare` in `[slice.from, slice.to)` when a slice is given and only after `after` when that is, as SQL the read side can run
   * set-based. An EventStoreDB log has none: its events are read through `subscribeToAll`.
   */
  scanSql?(filter: EventFilter, to: LogPosition, slice?: { readonly from: bigint; readonly to: bigint }, after?: LogPosition): LogScan;

  /**
   * Only where `scanSql` is: the first `maxCount` events matching `filter` after `after` that are committed below the
   * readers' horizon (so no append still in flight can later sort among them), as SQL, with the head of the same
   * snapshot. Its last event, or the head when the page is short, is a `to` for `scanSql`: everything up to it has
   * committed. A live projector chooses its batch with it and applies the batch where the events lie.
   */
  pageSql?(filter: EventFilter, after: LogPosition, maxCount: number): LogPageSql;

  /** Only where `pageSql` is: a watch on appends, for a reader of pages to wait on when it has caught up. */
  watchAppends?(): AppendWatch;

  close(): Promise<void>;
}

/** Nest injection token for the configured EventStore. */
export const EVENT_STORE = Symbol('EVENT_STORE');
