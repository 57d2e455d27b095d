import { Attributes, OtlpRecord, OtlpScope } from '../otlp-model';
import { normalizeRecords } from '../normalize-records';
import { geminiCli } from './gemini-cli.normalizer';
import { thrown, without } from '../../testing/normalizer-spec';

const SCOPE: OtlpScope = { name: 'gemini-cli', version: '', attributes: {} };
const RESOURCE = { 'service.name': 'gemini-cli', 'service.version': 'v22.12.0', 'session.id': 'gem-1' };
const AT = '1795169711904000000'; // 2026-11-20T10:15:11.904Z

const log = (attributes: Attributes, over: Partial<{ resource: Attributes; scope: OtlpScope }> = {}): OtlpRecord => ({
  signal: 'logs',
  resource: over.resource ?? RESOURCE,
  scope: over.scope ?? SCOPE,
  log: {
    timeUnixNano: AT, observedTimeUnixNano: AT, severityText: '', eventName: '', body: 'API response from gemini-2.5-pro. Status: 200. Duration: 2140ms.',
    attributes: { 'session.id': 'gem-1', 'installation.id': 'inst-1', interactive: true, ...attributes }, traceId: '', spanId: '',
  },
});

const response = (usage: Attributes): OtlpRecord =>
  log({ 'event.name': 'gemini_cli.api_response', model: 'gemini-2.5-pro', duration_ms: 2140, status_code: 200, role: 'main', ...usage });

const errorOf = (record: OtlpRecord) => thrown(() => geminiCli.normalize(record));

describe('geminiCli normalizer', () => {
  describe('claims', () => {
    it('its logs, its GenAI-form twins and its spans, by service, scope or event name', () => {
      expect(geminiCli.claims(response({}))).toBe(true);
      expect(geminiCli.claims(log({ 'event.name': 'gen_ai.client.inference.operation.details', 'gen_ai.usage.input_tokens': 38412 }))).toBe(true);
      expect(geminiCli.claims(log({ 'event.name': 'gemini_cli.tool_call' }, { resource: {}, scope: { name: '', version: '', attributes: {} } }))).toBe(true);
      const llmCall: OtlpRecord = {
        signal: 'traces', resource: RESOURCE, scope: { name: 'gemini-cli', version: 'v1', attributes: {} },
        span: { traceId: 'e1f2a3b4c5d6e7f8091a2b3c4d5e6f70', spanId: '0a1b2c3d4e5f6071', parentSpanId: '', name: 'llm_call', kind: 1, startTimeUnixNano: AT, endTimeUnixNano: AT,
          attributes: { 'gen_ai.usage.input_tokens': 38412, 'gen_ai.usage.output_tokens': 1386 }, events: [], status: { code: 0, message: '' } },
      };
      expect(geminiCli.claims(llmCall)).toBe(true);
      expect(geminiCli.normalize(llmCall)).toEqual([]);
    });

    it('not other sources’ records', () => {
      const elsewhere = { resource: { 'service.name': 'my-app' }, scope: { name: '@ai-sdk/google', version: '', attributes: {} } };
      expect(geminiCli.claims(log({ 'event.name': 'gen_ai.client.inference.operation.details', 'gen_ai.usage.input_tokens': 5 }, elsewhere))).toBe(false);
    });
  });

  describe('api_response', () => {
    it('takes cached content out of the input and bills thoughts as output beside the candidates', () => {
      expect(geminiCli.normalize(response({ input_token_count: 38412, output_token_count: 1386, cached_content_token_count: 30720, thoughts_token_count: 1104, tool_token_count: 0, total_token_count: 40902 }))).toEqual([
        {
          type: 'TokenUsed', session_id: 'gem-1', occurred_at: '2026-11-20T10:15:11.904Z', model: 'gemini-2.5-pro', provider: 'google',
          input_tokens: 7692, output_tokens: 2490, cache_read_tokens: 30720, cache_creation_tokens: 0, reasoning_tokens: 1104, step_name: 'main',
        },
      ]);
    });

    it('reads counts sent as text, and a model without thoughts or cache', () => {
      expect(geminiCli.normalize(response({ model: 'gemini-2.5-flash-lite', role: 'utility_router', input_token_count: '1850', output_token_count: '24', cached_content_token_count: '0', thoughts_token_count: '0' }))[0]).toEqual({
        type: 'TokenUsed', session_id: 'gem-1', occurred_at: '2026-11-20T10:15:11.904Z', model: 'gemini-2.5-flash-lite', provider: 'google',
        input_tokens: 1850, output_tokens: 24, cache_read_tokens: 0, cache_creation_tokens: 0, step_name: 'utility_router',
      });
    });

    it.each([
      ['cached_content_token_count', { input_token_count: 100, output_token_count: 5, cached_content_token_count: 101 }],
      ['thoughts_token_count', { input_token_count: 100, output_token_count: 5, thoughts_token_count: 2.5 }],
      ['input_token_count', { output_token_count: 5 }],
      ['output_token_count', { input_token_count: 100, output_token_count: null }],
      ['model', { input_token_count: 100, output_token_count: 5, model: '' }],
    ])('rejects a response whose %s cannot be right, naming it', (attribute, usage) => {
      expect(errorOf(response(usage)).attribute).toBe(attribute);
    });

    it('takes the session from the resource, and rejects a response that has none anywhere', () => {
      const bare = without(response({ input_token_count: 10, output_token_count: 1 }), 'session.id');
      expect(geminiCli.normalize(bare)[0]).toMatchObject({ session_id: 'gem-1' });
      expect(errorOf({ ...bare, resource: { 'service.name': 'gemini-cli' } }).attribute).toBe('session.id');
    });
  });

  describe('tool_call', () => {
    it('is a ToolCalled with its duration and outcome', () => {
      expect(geminiCli.normalize(log({ 'event.name': 'gemini_cli.tool_call', function_name: 'run_shell_command', duration_ms: 2311, success: true, decision: 'accept', tool_type: 'native' }))).toEqual([
        { type: 'ToolCalled', session_id: 'gem-1', occurred_at: '2026-11-20T10:15:11.904Z', tool_name: 'run_shell_command', duration_ms: 2311, status: 'ok' },
      ]);
      expect(geminiCli.normalize(log({ 'event.name': 'gemini_cli.tool_call', function_name: 'read_file', duration_ms: 3, success: false, error_type: 'file_not_found' }))[0]).toMatchObject({ status: 'error' });
    });

    it('makes nothing of a call the user rejected, which never ran', () => {
      expect(geminiCli.normalize(log({ 'event.name': 'gemini_cli.tool_call', function_name: 'write_file', duration_ms: 0, success: false, decision: 'reject' }))).toEqual([]);
    });

    it('rejects a call naming no function', () => {
      expect(errorOf(log({ 'event.name': 'gemini_cli.tool_call', duration_ms: 1, success: true })).attribute).toBe('function_name');
    });
  });

  it('makes nothing of records that carry no usage, nor of the GenAI-form twin of a response', () => {
    for (const name of ['gemini_cli.config', 'gemini_cli.user_prompt', 'gemini_cli.api_request', 'gemini_cli.api_error', 'gen_ai.client.inference.operation.details']) {
      expect(geminiCli.normalize(log({ 'event.name': name, model: 'gemini-2.5-pro', 'gen_ai.usage.input_tokens': 38412, 'gen_ai.usage.output_tokens': 1386 }))).toEqual([]);
    }
  });

  it('counts a response once though Gemini CLI also sends it in GenAI form', () => {
    const usage = { input_token_count: 38412, output_token_count: 1386, cached_content_token_count: 30720, thoughts_token_count: 1104 };
    const { events, ignored } = normalizeRecords([
      response(usage),
      log({ 'event.name': 'gen_ai.client.inference.operation.details', 'gen_ai.operation.name': 'generate_content', 'gen_ai.request.model': 'gemini-2.5-pro', 'gen_ai.usage.input_tokens': 38412, 'gen_ai.usage.output_tokens': 1386 }),
    ]);
    expect({ sources: events.map((e) => `${e.source}:${e.event.type}`), ignored }).toEqual({ sources: ['gemini-cli:TokenUsed'], ignored: 0 });
  });
});
