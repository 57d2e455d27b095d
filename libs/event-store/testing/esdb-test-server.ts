/**
 * EventStoreDB TEST DOUBLE: an in-memory gRPC server speaking just enough of the
 * Streams protocol for the unmodified `@eventstore/db-client` to drive
 * `EsdbEventStore` against it. It is not EventStoreDB.
 *
 * Implemented: Streams.Append (expected revision checks; a batch whose ids are all
 * already in the stream succeeds without writing), Streams.Read (streams and
 * `$all`, forwards and backwards; catch-up subscriptions to a stream or to `$all`
 * with event-type or stream-name filters, checkpoints every
 * `checkpointIntervalMultiplier × window` scanned events, CaughtUp, then live
 * events, with write back-pressure).
 *
 * Not modelled:
 * - positions are a counter (commit = prepare = 1, 2, ...), not byte offsets;
 * - no ServerFeatures service, so the client appends with Append, not with the
 *   BatchAppend it uses against real servers (21.10+);
 * - a checkpoint carries the last scanned event's position; ESDB sends the start
 *   of its read page or the last match in it (both are safe to resume after);
 * - no persistent subscriptions, no ACLs or authentication, no TLS;
 * - no cluster, gossip or leader election;
 * - no projections, hence no system events or `$`-streams;
 * - no deletes, tombstones, `$maxAge`/`$maxCount`, stream metadata;
 * - no FellBehind: a slow subscriber is simply written to more slowly;
 * - ESDB's idempotency is finer (it depends on the expected revision and on a
 *   bounded cache); here it is all-ids-present-or-nothing.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';

/** ESDB's default `maxSearchWindow` when the client sends none. */
const DEFAULT_SEARCH_WINDOW = 32;
/** Created stamps travel as 100 ns ticks since the Unix epoch. */
const TICKS_PER_MS = 10_000n;

interface StoredEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly metadata: ReadonlyMap<string, string>;
  readonly customMetadata: Uint8Array;
  readonly data: Uint8Array;
}

interface Subscriber {
  readonly call: grpc.ServerWritableStream<ReadReq, ReadResp>;
  /** Index in the log of the next event to scan. */
  cursor: number;
  readonly matches: (e: StoredEvent) => boolean;
  readonly checkpointEvery?: number;
  sinceCheckpoint: number;
  caughtUp: boolean;
  waitingForDrain: boolean;
}

export interface EsdbTestServer {
  readonly connectionString: string;
  stop(): Promise<void>;
}

export async function startEsdbTestServer(): Promise<EsdbTestServer> {
  const log: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  const subscribers = new Set<Subscriber>();

  function append(options: AppendReq.Options, proposed: AppendReq.ProposedMessage[]): AppendResp {
    const streamId = streamName(options.getStreamIdentifier());
    const stream = streams.get(streamId);
    const current = stream ? BigInt(stream.length - 1) : undefined;
    const resp = new AppendResp();

    const known = proposed.map((m) => stream?.find((e) => e.id === m.getId()?.getString()));
    if (proposed.length > 0 && known.every((e) => e !== undefined)) {
      return resp.setSuccess(success(current, known[known.length - 1]?.position));
    }

    const accepted = options.hasAny()
      ? true
      : options.hasNoStream()
        ? !stream
        : options.hasStreamExists()
          ? !!stream
          : current === BigInt(options.getRevision());
    if (!accepted) {
      const wrong = new AppendResp.WrongExpectedVersion();
      if (current === undefined) wrong.setCurrentNoStream(new Empty());
      else wrong.setCurrentRevision(current.toString());
      if (options.hasRevision()) wrong.setExpectedRevision(options.getRevision());
      else if (options.hasNoStream()) wrong.setExpectedNoStream(new Empty());
      else wrong.setExpectedStreamExists(new Empty());
      return resp.setWrongExpectedVersion(wrong);
    }
    if (proposed.length === 0) return resp.setSuccess(success(current, undefined));

    const target = stream ?? [];
    streams.set(streamId, target);
    const created = (BigInt(Date.now()) * TICKS_PER_MS).toString();
    for (const m of proposed) {
      const metadata = new Map(m.getMetadataMap().getEntryList());
      metadata.set('created', created);
      const event: StoredEvent = {
        id: m.getId()?.getString() ?? randomUUID(),
        streamId,
        revision: BigInt(target.length),
        position: BigInt(log.length + 1),
        metadata,
        customMetadata: m.getCustomMetadata_asU8(),
        data: m.getData_asU8(),
      };
      target.push(event);
      log.push(event);
    }
    for (const sub of subscribers) pump(sub);
    const last = target[target.length - 1];
    return resp.setSuccess(success(last.revision, last.position));
  }

  function read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) {
      call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'read without options' });
      return;
    }
    if (options.hasSubscription()) {
      subscribe(call, options);
      return;
    }

    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    let events: StoredEvent[];
    const streamOptions = options.getStream();
    if (streamOptions) {
      const streamId = streamName(streamOptions.getStreamIdentifier());
      const stream = streams.get(streamId);
      if (!stream) {
        const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamOptions.getStreamIdentifier());
        call.write(new ReadResp().setStreamNotFound(notFound));
        call.end();
        return;
      }
      events = backwards ? [...stream].reverse() : stream;
      if (streamOptions.hasRevision()) {
        const from = BigInt(streamOptions.getRevision());
        events = events.filter((e) => (backwards ? e.revision <= from : e.revision >= from));
      } else if (streamOptions.hasEnd() && !backwards) {
        events = [];
      }
    } else {
      const allOptions = options.getAll();
      events = backwards ? [...log].reverse() : log;
      const position = allOptions?.getPosition();
      if (position) {
        // Like ESDB: forwards includes the event at the position, backwards stops before it.
        const from = BigInt(position.getCommitPosition());
        events = events.filter((e) => (backwards ? e.position < from : e.position >= from));
      } else if (allOptions?.hasEnd() && !backwards) {
        events = [];
      }
    }
    const matches = filterOf(options);
    const count = Number(options.getCount());
    for (const event of events.filter(matches).slice(0, count)) call.write(eventResp(event));
    call.end();
  }

  function subscribe(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const filter = options.getFilter();
    let cursor = 0;
    let matches = filterOf(options);
    const streamOptions = options.getStream();
    if (streamOptions) {
      const streamId = streamName(streamOptions.getStreamIdentifier());
      const after = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : -1n;
      matches = (e) => e.streamId === streamId && e.revision > after;
      if (streamOptions.hasEnd()) cursor = log.length;
    } else {
      const allOptions = options.getAll();
      const position = allOptions?.getPosition();
      // Subscriptions start after the given position, unlike reads.
      if (position) cursor = log.filter((e) => e.position <= BigInt(position.getCommitPosition())).length;
      else if (allOptions?.hasEnd()) cursor = log.length;
    }
    const window = filter?.hasMax() ? filter.getMax() : DEFAULT_SEARCH_WINDOW;
    const sub: Subscriber = {
      call,
      cursor,
      matches,
      checkpointEvery: filter ? filter.getCheckpointintervalmultiplier() * window : undefined,
      sinceCheckpoint: 0,
      caughtUp: false,
      waitingForDrain: false,
    };
    subscribers.add(sub);
    const forget = () => subscribers.delete(sub);
    call.on('cancelled', forget);
    call.on('close', forget);
    call.on('error', forget);
    const confirmation = new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID());
    call.write(new ReadResp().setConfirmation(confirmation));
    pump(sub);
  }

  function pump(sub: Subscriber): void {
    if (sub.waitingForDrain || !subscribers.has(sub)) return;
    let writable = true;
    while (writable && sub.cursor < log.length) {
      const event = log[sub.cursor++];
      if (sub.matches(event)) writable = sub.call.write(eventResp(event));
      if (sub.checkpointEvery && ++sub.sinceCheckpoint >= sub.checkpointEvery) {
        sub.sinceCheckpoint = 0;
        const checkpoint = new ReadResp.Checkpoint()
          .setCommitPosition(event.position.toString())
          .setPreparePosition(event.position.toString());
        writable = sub.call.write(new ReadResp().setCheckpoint(checkpoint)) && writable;
      }
    }
    if (!sub.caughtUp && sub.cursor >= log.length) {
      sub.caughtUp = true;
      writable = sub.call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp())) && writable;
    }
    if (!writable) {
      sub.waitingForDrain = true;
      sub.call.once('drain', () => {
        sub.waitingForDrain = false;
        pump(sub);
      });
    }
  }

  const server = new grpc.Server();
  server.addService(StreamsService, {
    read,
    append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
      let options: AppendReq.Options | undefined;
      const proposed: AppendReq.ProposedMessage[] = [];
      call.on('data', (req: AppendReq) => {
        if (req.hasOptions()) options = req.getOptions();
        const message = req.getProposedMessage();
        if (message) proposed.push(message);
      });
      call.on('end', () => {
        if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'append without options' });
        callback(null, append(options, proposed));
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    async stop() {
      for (const sub of subscribers) sub.call.end();
      subscribers.clear();
      server.forceShutdown();
    },
  };
}

function streamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function filterOf(options: ReadReq.Options): (e: StoredEvent) => boolean {
  const filter = options.getFilter();
  const expression = filter?.getEventType() ?? filter?.getStreamIdentifier();
  if (!filter || !expression) return () => true;
  const subject = (e: StoredEvent) => (filter.hasEventType() ? (e.metadata.get('type') ?? '') : e.streamId);
  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0) return (e) => prefixes.some((p) => subject(e).startsWith(p));
  const regex = new RegExp(expression.getRegex());
  return (e) => regex.test(subject(e));
}

function success(revision: bigint | undefined, position: bigint | undefined): AppendResp.Success {
  const result = new AppendResp.Success();
  if (revision === undefined) result.setNoStream(new Empty());
  else result.setCurrentRevision(revision.toString());
  if (position === undefined) return result.setNoPosition(new Empty());
  return result.setPosition(
    new AppendResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString()),
  );
}

function eventResp(e: StoredEvent): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(e.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(e.streamId, 'utf8')))
    .setStreamRevision(e.revision.toString())
    .setCommitPosition(e.position.toString())
    .setPreparePosition(e.position.toString())
    .setCustomMetadata(e.customMetadata)
    .setData(e.data);
  for (const [key, value] of e.metadata) recorded.getMetadataMap().set(key, value);
  const event = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(e.position.toString());
  return new ReadResp().setEvent(event);
}
