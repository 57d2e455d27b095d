import { BatchOutcome, classifyResponse, laterPosition, ServerError } from './batch-outcome';
import { assignEventId } from './event-id';
import { RetryPolicy, retryDelay } from './retry-policy';
import { EventPlacement, SessionFinalizedInput, TokenUsedInput, ToolCalledInput, toWire, UsageEventType } from './usage-events';

/** The ledger's own limits: events per request, and bytes per request body (1 MiB). */
export const MAX_BATCH_SIZE = 1000;
const MAX_BODY_BYTES = 1024 * 1024;
/** `{"events":[` and `]}`. */
const ENVELOPE_BYTES = 13;

export interface CostLedgerOptions {
  /** The ledger's base URL, e.g. `http://localhost:3000` (a path prefix is kept: `https://host/ledger`). */
  baseUrl: string;
  /** A workspace API key. */
  apiKey: string;
  /** Events per request, 1..1000 (default 100). A batch is sent as soon as this many are waiting. */
  batchSize?: number;
  /** The longest an event waits for its batch to fill before it is sent anyway (default 1000 ms). */
  flushIntervalMs?: number;
  /** Events waiting or in flight at most (default 10,000, at least `batchSize`); beyond it new events are dropped. */
  maxBufferedEvents?: number;
  /**
   * Batches in flight at once (default 1, at most 64). With 1, batches reach the ledger in the order their
   * events were enqueued; more hides the round trip to a distant ledger, in no fixed order.
   */
  maxConcurrentRequests?: number;
  /** Retries of a batch after its first attempt (default 8); then it is dropped. */
  maxRetries?: number;
  /** The backoff's first cap (default 250 ms), doubled per retry up to `retryMaxDelayMs` (default 30 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** The longest `Retry-After` honoured as given (default 5 min); a longer one waits this long. */
  maxRetryAfterMs?: number;
  /** One request's time limit (default 15 s); a request that runs out is retried like a dropped connection. */
  requestTimeoutMs?: number;
  /** The `fetch` to send with (default: Node's global one). */
  fetch?: typeof fetch;
  /** Told of every event dropped, and why; default: a one-line `console.warn`. It must not throw (it is caught if it does). */
  onError?: (error: CostLedgerError) => void;
  /** Test seams: the clock (ms since the epoch) and the jitter's random source in [0, 1). */
  now?: () => number;
  random?: () => number;
}

/** Why events were dropped; each is a counter in `stats.dropped`. */
export type DropReason = 'bufferFull' | 'invalid' | 'rejected' | 'retriesExhausted' | 'shutdown';

/** Events the client gave up on, and why. The events it names are not in the ledger. */
export class CostLedgerError extends Error {
  constructor(
    readonly reason: DropReason,
    message: string,
    /** The ids of the dropped events, when they had been assigned. */
    readonly eventIds: readonly string[],
    /** The ledger's answer, when it refused them. */
    readonly server?: ServerError,
  ) {
    super(message);
    this.name = 'CostLedgerError';
  }
}

export interface CostLedgerStats {
  /** Events taken into the buffer. */
  enqueued: number;
  /** Events the ledger acknowledged: `accepted + duplicates`. */
  sent: number;
  /** Acknowledged events the ledger newly stored. */
  accepted: number;
  /** Acknowledged events the ledger already had (a retry whose first answer was lost, or a re-sent key). */
  duplicates: number;
  /** Requests sent, first attempts and retries. */
  requests: number;
  /** Requests that were retries. */
  retries: number;
  dropped: Record<DropReason, number>;
  /** Events waiting or in flight now. */
  buffered: number;
}

interface Queued {
  readonly seq: number;
  readonly eventId: string;
  /** The wire form, serialised once when enqueued: every attempt sends the same bytes. */
  readonly json: string;
  readonly bytes: number;
}

function checkOptions(o: CostLedgerOptions): void {
  const problems: string[] = [];
  const int = (name: keyof CostLedgerOptions, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = o[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) problems.push(`${name} must be an integer in ${min}..${max}`);
  };
  if (typeof o.baseUrl !== 'string' || !URL.canParse(o.baseUrl)) problems.push('baseUrl must be an absolute URL');
  if (typeof o.apiKey !== 'string' || !o.apiKey) problems.push('apiKey must be a non-empty string');
  int('batchSize', 1, MAX_BATCH_SIZE);
  int('flushIntervalMs', 0);
  int('maxBufferedEvents', o.batchSize ?? 100);
  int('maxConcurrentRequests', 1, 64);
  int('maxRetries', 0);
  int('retryBaseDelayMs', 0);
  int('retryMaxDelayMs', 0);
  int('maxRetryAfterMs', 0);
  int('requestTimeoutMs', 1);
  if (o.fetch === undefined && typeof globalThis.fetch !== 'function') problems.push('no global fetch: pass options.fetch');
  if (problems.length) throw new TypeError(`CostLedger: ${problems.join('; ')}`);
}

const defaultOnError = (error: CostLedgerError) => console.warn(`[cost-ledger] ${error.message}`);

/**
 * Records usage events in the Cost Ledger (`POST /v1/events`): buffered, sent in batches by size and by
 * time, retried with backoff until acknowledged. Every event gets its id when it is
 * enqueued and is serialised then, so each retry sends the same bytes and the ledger counts it once.
 *
 * Drop policy: the buffer holds at most `maxBufferedEvents` events (waiting or in flight); an event
 * enqueued when it is full is dropped (the newest is dropped, never one already queued), counted in
 * `stats.dropped.bufferFull` and reported once per episode of fullness through `onError`.
 */
export class CostLedger {
  private readonly endpoint: string;
  private readonly apiKey: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBuffered: number;
  private readonly maxConcurrent: number;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly onError: (error: CostLedgerError) => void;
  private readonly now: () => number;
  private readonly random: () => number;

  private readonly queue: Queued[] = [];
  private inFlight = 0;
  private nextSeq = 1;
  /** Every event with a seq up to this is acknowledged or dropped. */
  private settledSeq = 0;
  /** Events with a seq up to this are sent now, full batch or not (a flush or the timer asked). */
  private dueSeq = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The batches in flight. */
  private readonly sending = new Set<readonly Queued[]>();
  private full = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Aborted when a shutdown's time runs out: the request or wait in progress ends, and the rest is dropped. */
  private readonly abandon = new AbortController();
  private lastPosition: string | undefined;
  private readonly counters: Omit<CostLedgerStats, 'buffered' | 'dropped'> & { dropped: Record<DropReason, number> } = {
    enqueued: 0,
    sent: 0,
    accepted: 0,
    duplicates: 0,
    requests: 0,
    retries: 0,
    dropped: { bufferFull: 0, invalid: 0, rejected: 0, retriesExhausted: 0, shutdown: 0 },
  };

  constructor(options: CostLedgerOptions) {
    checkOptions(options);
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.endpoint = new URL('v1/events', base).toString();
    this.apiKey = options.apiKey;
    this.batchSize = options.batchSize ?? 100;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxBuffered = options.maxBufferedEvents ?? Math.max(10_000, this.batchSize);
    this.maxConcurrent = options.maxConcurrentRequests ?? 1;
    this.retry = {
      maxRetries: options.maxRetries ?? 8,
      baseDelayMs: options.retryBaseDelayMs ?? 250,
      maxDelayMs: options.retryMaxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 300_000,
    };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.onError = options.onError ?? defaultOnError;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Records an LLM call's usage. Returns the event's id, or null when it was dropped (see `stats.dropped`). */
  tokenUsed(event: TokenUsedInput): string | null {
    return this.enqueue('TokenUsed', event);
  }

  /** Records a tool call. Returns the event's id, or null when it was dropped. */
  toolCalled(event: ToolCalledInput): string | null {
    return this.enqueue('ToolCalled', event);
  }

  /** Records the end of a session. Returns the event's id, or null when it was dropped. */
  sessionFinalized(event: SessionFinalizedInput): string | null {
    return this.enqueue('SessionFinalized', event);
  }

  /** A session's recorder: its events take the session and placement given here, unless they give their own. */
  session(placement: SessionPlacement): LedgerSession {
    return new LedgerSession(this, placement);
  }

  /** Counters since construction (a copy). */
  get stats(): CostLedgerStats {
    return { ...this.counters, dropped: { ...this.counters.dropped }, buffered: this.queue.length + this.inFlight };
  }

  /** The greatest log position the ledger acknowledged; pass it as `?after=` to read these writes back. */
  get position(): string | undefined {
    return this.lastPosition;
  }

  /** Sends everything enqueued so far; resolves when all of it is acknowledged or dropped. Never rejects. */
  flush(): Promise<void> {
    const target = this.nextSeq - 1;
    if (target <= this.settledSeq) return Promise.resolve();
    this.dueSeq = Math.max(this.dueSeq, target);
    const settled = new Promise<void>((resolve) => this.waiters.push({ seq: target, resolve }));
    this.send();
    return settled;
  }

  /**
   * Refuses further events, flushes, and stops the timer. With `timeoutMs`, what is not acknowledged by
   * then is dropped (`dropped.shutdown`) and the request in progress is aborted. Idempotent.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = (async () => {
        this.disarm();
        const deadline = options.timeoutMs === undefined ? undefined : setTimeout(() => this.abandon.abort(), options.timeoutMs);
        try {
          await this.flush();
        } finally {
          clearTimeout(deadline);
        }
      })();
    }
    return this.closing;
  }

  private enqueue(type: UsageEventType, input: EventPlacement): string | null {
    if (this.closed) {
      this.drop('shutdown', [], `${type} refused: the client is shut down`);
      return null;
    }
    if (this.queue.length + this.inFlight >= this.maxBuffered) {
      this.counters.dropped.bufferFull++;
      if (!this.full) {
        this.full = true;
        this.report(new CostLedgerError('bufferFull', `buffer full (${this.maxBuffered} events): dropping new events until the ledger catches up`, []));
      }
      return null;
    }
    this.full = false;
    let eventId: string;
    let json: string;
    try {
      eventId = assignEventId(type, input);
      json = JSON.stringify(toWire(type, input, eventId, this.now));
    } catch (err) {
      this.drop('invalid', [], `${type} dropped: it does not serialise to JSON (${err instanceof Error ? err.message : String(err)})`);
      return null;
    }
    const bytes = Buffer.byteLength(json);
    if (bytes + ENVELOPE_BYTES > MAX_BODY_BYTES) {
      this.drop('invalid', [eventId], `${type} ${eventId} dropped: ${bytes} bytes, over the ledger's 1 MiB request limit`);
      return null;
    }
    this.queue.push({ seq: this.nextSeq++, eventId, json, bytes });
    this.counters.enqueued++;
    if (this.queue.length >= this.batchSize) this.send();
    else this.arm();
    return eventId;
  }

  private arm(): void {
    if (this.timer || this.closed || !this.queue.length) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueSeq = Math.max(this.dueSeq, this.nextSeq - 1);
      this.send();
    }, this.flushIntervalMs);
    // An idle buffer does not keep the process alive; shutdown() is how a process sends its last events.
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private hasDueBatch(): boolean {
    return this.queue.length > 0 && (this.queue.length >= this.batchSize || this.queue[0].seq <= this.dueSeq);
  }

  /**
   * Sends due batches while fewer than `maxConcurrentRequests` are in flight; each batch that settles
   * starts this again, so whatever became due meanwhile is taken up.
   */
  private send(): void {
    if (this.abandon.signal.aborted && this.queue.length) {
      const rest = this.queue.splice(0);
      this.drop('shutdown', rest.map((e) => e.eventId), `${count(rest.length)} dropped: shutdown's time ran out`);
      this.settle();
    }
    while (this.sending.size < this.maxConcurrent && this.hasDueBatch()) {
      const batch = this.takeBatch();
      this.sending.add(batch);
      this.inFlight += batch.length;
      void this.deliver(batch, 0)
        .catch((err: unknown) => {
          // deliver() handles every answer and failure; this is a bug's last line, so that flush() still resolves.
          this.drop('rejected', batch.map((e) => e.eventId), `internal error sending a batch: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => {
          this.sending.delete(batch);
          this.inFlight -= batch.length;
          this.settle();
          this.send();
        });
    }
    if (!this.hasDueBatch()) this.arm();
  }

  /** The next batch: up to `batchSize` events, within the ledger's body limit. */
  private takeBatch(): Queued[] {
    let n = 0;
    let bytes = ENVELOPE_BYTES;
    while (n < this.queue.length && n < this.batchSize && (n === 0 || bytes + 1 + this.queue[n].bytes <= MAX_BODY_BYTES)) {
      bytes += this.queue[n].bytes + (n === 0 ? 0 : 1);
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** Everything enqueued before the oldest event still waiting or in flight is settled. */
  private settle(): void {
    let oldest = this.queue.length ? this.queue[0].seq : this.nextSeq;
    for (const batch of this.sending) oldest = Math.min(oldest, batch[0].seq);
    this.settledSeq = Math.max(this.settledSeq, oldest - 1);
    const ready = this.waiters.filter((w) => w.seq <= this.settledSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.settledSeq);
    for (const w of ready) w.resolve();
  }

  /** Sends `batch` until the ledger acknowledges it, refuses it, or the retries run out. */
  private async deliver(batch: readonly Queued[], attempt: number): Promise<void> {
    let pending = batch;
    let retrying = false;
    while (pending.length) {
      if (this.abandon.signal.aborted) {
        this.drop('shutdown', pending.map((e) => e.eventId), `${count(pending.length)} dropped: shutdown's time ran out`);
        return;
      }
      if (retrying) this.counters.retries++;
      retrying = false;
      const outcome: BatchOutcome | 'abandoned' = await this.post(pending);
      if (outcome === 'abandoned') continue;
      switch (outcome.kind) {
        case 'acknowledged':
          this.counters.accepted += outcome.accepted;
          this.counters.duplicates += outcome.duplicates;
          this.counters.sent += outcome.accepted + outcome.duplicates;
          if (outcome.position !== undefined) this.lastPosition = laterPosition(this.lastPosition, outcome.position);
          return;
        case 'refused-events': {
          const refused = new Set(outcome.indexes);
          const ids = outcome.indexes.map((i) => pending[i].eventId);
          this.drop('rejected', ids, `ledger refused ${ids.length} of ${pending.length} events (${label(outcome.error)}): ${outcome.error.message}`, outcome.error);
          pending = pending.filter((_, i) => !refused.has(i));
          continue;
        }
        case 'too-large': {
          if (pending.length === 1) {
            this.drop('rejected', [pending[0].eventId], `ledger refused an event as too large: ${outcome.error.message}`, outcome.error);
            return;
          }
          const half = Math.ceil(pending.length / 2);
          await this.deliver(pending.slice(0, half), attempt);
          await this.deliver(pending.slice(half), attempt);
          return;
        }
        case 'refused':
          this.drop('rejected', pending.map((e) => e.eventId), `ledger refused ${count(pending.length)} (${label(outcome.error)}): ${outcome.error.message}`, outcome.error);
          return;
        case 'retry':
          if (attempt >= this.retry.maxRetries) {
            this.drop('retriesExhausted', pending.map((e) => e.eventId), `${count(pending.length)} dropped after ${attempt + 1} attempts; last: ${outcome.reason}`);
            return;
          }
          await this.sleep(retryDelay(attempt, outcome.retryAfterMs, this.retry, this.random));
          attempt++;
          retrying = true;
          continue;
      }
    }
  }

  /** One request; any failure to get an answer is a `retry` (the events are idempotent). */
  private async post(events: readonly Queued[]): Promise<BatchOutcome | 'abandoned'> {
    const body = `{"events":[${events.map((e) => e.json).join(',')}]}`;
    this.counters.requests++;
    try {
      const res = await this.fetchFn(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey },
        body,
        signal: AbortSignal.any([this.abandon.signal, AbortSignal.timeout(this.requestTimeoutMs)]),
      });
      const text = await res.text();
      return classifyResponse(res.status, res.headers, text, events.length, this.now());
    } catch (err) {
      if (this.abandon.signal.aborted) return 'abandoned';
      return { kind: 'retry', reason: describeFailure(err) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abandon.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abandon.signal.addEventListener('abort', done);
    });
  }

  /** Counts and reports dropped events: those named, or one not yet given an id. */
  private drop(reason: DropReason, eventIds: readonly string[], message: string, server?: ServerError): void {
    this.counters.dropped[reason] += Math.max(1, eventIds.length);
    this.report(new CostLedgerError(reason, message, eventIds, server));
  }

  private report(error: CostLedgerError): void {
    try {
      this.onError(error);
    } catch {
      // A throwing handler must not stop the sending loop: the error was offered, and the events are counted.
    }
  }
}

const label = (error: ServerError) => (error.code ? `HTTP ${error.status} ${error.code}` : `HTTP ${error.status}`);
const count = (n: number) => (n === 1 ? '1 event' : `${n} events`);

/** Where a session's events are placed: the session, and the execution, workflow and phase it belongs to. */
export type SessionPlacement = Pick<EventPlacement, 'sessionId' | 'executionId' | 'workflowId' | 'phaseId'>;
type InSession<T extends EventPlacement> = Omit<T, keyof SessionPlacement> & Partial<SessionPlacement>;

/** `CostLedger`'s three event methods with a session's placement filled in (`ledger.session({...})`). */
export class LedgerSession {
  constructor(
    private readonly ledger: CostLedger,
    readonly placement: SessionPlacement,
  ) {}

  tokenUsed(event: InSession<TokenUsedInput>): string | null {
    return this.ledger.tokenUsed({ ...this.placement, ...event });
  }

  toolCalled(event: InSession<ToolCalledInput>): string | null {
    return this.ledger.toolCalled({ ...this.placement, ...event });
  }

  sessionFinalized(event: InSession<SessionFinalizedInput> = {}): string | null {
    return this.ledger.sessionFinalized({ ...this.placement, ...event });
  }
}

/** A network failure in one line: undici's `fetch failed` hides the reason (ECONNRESET, …) in `cause`. */
function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (err.name === 'TimeoutError') return 'the request timed out';
  return cause?.code ?? cause?.message ? `${err.message} (${cause?.code ?? cause?.message})` : err.message;
}
