import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Filter,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  LOG_START,
  WrongExpectedVersionError,
  comparePositions,
  maxPosition,
  type AppendResult,
  type EventData,
  type EventFilter,
  type EventRef,
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type LogPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionItem,
} from '../event-store.port';

/** Events per `$all` read request (see `readAll` for why it reads raw pages). */
const RAW_PAGE = 512;
/** Enough for a handful of appends racing on one stream; past that something is wrong. */
const MAX_APPEND_ATTEMPTS = 8;

type ClientEvent = NonNullable<ResolvedEvent['event']>;

/**
 * Checkpoints and caught-up signals pushed into the client's subscription stream
 * itself, so that they reach the consumer in order with the events around them.
 */
class Signal {
  constructor(readonly kind: 'checkpoint' | 'caught-up', readonly position?: Position) {}
}

/**
 * EventStoreDB behind the event-store port.
 *
 * Appends are atomic per stream only: EventStoreDB has no transaction spanning
 * streams, so a multi-stream append that fails midway leaves earlier streams
 * written. Callers re-append the whole batch; the id check makes that harmless.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<Subscription>();

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async append(appends: readonly StreamAppend[]): Promise<AppendResult> {
    let position = LOG_START;
    const revisions = new Map<string, bigint>();
    const alreadyStored = new Set<string>();
    for (const { streamId, events, expectedRevision = 'any' } of appends) {
      const written = await this.appendToStream(streamId, events, expectedRevision);
      if (written.position) position = maxPosition(position, written.position);
      if (written.revision !== undefined) revisions.set(streamId, written.revision);
      for (const id of written.alreadyStored) alreadyStored.add(id);
    }
    return { position, revisions, alreadyStored };
  }

  /**
   * Reads the stream, drops the events it already holds, and appends the rest.
   * ESDB's own id dedupe is a bounded cache and cannot be relied on. When the
   * caller asked for no check (`any`, or `stream_exists` on a stream that does
   * exist), the write is pinned to the state just read and retried on conflict,
   * so a concurrent writer of the same id cannot slip in between read and write.
   */
  private async appendToStream(
    streamId: string,
    events: readonly EventData[],
    expected: ExpectedRevision,
  ): Promise<{ position?: LogPosition; revision?: bigint; alreadyStored: string[] }> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.readStream(streamId);
      const last = stored.at(-1)?.revision;
      const storedIds = new Set(stored.map((e) => canonicalId(e.id)));
      const alreadyStored = events.map((e) => canonicalId(e.id)).filter((id) => storedIds.has(id));
      const seen = new Set(storedIds);
      const fresh: EventData[] = [];
      for (const event of events) {
        if (seen.has(canonicalId(event.id))) continue;
        seen.add(canonicalId(event.id));
        fresh.push(event);
      }
      if (fresh.length === 0) return { revision: last, alreadyStored };

      const pinned: AppendExpectedRevision | undefined =
        expected === 'any' ? (last ?? NO_STREAM) : expected === 'stream_exists' ? last : undefined;
      try {
        const result = await this.client.appendToStream(
          streamId,
          fresh.map((e) => jsonEvent({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
          { expectedRevision: pinned ?? toClientRevision(expected) },
        );
        return { position: result.position, revision: result.nextExpectedRevision, alreadyStored };
      } catch (error) {
        if (!(error instanceof EsdbWrongExpectedVersionError)) throw error;
        if (pinned !== undefined && attempt < MAX_APPEND_ATTEMPTS) continue;
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : 'no_stream';
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
    }
  }

  async findEvents(refs: readonly EventRef[]): Promise<RecordedEvent[]> {
    const wanted = new Map<string, Set<string>>();
    for (const { streamId, id } of refs) {
      const ids = wanted.get(streamId) ?? new Set<string>();
      ids.add(canonicalId(id));
      wanted.set(streamId, ids);
    }
    const perStream = await Promise.all(
      [...wanted].map(async ([streamId, ids]) => (await this.readStream(streamId)).filter((e) => ids.has(canonicalId(e.id)))),
    );
    return perStream.flat();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    if (options.maxCount === 0) return out;
    const read = this.client.readStream(streamId, {
      direction: FORWARDS,
      fromRevision: options.fromRevision ?? START,
      maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
    });
    try {
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecorded(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  /**
   * Client 6.2.1's `readAll` takes no filter (it always sends NoFilter), so the
   * filter is applied here over raw pages. Subscriptions do filter on the server.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    const accepts = filterPredicate(options.filter);
    const out: RecordedEvent[] = [];
    let cursor = options.from ?? LOG_START;
    while (out.length < limit) {
      const page = await this.readAllPage(toReadPosition(cursor), FORWARDS);
      let advanced = false;
      for (const event of page) {
        const position = requirePosition(event);
        // `$all` reads from a position include the event at it; the port's bound is exclusive.
        if (comparePositions(position, cursor) <= 0) continue;
        cursor = position;
        advanced = true;
        if (accepts(event)) out.push(toRecorded(event));
        if (out.length >= limit) break;
      }
      if (page.length < RAW_PAGE || !advanced) break;
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const from = options.from ?? LOG_START;
    const accepts = filterPredicate(options.filter);
    const client = this.client.subscribeToAll({
      fromPosition: toReadPosition(from),
      filter: serverFilter(options.filter, (sub, position) => {
        sub.push(new Signal('checkpoint', position));
      }),
    });
    client.on('caughtUp', () => client.push(new Signal('caught-up')));
    // The client emits gRPC errors without destroying its stream: an error raised
    // before anyone iterates would otherwise be thrown as unhandled, or leave the
    // iterator waiting forever.
    client.on('error', (error) => client.destroy(error));

    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      this.subscriptions.delete(subscription);
      await client.unsubscribe();
      // A cancelled gRPC stream never ends the client's Transform; destroying it
      // settles a pending read, which the iterator below turns into `done`.
      client.destroy();
    };

    async function* items(): AsyncGenerator<SubscriptionItem> {
      let scanned = from;
      try {
        for await (const item of client as AsyncIterable<AllStreamResolvedEvent | Signal>) {
          if (closed) return;
          if (item instanceof Signal) {
            if (item.position) scanned = maxPosition(scanned, item.position);
            yield item.kind === 'checkpoint'
              ? { kind: 'checkpoint', position: scanned }
              : { kind: 'caught-up', position: scanned };
            continue;
          }
          if (!item.event) continue;
          scanned = maxPosition(scanned, requirePosition(item.event));
          if (accepts(item.event)) yield { kind: 'event', event: toRecorded(item.event) };
        }
        if (!closed) throw new Error('EventStoreDB ended a catch-up subscription to $all');
      } catch (error) {
        if (!closed) throw error;
      } finally {
        await close();
      }
    }

    const iterator = items();
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => iterator,
      close,
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<LogPosition> {
    let cursor: LogPosition | undefined;
    for (;;) {
      const page = await this.readAllPage(cursor ?? END, BACKWARDS);
      for (const event of page) {
        const position = requirePosition(event);
        if (cursor && comparePositions(position, cursor) >= 0) continue;
        if (!isSystemType(event.type)) return position;
        cursor = position;
      }
      if (page.length < RAW_PAGE) return LOG_START;
    }
  }

  /** EventStoreDB delivers an event to `$all` readers as soon as its write is acknowledged. */
  lastAppendedPosition(): Promise<LogPosition> {
    return this.headPosition();
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private async readAllPage(fromPosition: ReadPosition, direction: typeof FORWARDS | typeof BACKWARDS) {
    const events: ClientEvent[] = [];
    for await (const resolved of this.client.readAll({ direction, fromPosition, maxCount: RAW_PAGE })) {
      if (resolved.event) events.push(resolved.event);
    }
    return events;
  }
}

function toClientRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function toReadPosition(position: LogPosition): ReadPosition {
  return comparePositions(position, LOG_START) <= 0 ? START : position;
}

/** The server hands ids back in lower case whatever case they were sent in. */
function canonicalId(id: string): string {
  return id.toLowerCase();
}

function isSystemType(type: string): boolean {
  return type.startsWith('$');
}

/**
 * The server filters on event type or on stream name, never both; when the port
 * filter names both, the server takes the types and the prefixes are checked
 * here (see `filterPredicate`, which every event passes through regardless).
 */
function serverFilter(
  filter: EventFilter | undefined,
  checkpointReached: (sub: AllStreamSubscription, position: Position) => void,
): Filter {
  const common = { checkpointInterval: 1, checkpointReached };
  if (filter?.eventTypes?.length) {
    return eventTypeFilter({ ...common, regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  if (filter?.streamPrefixes?.length) {
    return streamNameFilter({ ...common, prefixes: [...filter.streamPrefixes] });
  }
  return excludeSystemEvents(common);
}

function filterPredicate(filter: EventFilter | undefined): (event: ClientEvent) => boolean {
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  return (event) =>
    !isSystemType(event.type) &&
    (!types || types.has(event.type)) &&
    (!prefixes || prefixes.some((p) => event.streamId.startsWith(p)));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function requirePosition(event: ClientEvent): LogPosition {
  // Stream reads carry positions only from server 22.6 on.
  if (!event.position) throw new Error(`EventStoreDB returned event ${event.id} without a log position`);
  return { commit: event.position.commit, prepare: event.position.prepare };
}

function toRecorded(event: ClientEvent): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    data: event.isJson ? asObject(event.data) : {},
    metadata: asObject(event.metadata),
    streamId: event.streamId,
    revision: event.revision,
    position: requirePosition(event),
    created: event.created,
  };
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as JsonObject)
    : {};
}
