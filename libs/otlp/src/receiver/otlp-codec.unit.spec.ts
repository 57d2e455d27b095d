import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ValidationError } from '@ledger/http';
import { otlpProtobuf } from '../../../../test/support/otlp';
import { OtlpRecord } from '../otlp-model';
import { decodeOtlp, exportResponseJson, exportResponseProtobuf, OTLP_ROOT, responseType } from './otlp-codec';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** One logs request as an exporter writes OTLP/JSON: hex ids, 64-bit integers as strings, every AnyValue kind. */
const logsRequest = {
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }, { key: 'host.cpus', value: { intValue: '8' } }] },
      scopeLogs: [
        {
          scope: { name: 'com.anthropic.claude_code.events', version: '2.0.0' },
          logRecords: [
            {
              timeUnixNano: '1795694400123456789',
              observedTimeUnixNano: '1795694400200000000',
              severityNumber: 9,
              severityText: 'INFO',
              eventName: 'claude_code.api_request',
              body: { stringValue: 'claude_code.api_request' },
              traceId: TRACE.toUpperCase(),
              spanId: SPAN,
              flags: 1,
              attributes: [
                { key: 'session.id', value: { stringValue: 'sess-1' } },
                { key: 'input_tokens', value: { intValue: '120' } },
                { key: 'big', value: { intValue: '9007199254740993' } },
                { key: 'negative', value: { intValue: '-5' } },
                { key: 'cost_usd', value: { doubleValue: 0.0123 } },
                { key: 'ok', value: { boolValue: true } },
                { key: 'raw', value: { bytesValue: 'AQID' } },
                { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }, {}] } } },
                { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                { key: 'empty', value: {} },
                { key: '__proto__', value: { stringValue: 'own' } },
              ],
            },
            { timeUnixNano: '1795694401000000000', attributes: [] },
          ],
        },
      ],
    },
  ],
};

const tracesRequest = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'app' } }] },
      scopeSpans: [
        {
          scope: { name: 'ai', attributes: [{ key: 'x', value: { boolValue: false } }] },
          spans: [
            {
              traceId: TRACE,
              spanId: SPAN,
              parentSpanId: '0102030405060708',
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: '1795694400000000000',
              endTimeUnixNano: '1795694401500000000',
              attributes: [{ key: 'gen_ai.usage.input_tokens', value: { intValue: 100 } }],
              events: [{ name: 'gen_ai.choice', timeUnixNano: '1795694401000000000', attributes: [{ key: 'index', value: { intValue: '0' } }] }],
              status: { code: 1, message: '' },
            },
          ],
        },
      ],
    },
  ],
};

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** What decoding must fail with: a 400 naming the field. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).message;
  }
  throw new Error('decoded without complaint');
}

describe('the vendored opentelemetry-proto descriptor', () => {
  it('is what protobufjs makes of the vendored .proto files (drift fails here)', () => {
    const script = path.join(__dirname, '../../proto/generate-descriptor.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('holds the three collector services and google.rpc.Status', () => {
    for (const name of ['logs.v1.LogsService', 'trace.v1.TraceService', 'metrics.v1.MetricsService']) {
      expect(OTLP_ROOT.lookupService(`opentelemetry.proto.collector.${name}`).methodsArray.map((m) => m.name)).toEqual(['Export']);
    }
    expect(OTLP_ROOT.lookupType('google.rpc.Status').fieldsArray.map((f) => [f.name, f.id, f.type])).toEqual([
      ['code', 1, 'int32'],
      ['message', 2, 'string'],
      ['details', 3, 'google.protobuf.Any'],
    ]);
  });
});

describe('decodeOtlp: both encodings, one internal form', () => {
  it('reads a logs request into records: hex ids, nanoseconds as decimal strings, AnyValues unwrapped', () => {
    const records = decodeOtlp('logs', 'json', json(logsRequest));
    const expected: OtlpRecord[] = [
      {
        signal: 'logs',
        resource: { 'service.name': 'claude-code', 'host.cpus': 8 },
        scope: { name: 'com.anthropic.claude_code.events', version: '2.0.0', attributes: {} },
        log: {
          timeUnixNano: '1795694400123456789',
          observedTimeUnixNano: '1795694400200000000',
          severityText: 'INFO',
          eventName: 'claude_code.api_request',
          body: 'claude_code.api_request',
          attributes: Object.fromEntries([
            ['session.id', 'sess-1'],
            ['input_tokens', 120],
            ['big', '9007199254740993'],
            ['negative', -5],
            ['cost_usd', 0.0123],
            ['ok', true],
            ['raw', '010203'],
            ['list', ['a', 2, null]],
            ['map', { k: 'v' }],
            ['empty', null],
            ['__proto__', 'own'],
          ]),
          traceId: TRACE,
          spanId: SPAN,
        },
      },
      {
        signal: 'logs',
        resource: { 'service.name': 'claude-code', 'host.cpus': 8 },
        scope: { name: 'com.anthropic.claude_code.events', version: '2.0.0', attributes: {} },
        log: { timeUnixNano: '1795694401000000000', observedTimeUnixNano: '0', severityText: '', eventName: '', body: null, attributes: {}, traceId: '', spanId: '' },
      },
    ];
    expect(records).toEqual(expected);
    expect(Object.getPrototypeOf((records[0] as Extract<OtlpRecord, { signal: 'logs' }>).log.attributes)).toBe(Object.prototype);
  });

  it.each([
    ['logs', logsRequest],
    ['traces', tracesRequest],
  ] as const)('gives deep-equal %s records for the request as JSON and as protobuf', (signal, request) => {
    const fromJson = decodeOtlp(signal, 'json', json(request));
    expect(fromJson).toHaveLength(signal === 'logs' ? 2 : 1);
    expect(decodeOtlp(signal, 'protobuf', otlpProtobuf(signal, request))).toEqual(fromJson);
  });

  it('reads a span: kind and status as numbers, events, parent id', () => {
    expect(decodeOtlp('traces', 'json', json(tracesRequest))).toEqual([
      {
        signal: 'traces',
        resource: { 'service.name': 'app' },
        scope: { name: 'ai', version: '', attributes: { x: false } },
        span: {
          traceId: TRACE,
          spanId: SPAN,
          parentSpanId: '0102030405060708',
          name: 'chat gpt-4o',
          kind: 3,
          startTimeUnixNano: '1795694400000000000',
          endTimeUnixNano: '1795694401500000000',
          attributes: { 'gen_ai.usage.input_tokens': 100 },
          events: [{ name: 'gen_ai.choice', timeUnixNano: '1795694401000000000', attributes: { index: 0 } }],
          status: { code: 1, message: '' },
        },
      },
    ]);
  });

  it('reads 64-bit integers sent as JSON numbers, snake_case field names, enum names and nulls as the Collector does', () => {
    const loose = {
      resource_logs: [
        {
          scope_logs: [
            {
              log_records: [
                { time_unix_nano: 1795694400000000000, severityNumber: 'SEVERITY_NUMBER_INFO', attributes: [{ key: 'n', value: { int_value: 7 } }], body: null },
              ],
            },
          ],
        },
      ],
    };
    const [record] = decodeOtlp('logs', 'json', json(loose));
    expect(record.signal === 'logs' && [record.log.timeUnixNano, record.log.attributes, record.log.body]).toEqual(['1795694400000000000', { n: 7 }, null]);
  });

  it('ignores unknown fields, as OTLP/JSON requires', () => {
    const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1', futureField: { x: 1 } }] }], futureField: 1 }], extra: true };
    expect(decodeOtlp('logs', 'json', json(request))).toHaveLength(1);
  });

  it('takes no inherited property for a field or an enum name', () => {
    const request = { resourceLogs: [{ constructor: 1, toString: 'x', scopeLogs: [{ logRecords: [{ hasOwnProperty: {}, timeUnixNano: '1' }] }] }] };
    expect(decodeOtlp('logs', 'json', json(request))).toHaveLength(1);
    expect(refusal(() => decodeOtlp('logs', 'json', json({ constructor: {} })))).toMatch(/^body: not an OTLP\/JSON ExportLogsServiceRequest/);
    expect(refusal(() => decodeOtlp('logs', 'json', json({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'toString' }] }] }] })))).toMatch(
      /severityNumber: must be an integer/,
    );
  });

  it('reads a JSON body that starts with a byte-order mark', () => {
    expect(decodeOtlp('logs', 'json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(logsRequest)]))).toEqual(decodeOtlp('logs', 'json', json(logsRequest)));
  });

  it('answers an empty request, in either encoding, with no records', () => {
    expect(decodeOtlp('logs', 'json', json({}))).toEqual([]);
    expect(decodeOtlp('traces', 'protobuf', Buffer.alloc(0))).toEqual([]);
  });

  it('decodes metrics to validate them, and gives no records', () => {
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
    expect(decodeOtlp('metrics', 'json', json(metrics))).toEqual([]);
    expect(decodeOtlp('metrics', 'protobuf', otlpProtobuf('metrics', metrics))).toEqual([]);
    expect(refusal(() => decodeOtlp('metrics', 'json', json({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: { dataPoints: [{ asInt: 'x' }] } }] }] }] })))).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].asInt: must be a sfixed64 as a decimal string (or an integer number)',
    );
  });
});

describe('decodeOtlp: bad bodies are a ValidationError naming what is wrong', () => {
  const records = (logRecord: unknown) => json({ resourceLogs: [{ scopeLogs: [{ logRecords: [logRecord] }] }] });
  const at = 'resourceLogs[0].scopeLogs[0].logRecords[0]';

  it.each([
    ['malformed JSON', Buffer.from('{"resourceLogs": ['), /^body: malformed JSON: /],
    ['a JSON array', json([1, 2]), /^body: must be a JSON object \(OTLP\/JSON ExportLogsServiceRequest\)$/],
    ['a JSON string', json('logs'), /^body: must be a JSON object/],
    ['a POST /v1/events batch', json({ events: [{ type: 'TokenUsed' }] }), /^body: not an OTLP\/JSON ExportLogsServiceRequest: expected resourceLogs, got events$/],
    ['resourceLogs not an array', json({ resourceLogs: {} }), /^resourceLogs: must be an array$/],
    ['a record that is not an object', records('x'), new RegExp(`^${escape(at)}: must be an object \\(LogRecord\\)$`)],
    ['a time that is not an integer', records({ timeUnixNano: '12.5' }), new RegExp(`^${escape(at)}.timeUnixNano: must be a fixed64`)],
    ['a negative time', records({ timeUnixNano: '-1' }), new RegExp(`^${escape(at)}.timeUnixNano: must be a fixed64`)],
    ['a time beyond 64 bits', records({ timeUnixNano: '18446744073709551616' }), new RegExp(`^${escape(at)}.timeUnixNano: must be a fixed64`)],
    ['a trace id that is not hex', records({ traceId: 'zz' }), new RegExp(`^${escape(at)}.traceId: must be hex`)],
    ['a string that is a number', records({ severityText: 5 }), new RegExp(`^${escape(at)}.severityText: must be a string$`)],
    ['attributes not an array', records({ attributes: { key: 'a' } }), new RegExp(`^${escape(at)}.attributes: must be an array$`)],
    ['a bool value that is a string', records({ attributes: [{ key: 'a', value: { boolValue: 'yes' } }] }), /\.attributes\[0\]\.value\.boolValue: must be true or false$/],
    ['an unknown enum name', records({ severityNumber: 'LOUD' }), /\.severityNumber: must be an integer \(enum SeverityNumber\)$/],
  ])('%s', (_name, body, message) => {
    expect(refusal(() => decodeOtlp('logs', 'json', body))).toMatch(message);
  });

  it('refuses attribute values nested past 32 levels, and bodies nested past the stack, in either encoding', () => {
    const nested = (depth: number): unknown => (depth ? { arrayValue: { values: [nested(depth - 1)] } } : { stringValue: 'x' });
    const request = (depth: number) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ key: 'deep', value: nested(depth) }] }] }] }] });
    expect(decodeOtlp('logs', 'json', json(request(32)))).toHaveLength(1);
    const message = 'body: an attribute value nests arrays or kvlists more than 32 deep';
    expect(refusal(() => decodeOtlp('logs', 'json', json(request(33))))).toBe(message);
    expect(refusal(() => decodeOtlp('logs', 'protobuf', otlpProtobuf('logs', request(33))))).toBe(message);
    const abyss = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${'{"arrayValue":{"values":['.repeat(200_000)}${']}}'.repeat(200_000)}}]}]}]}`;
    expect(refusal(() => decodeOtlp('logs', 'json', Buffer.from(abyss)))).toMatch(/^body: (nested too deeply|malformed JSON)/);
  });

  it('answers any bytes with records or a ValidationError, never another error (mutated encodings, seeded)', () => {
    let seed = 16;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const valid = otlpProtobuf('logs', logsRequest);
    const outcomes = { decoded: 0, refused: 0 };
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(valid);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const body = i % 3 === 0 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      try {
        decodeOtlp('logs', 'protobuf', body);
        outcomes.decoded++;
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        outcomes.refused++;
      }
    }
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });

  it('refuses bytes that are not protobuf, naming the message', () => {
    expect(refusal(() => decodeOtlp('logs', 'protobuf', Buffer.from('this is not protobuf')))).toMatch(/^body: not a protobuf ExportLogsServiceRequest: /);
    expect(refusal(() => decodeOtlp('traces', 'protobuf', Buffer.from([0x0a, 0x05, 0x01])))).toMatch(/^body: not a protobuf ExportTraceServiceRequest: /);
  });
});

describe('export responses', () => {
  it('is empty on full success, in both encodings', () => {
    expect(exportResponseJson('logs', { rejected: 0, errorMessage: '' })).toEqual({});
    expect(exportResponseProtobuf('traces', { rejected: 0, errorMessage: '' })).toHaveLength(0);
  });

  it('carries partialSuccess with the rejected count (int64: a string in JSON) and why', () => {
    expect(exportResponseJson('logs', { rejected: 2, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'why' } });
    expect(exportResponseJson('traces', { rejected: 1, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'why' } });
    const type = responseType('traces');
    const decoded = type.toObject(type.decode(exportResponseProtobuf('traces', { rejected: 3, errorMessage: 'why' })), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: 3, errorMessage: 'why' } });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
