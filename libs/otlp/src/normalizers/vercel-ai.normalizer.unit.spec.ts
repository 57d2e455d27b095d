import { Attributes, OtlpRecord } from '../otlp-model';
import { genAi } from './gen-ai.normalizer';
import { vercelAi } from './vercel-ai.normalizer';
import { thrown } from '../../testing/normalizer-spec';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

const span = (attributes: Attributes, name = String(attributes['ai.operationId'] ?? 'x'), status = 0): OtlpRecord => ({
  signal: 'traces',
  resource: { 'service.name': 'next-app' },
  scope: { name: 'ai', version: '', attributes: {} },
  span: {
    traceId: TRACE,
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    name,
    kind: 1,
    startTimeUnixNano: '1795000000000000000',
    endTimeUnixNano: '1795000001500000000',
    attributes,
    events: [],
    status: { code: status, message: '' },
  },
});

/** What AI SDK 6 puts on an Anthropic doGenerate span (generate-text.ts, convert-anthropic-messages-usage.ts). */
const v6Anthropic: Attributes = {
  'operation.name': 'ai.generateText.doGenerate',
  'ai.operationId': 'ai.generateText.doGenerate',
  'ai.model.provider': 'anthropic.messages',
  'ai.model.id': 'claude-sonnet-4-5',
  'ai.response.model': 'claude-sonnet-4-5-20250929',
  'ai.response.id': 'msg_01',
  'ai.usage.inputTokens': 3100,
  'ai.usage.inputTokenDetails.noCacheTokens': 100,
  'ai.usage.inputTokenDetails.cacheReadTokens': 2000,
  'ai.usage.inputTokenDetails.cacheWriteTokens': 1000,
  'ai.usage.outputTokens': 250,
  'ai.usage.totalTokens': 3350,
  'ai.usage.cachedInputTokens': 2000,
  'ai.response.providerMetadata': JSON.stringify({
    anthropic: {
      usage: {
        input_tokens: 100,
        output_tokens: 250,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 1000,
        cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
      },
      cacheCreationInputTokens: 1000,
    },
  }),
  'ai.telemetry.metadata.sessionId': 'sess-v6',
  'gen_ai.system': 'anthropic.messages',
  'gen_ai.request.model': 'claude-sonnet-4-5',
  'gen_ai.usage.input_tokens': 3100,
  'gen_ai.usage.output_tokens': 250,
};

describe('vercelAi normalizer', () => {
  it('claims AI SDK spans, gen_ai.* attributes and all, before the GenAI normalizer would', () => {
    expect(vercelAi.claims(span(v6Anthropic))).toBe(true);
    expect(genAi.claims(span(v6Anthropic))).toBe(true);
    expect(vercelAi.claims(span({ 'gen_ai.usage.input_tokens': 1, 'gen_ai.request.model': 'gpt-4o' }))).toBe(false);
  });

  it('maps AI SDK 6 usage: input includes cache reads and writes, the 1-hour writes from the Anthropic metadata', () => {
    expect(vercelAi.normalize(span(v6Anthropic))).toEqual([
      {
        type: 'TokenUsed',
        session_id: 'sess-v6',
        occurred_at: '2026-11-18T11:06:41.500Z',
        model: 'claude-sonnet-4-5-20250929',
        provider: 'anthropic',
        input_tokens: 100,
        output_tokens: 250,
        cache_read_tokens: 2000,
        cache_creation_tokens: 1000,
        cache_creation_1h_tokens: 600,
      },
    ]);
  });

  it('skips the outer spans, whose usage sums their provider calls', () => {
    for (const operation of ['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.embed', 'ai.embedMany']) {
      const outer = span({ ...v6Anthropic, 'ai.operationId': operation });
      expect(vercelAi.claims(outer)).toBe(true);
      expect(vercelAi.normalize(outer)).toEqual([]);
    }
  });

  it('maps AI SDK 6 OpenAI usage with reasoning, the served tier and the trace as the session', () => {
    const [event] = vercelAi.normalize(
      span({
        'ai.operationId': 'ai.streamText.doStream',
        'ai.model.provider': 'openai.responses',
        'ai.model.id': 'o4-mini',
        'ai.usage.inputTokens': 5000,
        'ai.usage.inputTokenDetails.noCacheTokens': 1000,
        'ai.usage.inputTokenDetails.cacheReadTokens': 4000,
        'ai.usage.outputTokens': 900,
        'ai.usage.outputTokenDetails.textTokens': 300,
        'ai.usage.outputTokenDetails.reasoningTokens': 600,
        'ai.response.providerMetadata': JSON.stringify({ openai: { responseId: 'resp_1', serviceTier: 'flex' } }),
      }),
    );
    expect(event).toMatchObject({ session_id: TRACE, model: 'o4-mini', provider: 'openai', input_tokens: 1000, cache_read_tokens: 4000, cache_creation_tokens: 0, output_tokens: 900, reasoning_tokens: 600, service_tier: 'flex' });
  });

  it('maps AI SDK 5 Anthropic doGenerate: promptTokens excludes the cache, reads and writes from the provider metadata', () => {
    const [event] = vercelAi.normalize(
      span({
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'ai.usage.promptTokens': 100,
        'ai.usage.completionTokens': 250,
        'ai.response.providerMetadata': JSON.stringify({
          anthropic: { usage: { input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000, server_tool_use: { web_search_requests: 2 } }, cacheCreationInputTokens: 1000 },
        }),
      }),
    );
    expect(event).toMatchObject({ input_tokens: 100, cache_read_tokens: 2000, cache_creation_tokens: 1000, output_tokens: 250, web_search_requests: 2 });
    expect(event).not.toHaveProperty('cache_creation_1h_tokens');
  });

  it("tells AI SDK 6's generateObject span (promptTokens including the cache) from v5's by Anthropic's raw usage", () => {
    const metadata = JSON.stringify({ anthropic: { usage: { input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 1000 }, cacheCreationInputTokens: 1000 } });
    const object = (promptTokens: number) =>
      vercelAi.normalize(
        span({ 'ai.operationId': 'ai.generateObject.doGenerate', 'ai.model.provider': 'anthropic.messages', 'ai.model.id': 'claude-sonnet-4-5', 'ai.usage.promptTokens': promptTokens, 'ai.usage.completionTokens': 40, 'ai.response.providerMetadata': metadata }),
      )[0];
    expect(object(3100)).toMatchObject({ input_tokens: 100, cache_read_tokens: 2000, cache_creation_tokens: 1000 });
    expect(object(100)).toMatchObject({ input_tokens: 100, cache_read_tokens: 2000, cache_creation_tokens: 1000 });
  });

  it("tells AI SDK 6's Gemini output (thoughts included) from v5's (thoughts beside) by the raw usageMetadata", () => {
    const [event] = vercelAi.normalize(
      span({
        'ai.operationId': 'ai.generateObject.doGenerate',
        'ai.model.provider': 'google.generative-ai',
        'ai.model.id': 'gemini-2.5-flash',
        'ai.usage.promptTokens': 1000,
        'ai.usage.completionTokens': 500,
        'ai.response.providerMetadata': JSON.stringify({ google: { usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 200, cachedContentTokenCount: 600, thoughtsTokenCount: 300 } } }),
      }),
    );
    expect(event).toMatchObject({ input_tokens: 400, cache_read_tokens: 600, output_tokens: 500, reasoning_tokens: 300 });
  });

  it('maps AI SDK 5 OpenAI doStream: inputTokens includes cachedInputTokens', () => {
    const [event] = vercelAi.normalize(
      span({
        'ai.operationId': 'ai.streamText.doStream',
        'ai.model.provider': 'openai.chat',
        'ai.model.id': 'gpt-4o',
        'ai.usage.inputTokens': 1500,
        'ai.usage.outputTokens': 80,
        'ai.usage.cachedInputTokens': 1024,
        'ai.usage.reasoningTokens': 0,
      }),
    );
    expect(event).toMatchObject({ input_tokens: 476, cache_read_tokens: 1024, output_tokens: 80 });
    expect(event).not.toHaveProperty('reasoning_tokens');
  });

  it("maps AI SDK 5 Gemini: cached input inside the prompt, thoughts beside the candidates (the metadata's usageMetadata)", () => {
    const [event] = vercelAi.normalize(
      span({
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'google.generative-ai',
        'ai.model.id': 'gemini-2.5-flash',
        'ai.usage.promptTokens': 1000,
        'ai.usage.completionTokens': 200,
        'ai.response.providerMetadata': JSON.stringify({ google: { usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 200, cachedContentTokenCount: 600, thoughtsTokenCount: 300 } } }),
      }),
    );
    expect(event).toMatchObject({ provider: 'google', input_tokens: 400, cache_read_tokens: 600, output_tokens: 500, reasoning_tokens: 300 });
  });

  it('maps embeddings: ai.usage.tokens is input', () => {
    const [event] = vercelAi.normalize(span({ 'ai.operationId': 'ai.embedMany.doEmbed', 'ai.model.provider': 'openai.embedding', 'ai.model.id': 'text-embedding-3-small', 'ai.usage.tokens': 812 }));
    expect(event).toMatchObject({ model: 'text-embedding-3-small', input_tokens: 812, output_tokens: 0 });
  });

  it.each([
    ['amazon-bedrock', 'amazon-bedrock'],
    ['google.vertex.chat', 'google'],
    ['vertex.anthropic.messages', 'vertex'],
    ['azure.responses', 'azure'],
    ['xai.chat', 'xai'],
    ['mistral.chat', 'mistral'],
  ])('sends the first part of ai.model.provider %s as the provider %s (the catalog aliases it)', (modelProvider, provider) => {
    const [event] = vercelAi.normalize(span({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': modelProvider, 'ai.model.id': 'm', 'ai.usage.promptTokens': 1, 'ai.usage.completionTokens': 1 }));
    expect(event).toMatchObject({ provider });
  });

  it('sends no provider for the AI Gateway, whose model id names it', () => {
    const [event] = vercelAi.normalize(span({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'gateway', 'ai.model.id': 'anthropic/claude-sonnet-4.5', 'ai.usage.promptTokens': 1 }));
    expect(event).not.toHaveProperty('provider');
  });

  it('turns ai.toolCall spans into ToolCalled, in the session of the call', () => {
    const tool = span({ 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'weather', 'ai.toolCall.id': 'call_1', 'ai.telemetry.metadata.sessionId': 'sess-v6' }, 'ai.toolCall', 2);
    expect(vercelAi.normalize(tool)).toEqual([
      { type: 'ToolCalled', session_id: 'sess-v6', occurred_at: '2026-11-18T11:06:41.500Z', tool_name: 'weather', duration_ms: 1500, status: 'error' },
    ]);
  });

  it('makes nothing of a provider call without usage', () => {
    expect(vercelAi.normalize(span({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o' }))).toEqual([]);
  });

  it('names the attribute of malformed usage', () => {
    expect(thrown(() => vercelAi.normalize(span({ ...v6Anthropic, 'ai.usage.inputTokens': 2999 }))).attribute).toBe('ai.usage.inputTokens');
    expect(thrown(() => vercelAi.normalize(span({ ...v6Anthropic, 'ai.usage.outputTokens': 'many' }))).attribute).toBe('ai.usage.outputTokens');
    expect(thrown(() => vercelAi.normalize(span({ ...v6Anthropic, 'ai.response.providerMetadata': '{' }))).attribute).toBe('ai.response.providerMetadata');
    const tooManyHours = JSON.stringify({ anthropic: { usage: { cache_creation: { ephemeral_1h_input_tokens: 1001 } } } });
    expect(thrown(() => vercelAi.normalize(span({ ...v6Anthropic, 'ai.response.providerMetadata': tooManyHours }))).message).toMatch(/ephemeral_1h_input_tokens 1001/);
    expect(thrown(() => vercelAi.normalize(span({ ...v6Anthropic, 'ai.usage.outputTokenDetails.reasoningTokens': 251 }))).attribute).toBe('ai.usage.reasoningTokens');
    const { 'ai.model.id': _id, 'ai.response.model': _model, ...modelless } = v6Anthropic;
    expect(thrown(() => vercelAi.normalize(span(modelless))).attribute).toBe('ai.model.id');
  });
});
