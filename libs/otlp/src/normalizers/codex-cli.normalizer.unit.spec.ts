import { Attributes, OtlpRecord, OtlpScope } from '../otlp-model';
import { normalizeRecords } from '../normalize-records';
import { codexCli } from './codex-cli.normalizer';
import { thrown, without } from '../../testing/normalizer-spec';

const SCOPE: OtlpScope = { name: 'codex_otel.log_only', version: '', attributes: {} };
const RESOURCE = { 'service.name': 'codex_cli_rs', 'service.version': '0.160.0', env: 'dev' };
const META = { 'conversation.id': 'conv-1', model: 'gpt-5.3-codex', slug: 'gpt-5.3-codex', 'app.version': '0.160.0', 'event.timestamp': '2026-11-20T16:40:09.377Z' };
const AT = '1795192809377000000'; // 2026-11-20T16:40:09.377Z

const log = (attributes: Attributes, over: Partial<{ resource: Attributes; scope: OtlpScope; eventName: string }> = {}): OtlpRecord => ({
  signal: 'logs',
  resource: over.resource ?? RESOURCE,
  scope: over.scope ?? SCOPE,
  log: {
    timeUnixNano: AT, observedTimeUnixNano: AT, severityText: 'INFO', eventName: over.eventName ?? '', body: null,
    attributes: { ...META, ...attributes }, traceId: '', spanId: '',
  },
});

const span = (name: string, attributes: Attributes, resource: Attributes = RESOURCE): OtlpRecord => ({
  signal: 'traces',
  resource,
  scope: { name: 'codex_cli_rs', version: '0.160.0', attributes: {} },
  span: {
    traceId: '7d1c5e9a3b2f4e6d8a0c1b3d5f7e9a2c', spanId: '2b3c4d5e6f708192', parentSpanId: '', name, kind: 1,
    startTimeUnixNano: AT, endTimeUnixNano: AT, attributes, events: [], status: { code: 0, message: '' },
  },
});

const completed = (usage: Attributes): OtlpRecord => log({ 'event.name': 'codex.sse_event', 'event.kind': 'response.completed', ...usage });

const errorOf = (record: OtlpRecord) => thrown(() => codexCli.normalize(record));

describe('codexCli normalizer', () => {
  describe('claims', () => {
    it('its logs by target scope, by service name, or by event name', () => {
      expect(codexCli.claims(completed({}))).toBe(true);
      expect(codexCli.claims(log({ 'event.name': 'codex.user_prompt' }, { scope: { name: '', version: '', attributes: {} } }))).toBe(true);
      expect(codexCli.claims(log({ 'event.name': 'codex.tool_result' }, { resource: {}, scope: { name: '', version: '', attributes: {} } }))).toBe(true);
    });

    it('its spans, which repeat the usage as gen_ai.usage.*, by service name or by its own codex.* attributes', () => {
      expect(codexCli.claims(span('handle_responses', { 'gen_ai.usage.input_tokens': 9120 }))).toBe(true);
      expect(codexCli.claims(span('handle_responses', { 'gen_ai.usage.input_tokens': 9120, 'codex.usage.total_tokens': 9575 }, { 'service.name': 'my-wrapper' }))).toBe(true);
      expect(codexCli.claims(span('run_turn', { 'codex.turn.token_usage.input_tokens': 9120 }, {}))).toBe(true);
    });

    it('not other sources’ records', () => {
      const other = { resource: { 'service.name': 'claude-code' }, scope: { name: 'com.anthropic.claude_code.events', version: '', attributes: {} } };
      expect(codexCli.claims(log({ 'event.name': 'api_request' }, other))).toBe(false);
      expect(codexCli.claims(span('chat gpt-5', { 'gen_ai.usage.input_tokens': 10 }, { 'service.name': 'svc' }))).toBe(false);
    });
  });

  describe('response.completed', () => {
    it('takes cached tokens out of the input and keeps reasoning inside the output, as OpenAI counts them', () => {
      expect(codexCli.normalize(completed({ input_token_count: '18342', output_token_count: '1210', cached_token_count: 14080, reasoning_token_count: 768, tool_token_count: '19552' }))).toEqual([
        {
          type: 'TokenUsed', session_id: 'conv-1', occurred_at: '2026-11-20T16:40:09.377Z', model: 'gpt-5.3-codex', provider: 'openai',
          input_tokens: 4262, output_tokens: 1210, cache_read_tokens: 14080, cache_creation_tokens: 0, reasoning_tokens: 768,
        },
      ]);
    });

    it('reads a response without cached or reasoning counts (Codex writes them only when the API gave them)', () => {
      expect(codexCli.normalize(completed({ input_token_count: '812', output_token_count: '40', tool_token_count: '852' }))[0]).toEqual({
        type: 'TokenUsed', session_id: 'conv-1', occurred_at: '2026-11-20T16:40:09.377Z', model: 'gpt-5.3-codex', provider: 'openai',
        input_tokens: 812, output_tokens: 40, cache_read_tokens: 0, cache_creation_tokens: 0,
      });
    });

    it('takes cache writes, which later versions report inside the input too, out of it', () => {
      expect(codexCli.normalize(completed({ input_token_count: '9120', output_token_count: '455', cached_token_count: 7680, cache_write_token_count: 1024 }))[0]).toMatchObject({
        input_tokens: 416, cache_read_tokens: 7680, cache_creation_tokens: 1024,
      });
      expect(errorOf(completed({ input_token_count: '9120', output_token_count: '455', cached_token_count: 7680, cache_write_token_count: 1441 })).attribute).toBe('cache_write_token_count');
    });

    it('finds its name in event.name even when the OTLP event name is the tracing callsite', () => {
      const record = log({ 'event.name': 'codex.sse_event', 'event.kind': 'response.completed', input_token_count: '10', output_token_count: '2' }, { eventName: 'event codex-rs/otel/src/events/session_telemetry.rs:861' });
      expect(codexCli.normalize(record)).toHaveLength(1);
    });

    it.each([
      ['cached_token_count', { input_token_count: '1200', output_token_count: '40', cached_token_count: 3072 }],
      ['reasoning_token_count', { input_token_count: '1200', output_token_count: '40', reasoning_token_count: 64 }],
      ['input_token_count', { output_token_count: '40' }],
      ['output_token_count', { input_token_count: '1200', output_token_count: '4O' }],
    ])('rejects a usage whose %s cannot be right, naming it', (attribute, usage) => {
      expect(errorOf(completed(usage)).attribute).toBe(attribute);
    });

    it('rejects a usage without a model or a conversation', () => {
      expect(errorOf(log({ 'event.name': 'codex.sse_event', 'event.kind': 'response.completed', input_token_count: '1', output_token_count: '1', model: '' })).attribute).toBe('model');
      expect(errorOf(without(completed({ input_token_count: '1', output_token_count: '1' }), 'conversation.id')).attribute).toBe('conversation.id');
    });

    it('makes nothing of a completion Codex failed to read, nor of other stream events', () => {
      expect(codexCli.normalize(completed({ 'error.message': 'failed to parse response.completed' }))).toEqual([]);
      expect(codexCli.normalize(completed({ success: false, 'error.type': 'response_completed' }))).toEqual([]);
      expect(codexCli.normalize(log({ 'event.name': 'codex.sse_event', 'event.kind': 'response.output_item.done', duration_ms: '3' }))).toEqual([]);
    });
  });

  describe('tool_result', () => {
    it('is a ToolCalled with its duration and outcome', () => {
      expect(codexCli.normalize(log({ 'event.name': 'codex.tool_result', tool_name: 'shell', call_id: 'call_1', duration_ms: '4127', success: 'true', output: 'ok' }))).toEqual([
        { type: 'ToolCalled', session_id: 'conv-1', occurred_at: '2026-11-20T16:40:09.377Z', tool_name: 'shell', duration_ms: 4127, status: 'ok' },
      ]);
      expect(codexCli.normalize(log({ 'event.name': 'codex.tool_result', tool_name: 'apply_patch', duration_ms: '0', success: 'false' }))[0]).toMatchObject({ status: 'error', duration_ms: 0 });
    });

    it('rejects a result naming no tool', () => {
      expect(errorOf(log({ 'event.name': 'codex.tool_result', duration_ms: '5', success: 'true' })).attribute).toBe('tool_name');
    });
  });

  it('makes nothing of records that carry no usage', () => {
    for (const name of ['codex.conversation_starts', 'codex.user_prompt', 'codex.api_request', 'codex.tool_decision', 'codex.websocket_event', 'codex.turn_ttft']) {
      expect(codexCli.normalize(log({ 'event.name': name, 'event.kind': 'response.completed' }))).toEqual([]);
    }
  });

  it('makes nothing of its spans: the response.completed log is its usage', () => {
    expect(codexCli.normalize(span('handle_responses', { 'gen_ai.usage.input_tokens': 9120, 'gen_ai.usage.cache_read.input_tokens': 7680, 'gen_ai.usage.output_tokens': 455 }))).toEqual([]);
  });

  it('counts a response once when both its log and its spans are sent', () => {
    const { events, ignored } = normalizeRecords([
      span('run_turn', { 'codex.turn.token_usage.input_tokens': 9120, 'codex.turn.token_usage.cached_input_tokens': 7680, 'codex.turn.token_usage.output_tokens': 455 }),
      span('handle_responses', { 'gen_ai.usage.input_tokens': 9120, 'gen_ai.usage.cache_read.input_tokens': 7680, 'gen_ai.usage.output_tokens': 455, 'codex.usage.total_tokens': 9575 }),
      completed({ input_token_count: '9120', output_token_count: '455', cached_token_count: 7680, reasoning_token_count: 192 }),
    ]);
    expect({ sources: events.map((e) => `${e.source}:${e.event.type}`), ignored }).toEqual({ sources: ['codex:TokenUsed'], ignored: 0 });
  });
});
