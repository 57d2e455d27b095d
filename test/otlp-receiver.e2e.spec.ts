import { gzipSync } from 'node:zlib';
import { OTLP_ROOT, responseType } from '@ledger/otlp';
import { ADMIN_KEY, freshWorkspace, postOtlp, postOtlpBytes, startTestApp, TestApp } from '@ledger/testing';
import { sample } from '../libs/observability/testing/prometheus-text';

const RPC_STATUS = OTLP_ROOT.lookupType('google.rpc.Status');
/** A protobuf error body, decoded with the vendored google/rpc/status.proto. */
const rpcStatus = (body: Buffer) => RPC_STATUS.toObject(RPC_STATUS.decode(body), { defaults: true });

/** A log record no normalizer claims (not usage): acknowledged and dropped whatever the normalizers do. */
const otherLogs = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'some-service' } }] },
      scopeLogs: [
        {
          scope: { name: 'receiver.e2e' },
          logRecords: [
            {
              timeUnixNano: '1795694400000000000',
              severityText: 'INFO',
              body: { stringValue: 'user logged in' },
              attributes: [{ key: 'user.id', value: { intValue: '42' } }],
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
            },
          ],
        },
      ],
    },
  ],
};
const otherSpans = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'some-service' } }] },
      scopeSpans: [
        {
          scope: { name: 'receiver.e2e' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'GET /health',
              kind: 2,
              startTimeUnixNano: '1795694400000000000',
              endTimeUnixNano: '1795694400100000000',
              attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
            },
          ],
        },
      ],
    },
  ],
};
const metrics = {
  resourceMetrics: [
    {
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'claude_code.token.usage',
              sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '42', timeUnixNano: '1795694400000000000', attributes: [] }] },
            },
          ],
        },
      ],
    },
  ],
};

describe('the OTLP/HTTP receiver over HTTP', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.keyFor(freshWorkspace('otlp'));
  });
  afterAll(async () => {
    await t.close();
  });

  const json = (signal: 'logs' | 'traces' | 'metrics', body: Buffer | string, headers: Record<string, string> = {}) =>
    postOtlpBytes(t.http, signal, body, { 'content-type': 'application/json', 'x-api-key': key, ...headers });
  const protobuf = (signal: 'logs' | 'traces' | 'metrics', body: Buffer | string, headers: Record<string, string> = {}) =>
    postOtlpBytes(t.http, signal, body, { 'content-type': 'application/x-protobuf', 'x-api-key': key, ...headers });

  describe('encodings', () => {
    it.each([
      ['logs', otherLogs],
      ['traces', otherSpans],
    ] as const)('answers %s that are not usage with an empty response, in the request\'s encoding', async (signal, request) => {
      const asJson = await postOtlp(t.http, signal, request, { encoding: 'json', key });
      expect([asJson.status, asJson.headers['content-type'], asJson.body]).toEqual([200, 'application/json; charset=utf-8', {}]);
      const asProtobuf = await postOtlp(t.http, signal, request, { encoding: 'protobuf', key });
      expect([asProtobuf.status, asProtobuf.headers['content-type'], (asProtobuf.body as Buffer).length]).toEqual([200, 'application/x-protobuf', 0]);
      expect(responseType(signal).toObject(responseType(signal).decode(asProtobuf.body as Buffer))).toEqual({});
    });

    it('reads gzip bodies in both encodings', async () => {
      for (const encoding of ['json', 'protobuf'] as const) {
        const res = await postOtlp(t.http, 'logs', otherLogs, { encoding, key, gzip: true });
        expect([encoding, res.status]).toEqual([encoding, 200]);
      }
    });

    it('takes an empty request as success', async () => {
      expect((await json('logs', '{}')).status).toBe(200);
      expect((await protobuf('traces', Buffer.alloc(0))).status).toBe(200);
    });

    it('counts the records it ignored in ledger_otlp_records_total', async () => {
      const ignored = async () => {
        const text = (await t.http.get('/metrics').set('x-api-key', ADMIN_KEY)).text;
        return ['logs', 'traces'].map((signal) => sample(text, 'ledger_otlp_records_total', { signal, outcome: 'ignored' }));
      };
      const [logs, traces] = await ignored();
      await postOtlp(t.http, 'logs', otherLogs, { encoding: 'json', key });
      await postOtlp(t.http, 'traces', otherSpans, { encoding: 'protobuf', key });
      expect(await ignored()).toEqual([logs! + 1, traces! + 1]);
    });

    it('takes application/json with a UTF-8 charset', async () => {
      expect((await json('logs', JSON.stringify(otherLogs), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    });
  });

  describe('metrics', () => {
    it('decodes them and acknowledges them with an empty response, storing nothing', async () => {
      const res = await postOtlp(t.http, 'metrics', metrics, { encoding: 'json', key });
      expect([res.status, res.body]).toEqual([200, {}]);
      const proto = await postOtlp(t.http, 'metrics', metrics, { encoding: 'protobuf', key });
      expect([proto.status, (proto.body as Buffer).length]).toEqual([200, 0]);
    });

    it('still refuses a body that does not decode', async () => {
      const res = await json('metrics', JSON.stringify({ resourceMetrics: 'many' }));
      expect([res.status, res.body]).toEqual([400, { code: 3, message: 'resourceMetrics: must be an array' }]);
    });
  });

  describe('authentication, as exporters send it', () => {
    it('takes the key as x-api-key or as Authorization: Bearer', async () => {
      expect((await postOtlp(t.http, 'logs', otherLogs, { encoding: 'json', key, auth: 'x-api-key' })).status).toBe(200);
      expect((await postOtlp(t.http, 'logs', otherLogs, { encoding: 'protobuf', key, auth: 'bearer' })).status).toBe(200);
    });

    it('answers a missing or unknown key with 401 as a google.rpc.Status, JSON or protobuf as the request was', async () => {
      const missing = await postOtlp(t.http, 'logs', otherLogs, { encoding: 'json' });
      expect([missing.status, missing.body]).toEqual([401, { code: 16, message: 'missing API key: send it as x-api-key or Authorization: Bearer' }]);
      const unknown = await postOtlp(t.http, 'traces', otherSpans, { encoding: 'protobuf', key: 'not-a-key' });
      expect([unknown.status, unknown.headers['content-type'], rpcStatus(unknown.body as Buffer)]).toEqual([
        401,
        'application/x-protobuf',
        { code: 16, message: 'invalid API key', details: [] },
      ]);
    });

    it('answers the admin key with 403: it has no workspace', async () => {
      const res = await postOtlp(t.http, 'logs', otherLogs, { encoding: 'json', key: ADMIN_KEY });
      expect([res.status, res.body]).toEqual([403, { code: 7, message: 'OTLP data is recorded with a workspace key; the admin key has no workspace' }]);
    });
  });

  describe('bad bodies: 400 naming what is wrong, never a 500', () => {
    it('refuses bytes that are not protobuf, with a protobuf google.rpc.Status', async () => {
      const res = await protobuf('logs', Buffer.from('this is not protobuf'));
      expect([res.status, res.headers['content-type']]).toEqual([400, 'application/x-protobuf']);
      expect(rpcStatus(res.body as Buffer)).toEqual({ code: 3, message: expect.stringMatching(/^body: not a protobuf ExportLogsServiceRequest: /), details: [] });
    });

    it('refuses malformed JSON, JSON that is not an OTLP request, and fields of the wrong type', async () => {
      const malformed = await json('logs', '{"resourceLogs": [');
      expect([malformed.status, malformed.body.code, malformed.body.message]).toEqual([400, 3, expect.stringMatching(/^body: malformed JSON: /)]);
      const events = await json('logs', JSON.stringify({ events: [{ type: 'TokenUsed' }] }));
      expect([events.status, events.body]).toEqual([400, { code: 3, message: 'body: not an OTLP/JSON ExportLogsServiceRequest: expected resourceLogs, got events' }]);
      const wrongType = await json('traces', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'not hex' }] }] }] }));
      expect([wrongType.status, wrongType.body]).toEqual([
        400,
        { code: 3, message: 'resourceSpans[0].scopeSpans[0].spans[0].spanId: must be hex (OTLP/JSON writes trace and span ids in hex)' },
      ]);
    });

    it('refuses a gzip content-encoding on a body that is not gzip', async () => {
      const res = await protobuf('logs', Buffer.from('plain'), { 'content-encoding': 'gzip' });
      expect([res.status, rpcStatus(res.body as Buffer).code]).toEqual([400, 3]);
    });
  });

  describe('limits and media types', () => {
    it('answers a body over 8 MiB with 413, also when it is only that large inflated', async () => {
      const huge = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'x', value: { stringValue: 'a'.repeat(8 * 1024 * 1024) } }] } }] });
      const res = await json('logs', huge);
      expect([res.status, res.body]).toEqual([413, { code: 8, message: "request body exceeds the OTLP routes' 8 MiB limit" }]);
      const bomb = await protobuf('logs', gzipSync(Buffer.alloc(9 * 1024 * 1024)), { 'content-encoding': 'gzip' });
      expect([bomb.status, rpcStatus(bomb.body as Buffer).code]).toEqual([413, 8]);
    });

    it('takes a body over the JSON API\'s 1 MiB', async () => {
      const attributes = Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v'.repeat(1000) } }));
      const res = await json('logs', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1795694400000000000', attributes }] }] }] }));
      expect([res.status, res.body]).toEqual([200, {}]);
    });

    it('answers a content type other than protobuf or JSON with 415', async () => {
      const res = await postOtlpBytes(t.http, 'logs', 'hello', { 'content-type': 'text/plain', 'x-api-key': key });
      expect([res.status, res.body]).toEqual([
        415,
        { code: 3, message: 'unsupported content-type "text/plain": send application/x-protobuf or application/json' },
      ]);
      const latin1 = await json('logs', '{}', { 'content-type': 'application/json; charset=latin1' });
      expect([latin1.status, latin1.body.message]).toEqual([415, 'unsupported charset "latin1": send OTLP/JSON in UTF-8']);
    });

    it('answers a content-encoding it does not read with 415', async () => {
      const res = await json('logs', '{}', { 'content-encoding': 'compress' });
      expect([res.status, res.body.code]).toEqual([415, 3]);
    });

    it('renders errors on unknown /otlp paths the OTLP way too', async () => {
      const res = await postOtlpBytes(t.http, 'profiles', '{}', { 'content-type': 'application/json', 'x-api-key': key });
      expect([res.status, res.body]).toEqual([404, { code: 5, message: 'route not found' }]);
    });
  });
});

/** A GenAI-conventions client span (an OpenAI chat call) of `session`: what the gen-ai normalizer reads. */
const chatSpan = (spanId: string, session: string, usage: Record<string, number | string>, extra: { end?: string; execution?: string } = {}) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId,
  name: 'chat gpt-4o',
  kind: 3,
  startTimeUnixNano: '1795694400000000000',
  endTimeUnixNano: extra.end ?? '1795694401000000000',
  attributes: Object.entries({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.conversation.id': session,
    ...(extra.execution ? { 'ledger.execution_id': extra.execution } : {}),
    ...usage,
  }).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } })),
});
const spans = (...list: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'openai.agents' }, spans: list }] }] });
const usage = (input: number | string, output: number) => ({ 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output });
/** Later than now by far more than the 5 minutes of clock skew ingest tolerates. */
const FUTURE_NANOS = '4102444800000000000';

describe('the OTLP/HTTP receiver: records through the normalizers into the ledger', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => {
    await t.close();
  });

  /** `partialSuccess` of a traces response, decoded in either encoding. */
  const partial = (body: unknown) => {
    if (!Buffer.isBuffer(body)) return (body as { partialSuccess?: unknown }).partialSuccess;
    const type = responseType('traces');
    return (type.toObject(type.decode(body), { longs: String }) as { partialSuccess?: unknown }).partialSuccess;
  };

  /** The session once `until` holds of it (polled: OTLP answers carry no read-your-writes position), or as it is at the deadline. */
  async function sessionOnceProjected(key: string, session: string, until: (s: { input_tokens: number; output_tokens: number }) => boolean) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await t.http.get(`/costs/sessions/${session}`).set('x-api-key', key);
      if ((res.status === 200 && until(res.body)) || Date.now() > deadline) return res.body as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('stores the spans it can read and counts the others in partialSuccess, in both encodings', async () => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const key = await t.keyFor(freshWorkspace('otlp_partial'));
      const request = spans(
        chatSpan('00000000000000a1', 'sess_partial', usage(1000, 100)),
        chatSpan('00000000000000a2', 'sess_partial', usage('lots', 5)),
        chatSpan('00000000000000a3', 'sess_partial', usage(7, 7), { end: FUTURE_NANOS }),
      );
      const res = await postOtlp(t.http, 'traces', request, { encoding, key });
      expect([encoding, res.status, partial(res.body)]).toEqual([
        encoding,
        200,
        {
          rejectedSpans: '2',
          errorMessage:
            '2 of 3 records rejected: record 1 (gen-ai): gen_ai.usage.input_tokens: must be a non-negative integer, got "lots"; ' +
            'record 2 (gen-ai): occurred_at is more than 5 minutes in the future',
        },
      ]);
      const session = await sessionOnceProjected(key, 'sess_partial', (s) => s.input_tokens > 0);
      // gpt-4o at $2.50 and $10 per million input and output tokens: 0.0025 + 0.001.
      expect([session.input_tokens, session.output_tokens, session.total_cost_usd]).toEqual([1000, 100, '0.0035']);
    }
  });

  it('counts a retried export once, whichever encoding each attempt used', async () => {
    const key = await t.keyFor(freshWorkspace('otlp_retry'));
    const request = spans(chatSpan('00000000000000b1', 'sess_retry', usage(1000, 100)), chatSpan('00000000000000b2', 'sess_retry', usage(500, 50)));
    for (const options of [{ encoding: 'json' }, { encoding: 'protobuf' }, { encoding: 'json', gzip: true }, { encoding: 'protobuf', auth: 'bearer' }] as const) {
      const res = await postOtlp(t.http, 'traces', request, { key, ...options });
      expect([res.status, partial(res.body)]).toEqual([200, undefined]);
    }
    // A new span after the retries: once it shows, anything the retries had stored would show too.
    await postOtlp(t.http, 'traces', spans(chatSpan('00000000000000b3', 'sess_retry', usage(1, 1))), { encoding: 'json', key });
    const session = await sessionOnceProjected(key, 'sess_retry', (s) => s.output_tokens % 10 === 1);
    expect([session.input_tokens, session.output_tokens]).toEqual([1501, 151]);
  });

  it('rejects only the span whose id was recorded with another payload, and stores the rest of its request', async () => {
    const key = await t.keyFor(freshWorkspace('otlp_conflict'));
    await postOtlp(t.http, 'traces', spans(chatSpan('00000000000000c1', 'sess_conflict', usage(1000, 100))), { encoding: 'json', key });
    const changed = spans(chatSpan('00000000000000c1', 'sess_conflict', usage(2000, 100)), chatSpan('00000000000000c2', 'sess_conflict', usage(10, 1)));
    const res = await postOtlp(t.http, 'traces', changed, { encoding: 'protobuf', key });
    expect(partial(res.body)).toEqual({
      rejectedSpans: '1',
      errorMessage: expect.stringMatching(/^1 of 2 records rejected: record 0 \(gen-ai\): event_id gen-ai:[0-9a-f]{32} was recorded with a different payload$/),
    });
    const session = await sessionOnceProjected(key, 'sess_conflict', (s) => s.output_tokens === 101);
    expect([session.input_tokens, session.output_tokens]).toEqual([1010, 101]);
  });

  it('rejects only the span that places its session in a second execution', async () => {
    const key = await t.keyFor(freshWorkspace('otlp_exec'));
    const request = spans(
      chatSpan('00000000000000d1', 'sess_exec', usage(100, 10), { execution: 'exec_1' }),
      chatSpan('00000000000000d2', 'sess_exec', usage(200, 20), { execution: 'exec_2' }),
      chatSpan('00000000000000d3', 'sess_other', usage(300, 30)),
    );
    const res = await postOtlp(t.http, 'traces', request, { encoding: 'json', key });
    expect(partial(res.body)).toEqual({
      rejectedSpans: '1',
      errorMessage: '1 of 3 records rejected: record 1 (gen-ai): session sess_exec belongs to execution exec_1, not exec_2: send its execution_id, or none',
    });
    const other = await sessionOnceProjected(key, 'sess_other', (s) => s.input_tokens === 300);
    const placed = await sessionOnceProjected(key, 'sess_exec', (s) => s.input_tokens > 0);
    expect([other.input_tokens, placed.input_tokens, placed.execution_id]).toEqual([300, 100, 'exec_1']);
  });
});

describe('the OTLP/HTTP receiver under a rate limit', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ LEDGER_RATE_LIMIT_PER_SECOND: '0.5', LEDGER_RATE_LIMIT_BURST: '1' })));
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After once the key spent its budget, as a google.rpc.Status', async () => {
    const key = await t.keyFor(freshWorkspace('otlp429'));
    expect((await postOtlp(t.http, 'logs', otherLogs, { encoding: 'protobuf', key })).status).toBe(200);
    const limited = await postOtlp(t.http, 'logs', otherLogs, { encoding: 'protobuf', key });
    expect([limited.status, limited.headers['retry-after'], rpcStatus(limited.body as Buffer).code]).toEqual([429, '2', 8]);
    const limitedJson = await postOtlp(t.http, 'traces', otherSpans, { encoding: 'json', key });
    expect([limitedJson.status, limitedJson.body.code]).toEqual([429, 8]);
  });
});
