import { Attributes, OtlpRecord } from '../otlp-model';
import { normalizeRecords } from '../normalize-records';
import { claudeCode, claudeProvider } from './claude-code.normalizer';
import { thrown, without } from '../../testing/normalizer-spec';

const SCOPE = { name: 'com.anthropic.claude_code.events', version: '2.1.302', attributes: {} };
const RESOURCE = { 'service.name': 'claude-code', 'service.version': '2.1.302' };
const AT = '1795183392911000000'; // 2026-11-20T14:03:12.911Z

const log = (name: string, attributes: Attributes, over: Partial<{ resource: Attributes; scope: typeof SCOPE; time: string; body: string }> = {}): OtlpRecord => ({
  signal: 'logs',
  resource: over.resource ?? RESOURCE,
  scope: over.scope ?? SCOPE,
  log: {
    timeUnixNano: over.time ?? AT,
    observedTimeUnixNano: over.time ?? AT,
    severityText: '',
    eventName: '',
    body: over.body ?? `claude_code.${name}`,
    attributes: { 'session.id': 'sess-1', 'event.name': name, 'event.timestamp': '2026-11-20T14:03:12.911Z', ...attributes },
    traceId: '',
    spanId: '',
  },
});

const span = (
  name: string,
  attributes: Attributes,
  scope = { name: 'com.anthropic.claude_code.tracing', version: '2.1.302', attributes: {} },
  over: Partial<{ resource: Attributes; status: number; spanId: string }> = {},
): OtlpRecord => ({
  signal: 'traces',
  resource: over.resource ?? RESOURCE,
  scope,
  span: {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: over.spanId ?? '5fb397be34d26b51', parentSpanId: '', name, kind: 1,
    startTimeUnixNano: AT, endTimeUnixNano: AT, attributes, events: [], status: { code: over.status ?? 0, message: '' },
  },
});

/** What a process that set OTEL_RESOURCE_ATTRIBUTES=ledger.usage_signal=traces sends. */
const TRACES = { ...RESOURCE, 'ledger.usage_signal': 'traces' };
const tracedSpan = (name: string, attributes: Attributes, over: Partial<{ status: number; spanId: string }> = {}): OtlpRecord =>
  span(name, { 'session.id': 'sess-1', ...attributes }, undefined, { ...over, resource: TRACES });
const tracedLog = (name: string, attributes: Attributes): OtlpRecord => log(name, attributes, { resource: TRACES });

const usage = {
  model: 'claude-opus-4-8', input_tokens: '6', output_tokens: '1840', cache_read_tokens: '48213', cache_creation_tokens: '3120',
  cost_usd: 0.179273, speed: 'fast', query_source: 'repl_main_thread',
};

const errorOf = (record: OtlpRecord) => thrown(() => claudeCode.normalize(record));

describe('claudeCode normalizer', () => {
  describe('claims', () => {
    it('its event logs by scope, by service, or by the name in the body', () => {
      expect(claudeCode.claims(log('api_request', usage))).toBe(true);
      expect(claudeCode.claims(log('user_prompt', {}, { resource: {}, scope: { name: '', version: '', attributes: {} } }))).toBe(true);
      expect(claudeCode.claims(log('x', {}, { resource: { 'service.name': 'claude-code' }, scope: { name: 'other', version: '', attributes: {} } }))).toBe(true);
    });

    it('its spans, so that the GenAI normalizer never reads their gen_ai.* attributes', () => {
      expect(claudeCode.claims(span('claude_code.llm_request', { 'gen_ai.system': 'anthropic' }))).toBe(true);
      expect(claudeCode.claims({ ...span('claude_code.tool', {}, { name: 'x', version: '', attributes: {} }), resource: {} })).toBe(true);
    });

    it('not other sources’ records', () => {
      const elsewhere = { resource: { 'service.name': 'gemini-cli' }, scope: { name: 'gemini-cli', version: '', attributes: {} } };
      expect(claudeCode.claims(log('api_response', {}, { ...elsewhere, body: 'API response from gemini-2.5-pro.' }))).toBe(false);
      expect(claudeCode.claims({ ...span('chat gpt-5', { 'gen_ai.usage.input_tokens': 5 }, { name: 'openai', version: '', attributes: {} }), resource: { 'service.name': 'svc' } })).toBe(false);
    });
  });

  describe('api_request', () => {
    it('is a TokenUsed with Anthropic’s token classes as they are, speed, step and reported cost', () => {
      expect(claudeCode.normalize(log('api_request', usage))).toEqual([
        {
          type: 'TokenUsed', session_id: 'sess-1', occurred_at: '2026-11-20T14:03:12.911Z', model: 'claude-opus-4-8', provider: 'anthropic',
          input_tokens: 6, output_tokens: 1840, cache_read_tokens: 48213, cache_creation_tokens: 3120,
          speed: 'fast', step_name: 'repl_main_thread', reported_cost_usd: '0.179273',
        },
      ]);
    });

    it('leaves normal speed, an absent cost and absent cache counts to their defaults', () => {
      const [event] = claudeCode.normalize(log('api_request', { model: 'claude-haiku-4-5-20251001', input_tokens: 412, output_tokens: 18, speed: 'normal' }));
      expect(event).toEqual({
        type: 'TokenUsed', session_id: 'sess-1', occurred_at: '2026-11-20T14:03:12.911Z', model: 'claude-haiku-4-5-20251001', provider: 'anthropic',
        input_tokens: 412, output_tokens: 18, cache_read_tokens: 0, cache_creation_tokens: 0,
      });
    });

    it('reads cost_usd as its text, and cost_usd_micros exactly when that is all there is', () => {
      expect(claudeCode.normalize(log('api_request', { ...usage, cost_usd: '0.000502' }))[0].reported_cost_usd).toBe('0.000502');
      const { cost_usd: _, ...noDollars } = usage;
      expect(claudeCode.normalize(log('api_request', { ...noDollars, cost_usd_micros: '106348' }))[0].reported_cost_usd).toBe('0.106348');
    });

    it('takes the session from the resource when the record has none, and the time from event.timestamp when the record has none', () => {
      const record = without(log('api_request', usage, { resource: { ...RESOURCE, 'session.id': 'from-resource' }, time: '0' }), 'session.id');
      const [event] = claudeCode.normalize(record);
      expect(event).toMatchObject({ session_id: 'from-resource', occurred_at: '2026-11-20T14:03:12.911Z' });
    });

    it.each([
      ['model', { ...usage, model: undefined }],
      ['input_tokens', { ...usage, input_tokens: 'n/a' }],
      ['output_tokens', { ...usage, output_tokens: undefined }],
      ['cache_read_tokens', { ...usage, cache_read_tokens: '-3' }],
      ['cost_usd', { ...usage, cost_usd: 'about a cent' }],
    ])('rejects a record whose %s is missing or unreadable, naming it', (attribute, attributes) => {
      const defined = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Attributes;
      expect(errorOf(log('api_request', defined)).attribute).toBe(attribute);
    });

    it('rejects a record without a session', () => {
      expect(errorOf(without(log('api_request', usage), 'session.id')).attribute).toBe('session.id');
    });
  });

  describe('tool_result', () => {
    it('is a ToolCalled with its duration and outcome, from text or booleans', () => {
      expect(claudeCode.normalize(log('tool_result', { tool_name: 'Bash', success: 'true', duration_ms: '1834' }))).toEqual([
        { type: 'ToolCalled', session_id: 'sess-1', occurred_at: '2026-11-20T14:03:12.911Z', tool_name: 'Bash', duration_ms: 1834, status: 'ok' },
      ]);
      expect(claudeCode.normalize(log('tool_result', { tool_name: 'Read', success: false, duration_ms: 12.4 }))[0]).toMatchObject({ duration_ms: 12, status: 'error' });
    });

    it('reads the older `name`, and rejects a result naming no tool or an unreadable duration', () => {
      expect(claudeCode.normalize(log('tool_result', { name: 'Edit', success: 'true' }))[0]).toMatchObject({ tool_name: 'Edit' });
      expect(errorOf(log('tool_result', { success: 'true' })).attribute).toBe('tool_name');
      expect(errorOf(log('tool_result', { tool_name: 'Bash', duration_ms: 'slow' })).attribute).toBe('duration_ms');
    });
  });

  it('makes nothing of records that carry no usage', () => {
    for (const name of ['user_prompt', 'tool_decision', 'api_error', 'assistant_response', 'api_refusal']) {
      expect(claudeCode.normalize(log(name, { model: 'claude-opus-4-8' }))).toEqual([]);
    }
  });

  it('makes nothing of its spans by default, or with any ledger.usage_signal but traces: the logs are its usage', () => {
    for (const resource of [RESOURCE, { ...RESOURCE, 'ledger.usage_signal': 'logs' }, { ...RESOURCE, 'ledger.usage_signal': 'spans' }]) {
      expect(claudeCode.normalize(span('claude_code.llm_request', { ...usage, 'session.id': 'sess-1' }, undefined, { resource }))).toEqual([]);
      expect(claudeCode.normalize(span('claude_code.tool', { 'session.id': 'sess-1', tool_name: 'Bash', duration_ms: 1887 }, undefined, { resource }))).toEqual([]);
    }
  });

  describe('with ledger.usage_signal=traces', () => {
    const llmRequest = { ...usage, request_id: 'req_011CVhT4Wm2pL9xGvC7sQe5A', success: true, duration_ms: 4208 };

    it('reads an llm_request span as the api_request log: a TokenUsed with the same token classes, speed and step, at the span’s end', () => {
      const { cost_usd: _, ...spanUsage } = llmRequest;
      expect(claudeCode.normalize(tracedSpan('claude_code.llm_request', spanUsage))).toEqual([
        {
          type: 'TokenUsed', session_id: 'sess-1', occurred_at: '2026-11-20T14:03:12.911Z', model: 'claude-opus-4-8', provider: 'anthropic',
          input_tokens: 6, output_tokens: 1840, cache_read_tokens: 48213, cache_creation_tokens: 3120, speed: 'fast', step_name: 'repl_main_thread',
        },
      ]);
      expect(claudeCode.normalize(tracedSpan('claude_code.llm_request', { ...spanUsage, model: 'us.anthropic.claude-opus-4-8-v1:0' }))[0]).toMatchObject({ provider: 'aws' });
    });

    it('keeps a cost the span reports', () => {
      expect(claudeCode.normalize(tracedSpan('claude_code.llm_request', llmRequest))[0].reported_cost_usd).toBe('0.179273');
    });

    it('makes nothing of a failed llm_request, as of an api_error log', () => {
      const { input_tokens: _i, output_tokens: _o, ...noCounts } = llmRequest;
      expect(claudeCode.normalize(tracedSpan('claude_code.llm_request', { ...noCounts, success: false, error: 'overloaded_error' }))).toEqual([]);
      expect(claudeCode.normalize(tracedSpan('claude_code.llm_request', noCounts, { status: 2 }))).toEqual([]);
    });

    it.each(['model', 'session.id', 'input_tokens', 'output_tokens'])('rejects an llm_request span without %s, naming it', (attribute) => {
      expect(errorOf(without(tracedSpan('claude_code.llm_request', llmRequest), attribute)).attribute).toBe(attribute);
    });

    it('rejects an llm_request span whose count is unreadable, naming it', () => {
      expect(errorOf(tracedSpan('claude_code.llm_request', { ...llmRequest, cache_creation_tokens: 'lots' })).attribute).toBe('cache_creation_tokens');
    });

    it('reads a claude_code.tool span as a ToolCalled, its status from success or the span status when either says', () => {
      expect(claudeCode.normalize(tracedSpan('claude_code.tool', { tool_name: 'Bash', duration_ms: 1887, result_tokens: 578 }))).toEqual([
        { type: 'ToolCalled', session_id: 'sess-1', occurred_at: '2026-11-20T14:03:12.911Z', tool_name: 'Bash', duration_ms: 1887 },
      ]);
      expect(claudeCode.normalize(tracedSpan('claude_code.tool', { tool_name: 'Read' }, { status: 2 }))[0]).toMatchObject({ tool_name: 'Read', status: 'error' });
      expect(claudeCode.normalize(tracedSpan('claude_code.tool', { tool_name: 'Read' }, { status: 1 }))[0]).toMatchObject({ status: 'ok' });
      expect(claudeCode.normalize(tracedSpan('claude_code.tool', { tool_name: 'Edit', success: false }, { status: 1 }))[0]).toMatchObject({ status: 'error' });
    });

    it('rejects a tool span naming no tool or no session, or with an unreadable duration', () => {
      expect(errorOf(tracedSpan('claude_code.tool', { duration_ms: 1887 })).attribute).toBe('tool_name');
      expect(errorOf(without(tracedSpan('claude_code.tool', { tool_name: 'Bash' }), 'session.id')).attribute).toBe('session.id');
      expect(errorOf(tracedSpan('claude_code.tool', { tool_name: 'Bash', duration_ms: 'slow' })).attribute).toBe('duration_ms');
    });

    it('makes nothing of its other spans: the interaction, the permission wait and the execution within a tool span', () => {
      for (const name of ['claude_code.interaction', 'claude_code.tool.blocked_on_user', 'claude_code.tool.execution', 'claude_code.hook']) {
        expect(claudeCode.normalize(tracedSpan(name, { ...llmRequest, tool_name: 'Bash' }))).toEqual([]);
      }
    });

    it('makes nothing of its api_request and tool_result logs, not even an unreadable one', () => {
      expect(claudeCode.normalize(tracedLog('api_request', usage))).toEqual([]);
      expect(claudeCode.normalize(tracedLog('api_request', { model: 'claude-opus-4-8' }))).toEqual([]);
      expect(claudeCode.normalize(tracedLog('tool_result', { tool_name: 'Bash', success: 'true', duration_ms: '1834' }))).toEqual([]);
    });

    it('counts each call once when the process exports both signals', () => {
      const { events, rejected, ignored } = normalizeRecords([
        tracedSpan('claude_code.llm_request', { ...llmRequest, 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-opus-4-8' }),
        tracedLog('api_request', llmRequest),
        tracedSpan('claude_code.tool', { tool_name: 'Bash', duration_ms: 1887 }, { spanId: 'a3ce929d0e0e4736' }),
        tracedLog('tool_result', { tool_name: 'Bash', success: 'true', duration_ms: '1834' }),
      ]);
      expect({ sources: events.map((e) => `${e.record}:${e.source}:${e.event.type}`), rejected, ignored }).toEqual({
        sources: ['0:claude-code:TokenUsed', '2:claude-code:ToolCalled'],
        rejected: [],
        ignored: 0,
      });
    });

    it('gives a span’s events ids from its trace and span ids, so a resent span is the same event and another span is not', () => {
      const id = (spanId: string) => normalizeRecords([tracedSpan('claude_code.llm_request', llmRequest, { spanId })]).events[0].event.event_id;
      expect(id('5fb397be34d26b51')).toBe(id('5fb397be34d26b51'));
      expect(id('5fb397be34d26b51')).not.toBe(id('6fb397be34d26b52'));
    });
  });

  it.each([
    ['claude-sonnet-4-5-20250929', 'anthropic'],
    ['claude-opus-4-8[1m]', 'anthropic'],
    ['us.anthropic.claude-opus-4-8-v1:0', 'aws'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'aws'],
    ['anthropic.claude-3-5-haiku-20241022-v1:0', 'aws'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', 'aws'],
    ['claude-sonnet-4-5@20250929', 'google'],
  ])('prices %s by %s', (model, provider) => {
    expect(claudeProvider(model)).toBe(provider);
  });

  it('by default, counts a call once when both its api_request log and its llm_request span are sent', () => {
    const call = { model: 'claude-opus-4-8', input_tokens: 6, output_tokens: 1840, cache_read_tokens: 48213, cache_creation_tokens: 3120, request_id: 'req_011CVhT4Wm2pL9xGvC7sQe5A' };
    const { events, rejected, ignored } = normalizeRecords([
      span('claude_code.llm_request', { ...call, 'session.id': 'sess-1', 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-opus-4-8', 'gen_ai.response.id': call.request_id }),
      log('api_request', { ...call, cost_usd: 0.179273, speed: 'fast' }),
    ]);
    expect({ sources: events.map((e) => `${e.source}:${e.event.type}`), rejected, ignored }).toEqual({ sources: ['claude-code:TokenUsed'], rejected: [], ignored: 0 });
  });
});
