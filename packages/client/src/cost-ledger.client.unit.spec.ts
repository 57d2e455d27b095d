import { CostLedger, CostLedgerError, CostLedgerOptions } from './cost-ledger.client';
import { eventIdFromKey } from './event-id';

interface Call {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly raw: string;
  readonly events: Record<string, unknown>[];
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/**
 * A fetch that records each request and answers from `replies` in order (then 202s acknowledging every
 * event). `hold` makes every request wait until `release()`.
 */
function fakeFetch(replies: Reply[] = []) {
  const calls: Call[] = [];
  let gate: Promise<void> | undefined;
  let open = () => {};
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const raw = String(init?.body);
    const events = JSON.parse(raw).events as Record<string, unknown>[];
    calls.push({ url: String(url), headers: init?.headers as Record<string, string>, raw, events });
    if (gate) await gate;
    const reply = replies.shift() ?? { status: 202, body: { success: true, data: { accepted: events.length, duplicates: 0, position: `${calls.length}-0` } } };
    if (reply instanceof Error) throw reply;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: reply.headers });
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    hold: () => (gate = new Promise((resolve) => (open = resolve))),
    release: () => {
      gate = undefined;
      open();
    },
  };
}

const OCCURRED = '2026-11-20T10:00:00.000Z';
const token = (i: number) => ({ sessionId: 's1', model: 'gpt-4o', inputTokens: i, outputTokens: 1, occurredAt: OCCURRED });

function client(fake: ReturnType<typeof fakeFetch>, options: Partial<CostLedgerOptions> = {}) {
  const errors: CostLedgerError[] = [];
  const ledger = new CostLedger({
    baseUrl: 'http://ledger.test/prefix',
    apiKey: 'k_1',
    fetch: fake.fetch,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 2,
    onError: (e) => errors.push(e),
    ...options,
  });
  return { ledger, errors };
}

const networkError = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

describe('CostLedger', () => {
  it('sends the wire form: snake_case fields, the event id assigned once, the key header, under the base URL\'s path', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake, { now: () => Date.parse('2026-11-20T09:00:00Z') });
    const id = ledger.tokenUsed({
      sessionId: 's1',
      executionId: 'x1',
      model: 'claude-sonnet-4-20250514',
      provider: 'anthropic',
      inputTokens: 10,
      outputTokens: 20,
      reasoningTokens: 5,
      cacheCreationTokens: 30,
      cacheCreation1hTokens: 7,
      cacheReadTokens: 40,
      webSearchRequests: 2,
      serviceTier: 'batch',
      speed: 'fast',
      inferenceGeo: 'us',
      stepName: 'plan',
      toolTokens: { Read: 3 },
      reportedCostUsd: '0.0123',
      key: 'req_1',
    });
    ledger.toolCalled({ sessionId: 's1', toolName: 'Bash', durationMs: 1500, computeCostUsd: '0.002', status: 'ok', eventId: 'tool_1', occurredAt: new Date(OCCURRED) });
    ledger.sessionFinalized({ sessionId: 's1', status: 'completed', durationMs: 9000, numTurns: 4, occurredAt: Date.parse(OCCURRED) });
    await ledger.flush();

    expect(id).toBe(eventIdFromKey('TokenUsed', 'req_1'));
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].url).toBe('http://ledger.test/prefix/v1/events');
    expect(fake.calls[0].headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'k_1' });
    expect(fake.calls[0].events).toEqual([
      {
        event_id: id,
        type: 'TokenUsed',
        session_id: 's1',
        execution_id: 'x1',
        model: 'claude-sonnet-4-20250514',
        provider: 'anthropic',
        input_tokens: 10,
        output_tokens: 20,
        reasoning_tokens: 5,
        cache_creation_tokens: 30,
        cache_creation_1h_tokens: 7,
        cache_read_tokens: 40,
        web_search_requests: 2,
        service_tier: 'batch',
        speed: 'fast',
        inference_geo: 'us',
        step_name: 'plan',
        tool_tokens: { Read: 3 },
        reported_cost_usd: '0.0123',
        occurred_at: '2026-11-20T09:00:00.000Z',
      },
      { event_id: 'tool_1', type: 'ToolCalled', session_id: 's1', tool_name: 'Bash', duration_ms: 1500, compute_cost_usd: '0.002', status: 'ok', occurred_at: OCCURRED },
      { event_id: expect.any(String), type: 'SessionFinalized', session_id: 's1', status: 'completed', duration_ms: 9000, num_turns: 4, occurred_at: OCCURRED },
    ]);
    expect(ledger.stats).toEqual({
      enqueued: 3,
      sent: 3,
      accepted: 3,
      duplicates: 0,
      requests: 1,
      retries: 0,
      dropped: { bufferFull: 0, invalid: 0, rejected: 0, retriesExhausted: 0, shutdown: 0 },
      buffered: 0,
    });
    expect(ledger.position).toBe('1-0');
  });

  it('sends a full batch at once, and the rest when the interval passes', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake, { batchSize: 3, flushIntervalMs: 50 });
    for (let i = 1; i <= 7; i++) ledger.tokenUsed(token(i));
    await new Promise((r) => setImmediate(r));
    expect(fake.calls.map((c) => c.events.map((e) => e.input_tokens))).toEqual([[1, 2, 3], [4, 5, 6]]);
    await new Promise((r) => setTimeout(r, 120));
    expect(fake.calls.map((c) => c.events.length)).toEqual([3, 3, 1]);
    expect(ledger.stats.sent).toBe(7);
  });

  it('retries a dropped connection, a 503 and a 429 with the same bytes, then counts the acknowledgement once', async () => {
    const fake = fakeFetch([networkError(), { status: 503, headers: { 'retry-after': '0' } }, { status: 429, body: { success: false, error: { code: 'RATE_LIMITED', message: 'slow down' } } }]);
    const { ledger, errors } = client(fake);
    ledger.tokenUsed(token(1));
    ledger.tokenUsed(token(2));
    await ledger.flush();
    expect(fake.calls).toHaveLength(4);
    expect(new Set(fake.calls.map((c) => c.raw)).size).toBe(1);
    expect(ledger.stats).toMatchObject({ sent: 2, accepted: 2, requests: 4, retries: 3 });
    expect(errors).toEqual([]);
  });

  it('drops a batch whose retries ran out, telling why', async () => {
    const fake = fakeFetch([networkError(), networkError(), networkError()]);
    const { ledger, errors } = client(fake, { maxRetries: 2 });
    const id = ledger.tokenUsed(token(1));
    await ledger.flush();
    expect(fake.calls).toHaveLength(3);
    expect(ledger.stats).toMatchObject({ sent: 0, retries: 2, dropped: { retriesExhausted: 1 } });
    expect(errors.map((e) => [e.reason, e.eventIds, e.message])).toEqual([['retriesExhausted', [id], '1 event dropped after 3 attempts; last: fetch failed (ECONNRESET)']]);
  });

  it('drops only the events a 400 names, with the server\'s message, and sends the rest again', async () => {
    const refusal = {
      success: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'events[1].output_tokens: output_tokens must be >= 0',
        details: [{ index: 1, field: 'output_tokens', message: 'output_tokens must be >= 0', location: 'body' }],
      },
    };
    const fake = fakeFetch([{ status: 400, body: refusal }]);
    const { ledger, errors } = client(fake);
    ledger.tokenUsed(token(1));
    const bad = ledger.tokenUsed({ ...token(2), outputTokens: -1 });
    ledger.tokenUsed(token(3));
    await ledger.flush();
    expect(fake.calls.map((c) => c.events.map((e) => e.input_tokens))).toEqual([[1, 2, 3], [1, 3]]);
    expect(ledger.stats).toMatchObject({ sent: 2, retries: 0, dropped: { rejected: 1 } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'rejected', eventIds: [bad], server: { status: 400, code: 'VALIDATION_ERROR' } });
    expect(errors[0].message).toBe('ledger refused 1 of 3 events (HTTP 400 VALIDATION_ERROR): events[1].output_tokens: output_tokens must be >= 0');
  });

  it('drops the whole batch on a refusal that names no event (401), without retrying', async () => {
    const fake = fakeFetch([{ status: 401, body: { success: false, error: { code: 'AUTH_ERROR', message: 'missing or invalid API key' } } }]);
    const { ledger, errors } = client(fake);
    ledger.tokenUsed(token(1));
    ledger.tokenUsed(token(2));
    await ledger.flush();
    expect(fake.calls).toHaveLength(1);
    expect(ledger.stats.dropped.rejected).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(['ledger refused 2 events (HTTP 401 AUTH_ERROR): missing or invalid API key']);
  });

  it('halves a batch refused as too large until it passes', async () => {
    const fake = fakeFetch([{ status: 413, body: { success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the 1 MiB limit' } } }]);
    const { ledger } = client(fake);
    for (let i = 1; i <= 5; i++) ledger.tokenUsed(token(i));
    await ledger.flush();
    expect(fake.calls.map((c) => c.events.length)).toEqual([5, 3, 2]);
    expect(ledger.stats).toMatchObject({ sent: 5, dropped: { rejected: 0 } });
  });

  it('drops the newest events when the buffer is full, counts each, and reports once per episode', async () => {
    const fake = fakeFetch();
    const { ledger, errors } = client(fake, { batchSize: 2, maxBufferedEvents: 3 });
    fake.hold();
    const ids = [1, 2, 3, 4, 5].map((i) => ledger.tokenUsed(token(i)));
    expect(ids.map((id) => id !== null)).toEqual([true, true, true, false, false]);
    expect(ledger.stats).toMatchObject({ enqueued: 3, buffered: 3, dropped: { bufferFull: 2 } });
    fake.release();
    await ledger.flush();
    expect(fake.calls.flatMap((c) => c.events.map((e) => e.input_tokens))).toEqual([1, 2, 3]);
    expect(ledger.tokenUsed(token(6))).not.toBeNull();
    await ledger.flush();
    expect(errors.map((e) => e.reason)).toEqual(['bufferFull']);
    expect(ledger.stats).toMatchObject({ sent: 4, buffered: 0 });
  });

  it('flush resolves only when everything enqueued before it is acknowledged or dropped', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake, { batchSize: 2 });
    fake.hold();
    ledger.tokenUsed(token(1));
    ledger.tokenUsed(token(2));
    ledger.tokenUsed(token(3));
    let flushed = false;
    const flushing = ledger.flush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(flushed).toBe(false);
    fake.release();
    await flushing;
    expect(ledger.stats).toMatchObject({ sent: 3, buffered: 0 });
  });

  it('shutdown sends what is buffered, then refuses new events', async () => {
    const fake = fakeFetch();
    const { ledger, errors } = client(fake, { flushIntervalMs: 60_000 });
    ledger.tokenUsed(token(1));
    ledger.toolCalled({ sessionId: 's1', toolName: 'Read', occurredAt: OCCURRED });
    await ledger.shutdown();
    expect(fake.calls.map((c) => c.events.length)).toEqual([2]);
    expect(ledger.tokenUsed(token(2))).toBeNull();
    expect(ledger.stats).toMatchObject({ sent: 2, dropped: { shutdown: 1 } });
    expect(errors.map((e) => e.message)).toEqual(['TokenUsed refused: the client is shut down']);
    await ledger.shutdown();
    expect(fake.calls).toHaveLength(1);
  });

  it('shutdown with a time limit abandons a batch still being retried, and drops it as shutdown', async () => {
    const fake = fakeFetch([{ status: 503, headers: { 'retry-after': '30' } }]);
    const { ledger } = client(fake);
    ledger.tokenUsed(token(1));
    ledger.tokenUsed(token(2));
    const started = Date.now();
    await ledger.shutdown({ timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.calls).toHaveLength(1);
    expect(ledger.stats).toMatchObject({ sent: 0, dropped: { shutdown: 2 } });
  });

  it('refuses options out of bounds at construction, listing them', () => {
    expect(() => new CostLedger({ baseUrl: 'not a url', apiKey: '', batchSize: 1001, maxBufferedEvents: 5 })).toThrow(
      'CostLedger: baseUrl must be an absolute URL; apiKey must be a non-empty string; batchSize must be an integer in 1..1000; maxBufferedEvents must be an integer in 1001..9007199254740991',
    );
  });

  it('freezes an event when it is enqueued: a later change to the caller\'s object is not sent', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake);
    const event = token(1);
    ledger.tokenUsed(event);
    event.inputTokens = 999;
    await ledger.flush();
    expect(fake.calls[0].events[0].input_tokens).toBe(1);
  });

  it('drops an event that cannot be serialised, alone', async () => {
    const fake = fakeFetch();
    const { ledger, errors } = client(fake);
    expect(ledger.tokenUsed({ ...token(1), inputTokens: 1n as unknown as number })).toBeNull();
    ledger.tokenUsed(token(2));
    await ledger.flush();
    expect(ledger.stats).toMatchObject({ sent: 1, dropped: { invalid: 1 } });
    expect(errors[0].message).toMatch(/^TokenUsed dropped: it does not serialise to JSON/);
  });
});

describe('CostLedger with maxConcurrentRequests', () => {
  it('keeps that many batches in flight, and flush waits for all of them', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake, { batchSize: 2, maxConcurrentRequests: 2 });
    fake.hold();
    for (let i = 1; i <= 7; i++) ledger.tokenUsed(token(i));
    let flushed = false;
    const flushing = ledger.flush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls.map((c) => c.events.map((e) => e.input_tokens))).toEqual([[1, 2], [3, 4]]);
    expect(flushed).toBe(false);
    fake.release();
    await flushing;
    expect(fake.calls.map((c) => c.events.map((e) => e.input_tokens))).toEqual([[1, 2], [3, 4], [5, 6], [7]]);
    expect(ledger.stats).toMatchObject({ sent: 7, requests: 4, buffered: 0 });
  });

  it('a flush resolves once everything before it settled, even when a later batch finished first', async () => {
    const fake = fakeFetch([networkError()]);
    const { ledger } = client(fake, { batchSize: 2, maxConcurrentRequests: 2, retryBaseDelayMs: 50, retryMaxDelayMs: 50, random: () => 0.99 });
    for (let i = 1; i <= 4; i++) ledger.tokenUsed(token(i));
    await ledger.flush();
    expect(ledger.stats).toMatchObject({ sent: 4, retries: 1, buffered: 0 });
    expect(fake.calls.map((c) => c.events.map((e) => e.input_tokens))).toEqual([[1, 2], [3, 4], [1, 2]]);
  });
});

describe('ledger.session', () => {
  it('places every event of the session, unless an event says otherwise', async () => {
    const fake = fakeFetch();
    const { ledger } = client(fake);
    const run = ledger.session({ sessionId: 's9', executionId: 'x9', workflowId: 'w9' });
    run.tokenUsed({ model: 'gpt-4o', inputTokens: 5, occurredAt: OCCURRED });
    run.toolCalled({ toolName: 'Read', phaseId: 'p2', occurredAt: OCCURRED });
    run.sessionFinalized({ occurredAt: OCCURRED });
    await ledger.flush();
    expect(fake.calls[0].events.map(({ event_id: _, ...e }) => e)).toEqual([
      { type: 'TokenUsed', session_id: 's9', execution_id: 'x9', workflow_id: 'w9', model: 'gpt-4o', input_tokens: 5, occurred_at: OCCURRED },
      { type: 'ToolCalled', session_id: 's9', execution_id: 'x9', workflow_id: 'w9', phase_id: 'p2', tool_name: 'Read', occurred_at: OCCURRED },
      { type: 'SessionFinalized', session_id: 's9', execution_id: 'x9', workflow_id: 'w9', occurred_at: OCCURRED },
    ]);
  });
});
