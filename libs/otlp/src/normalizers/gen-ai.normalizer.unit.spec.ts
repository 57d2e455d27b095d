import { Attributes, OtlpRecord } from '../otlp-model';
import { catalogProvider, genAi } from './gen-ai.normalizer';
import { thrown } from '../../testing/normalizer-spec';

const TRACE = '5b8efff798038103d269b633813fc60c';
const START = '1795000000000000000'; // 2026-11-18T11:06:40.000Z
const END = '1795000002345678901';

const span = (attributes: Attributes, over: Partial<{ kind: number; name: string; status: number; scope: string; resource: Attributes }> = {}): OtlpRecord => ({
  signal: 'traces',
  resource: over.resource ?? { 'service.name': 'agent' },
  scope: { name: over.scope ?? 'opentelemetry.instrumentation.openai_v2', version: '2.1b0', attributes: {} },
  span: {
    traceId: TRACE,
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: 'eee19b7ec3c1b173',
    name: over.name ?? 'chat gpt-4o',
    kind: over.kind ?? 3,
    startTimeUnixNano: START,
    endTimeUnixNano: END,
    attributes,
    events: [],
    status: { code: over.status ?? 0, message: '' },
  },
});

const log = (attributes: Attributes, eventName: string, spanId = ''): OtlpRecord => ({
  signal: 'logs',
  resource: {},
  scope: { name: 'opentelemetry.util.genai', version: '0.3b0', attributes: {} },
  log: {
    timeUnixNano: END,
    observedTimeUnixNano: END,
    severityText: 'DEBUG',
    eventName,
    body: null,
    attributes,
    traceId: spanId ? TRACE : '',
    spanId,
  },
});

const chat: Attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.response.id': 'chatcmpl-1',
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 300,
};

describe('genAi normalizer', () => {
  it('maps a chat span: the response model over the request model, the trace as the session, the span end as the time', () => {
    expect(genAi.claims(span(chat))).toBe(true);
    expect(genAi.normalize(span(chat))).toEqual([
      {
        type: 'TokenUsed',
        session_id: TRACE,
        occurred_at: '2026-11-18T11:06:42.345Z',
        model: 'gpt-4o-2024-08-06',
        provider: 'openai',
        input_tokens: 1200,
        output_tokens: 300,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
      },
    ]);
  });

  it('subtracts cache reads and writes from input_tokens, which includes them, and keeps reasoning as part of output', () => {
    const [event] = genAi.normalize(
      span({
        ...chat,
        'gen_ai.conversation.id': 'conv_1',
        'gen_ai.usage.cache_read.input_tokens': 800,
        'gen_ai.usage.cache_write.input_tokens': 100,
        'gen_ai.usage.reasoning.output_tokens': 120,
      }),
    );
    expect(event).toMatchObject({ session_id: 'conv_1', input_tokens: 300, cache_read_tokens: 800, cache_creation_tokens: 100, output_tokens: 300, reasoning_tokens: 120 });
  });

  it.each([
    ['gen_ai.usage.cache_write.input_tokens', 'the current name'],
    ['gen_ai.usage.cache_creation.input_tokens', 'the name before semantic-conventions-genai#440'],
    ['gen_ai.usage.cache_creation_input_tokens', "OpenLLMetry's before semconv-ai 0.5"],
  ])('reads cache writes from %s (%s)', (key) => {
    const [event] = genAi.normalize(span({ ...chat, [key]: 200 }));
    expect(event).toMatchObject({ input_tokens: 1000, cache_creation_tokens: 200 });
  });

  it("reads OpenLLMetry's older names: prompt/completion tokens, cache reads with _, reasoning_tokens, a capitalised gen_ai.system", () => {
    const [event] = genAi.normalize(
      span(
        {
          'llm.request.type': 'chat',
          'gen_ai.system': 'OpenAI',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.prompt_tokens': 500,
          'gen_ai.usage.completion_tokens': 40,
          'gen_ai.usage.cache_read_input_tokens': 256,
          'gen_ai.usage.reasoning_tokens': 10,
          'llm.usage.total_tokens': 540,
          'traceloop.association.properties.session_id': 'chat-42',
        },
        { scope: 'opentelemetry.instrumentation.openai.v1', kind: 3 },
      ),
    );
    expect(event).toMatchObject({ session_id: 'chat-42', provider: 'openai', model: 'gpt-4o', input_tokens: 244, cache_read_tokens: 256, output_tokens: 40, reasoning_tokens: 10 });
  });

  it("does not subtract the cache from OpenLLMetry's Bedrock spans, whose input is Bedrock's uncached inputTokens", () => {
    const attributes = {
      'gen_ai.system': 'aws.bedrock',
      'gen_ai.request.model': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.usage.cache_read.input_tokens': 2000,
      'gen_ai.usage.cache_creation.input_tokens': 500,
    };
    expect(genAi.normalize(span(attributes, { scope: 'opentelemetry.instrumentation.bedrock' }))[0]).toMatchObject({
      provider: 'aws',
      input_tokens: 40,
      cache_read_tokens: 2000,
      cache_creation_tokens: 500,
    });
    // The same counts from an instrumentation that follows the conventions cannot be: input must include the cache.
    expect(thrown(() => genAi.normalize(span(attributes))).attribute).toBe('gen_ai.usage.input_tokens');
  });

  it("does not subtract the cache from OpenLIT's Anthropic spans (Anthropic's own input_tokens), and keeps its cost as the reported cost", () => {
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 4000,
      'gen_ai.usage.cache_creation.input_tokens': 1000,
      'gen_ai.usage.cost': 0.01005,
    };
    const resource = { 'service.name': 'notes', 'telemetry.sdk.name': 'openlit' };
    expect(genAi.normalize(span(attributes, { scope: 'openlit.otel.tracing', resource }))[0]).toMatchObject({ input_tokens: 200, cache_read_tokens: 4000, cache_creation_tokens: 1000, reported_cost_usd: '0.01005' });
    // OpenLIT's OpenAI spans count cached input inside the input, as the conventions do.
    expect(genAi.normalize(span({ ...chat, 'gen_ai.usage.cache_read.input_tokens': 200 }, { scope: 'openlit.otel.tracing', resource }))[0]).toMatchObject({ input_tokens: 1000 });
    expect(genAi.normalize(span({ ...attributes, 'gen_ai.usage.cost': 0 }, { scope: 'openlit.otel.tracing', resource }))[0]).not.toHaveProperty('reported_cost_usd');
    expect(genAi.normalize(span({ ...chat, 'gen_ai.usage.cost': 1.2e-21 }))[0]).not.toHaveProperty('reported_cost_usd');
    expect(genAi.normalize(span({ ...chat, 'gen_ai.usage.cost': '0.0000000000000000015' }))[0]).toMatchObject({ reported_cost_usd: '0.000000000000000002' });
    expect(thrown(() => genAi.normalize(span({ ...chat, 'gen_ai.usage.cost': 'free' }))).attribute).toBe('gen_ai.usage.cost');
  });

  it("does not subtract the cache from Strands Agents' chat spans (its Bedrock-shaped usage), and sends no provider for its framework name but aws for a Bedrock model id", () => {
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'strands-agents',
      'gen_ai.request.model': 'us.anthropic.claude-sonnet-4-20250514-v1:0',
      'gen_ai.usage.prompt_tokens': 4,
      'gen_ai.usage.input_tokens': 4,
      'gen_ai.usage.output_tokens': 120,
      'gen_ai.usage.cache_read_input_tokens': 56703,
      'gen_ai.usage.cache_write_input_tokens': 2623,
    };
    const [event] = genAi.normalize(span(attributes, { kind: 1, name: 'chat', scope: 'strands.telemetry.tracer' }));
    expect(event).toMatchObject({ input_tokens: 4, cache_read_tokens: 56703, cache_creation_tokens: 2623 });
    // Its Bedrock model ids resolve only under aws, which a framework name does not say.
    expect(event).toMatchObject({ provider: 'aws' });
    const openAi = genAi.normalize(span({ ...attributes, 'gen_ai.request.model': 'gpt-4o' }, { kind: 1, name: 'chat', scope: 'strands.telemetry.tracer' }))[0];
    expect(openAi).not.toHaveProperty('provider');
  });

  it.each([
    ['gcp.gemini', 'google'],
    ['gcp.vertex_ai', 'google'],
    ['gcp.gen_ai', 'google'],
    ['aws.bedrock', 'aws'],
    ['azure.ai.openai', 'azure'],
    ['az.ai.openai', 'azure'],
    ['x_ai', 'x-ai'],
    ['mistral_ai', 'mistral'],
    ['Anthropic', 'anthropic'],
    ['ibm.watsonx.ai', 'ibm.watsonx.ai'],
    ['langchain', undefined],
    ['constructor', 'constructor'],
  ])('maps provider %s to the catalog provider %s', (name, id) => {
    expect(catalogProvider(name, 'gen_ai.provider.name')).toBe(id);
  });

  it('prefers gen_ai.provider.name over the older gen_ai.system', () => {
    const [event] = genAi.normalize(span({ ...chat, 'gen_ai.provider.name': 'azure.ai.openai', 'gen_ai.system': 'openai' }));
    expect(event).toMatchObject({ provider: 'azure' });
  });

  it('takes the served tier as the service_tier modifier when it is one, in either attribute name', () => {
    expect(genAi.normalize(span({ ...chat, 'openai.response.service_tier': 'priority' }))[0]).toMatchObject({ service_tier: 'priority' });
    expect(genAi.normalize(span({ ...chat, 'gen_ai.openai.response.service_tier': 'flex' }))[0]).toMatchObject({ service_tier: 'flex' });
    expect(genAi.normalize(span({ ...chat, 'openai.response.service_tier': 'default' }))[0]).not.toHaveProperty('service_tier');
    expect(genAi.normalize(span({ ...chat, 'openai.request.service_tier': 'flex' }))[0]).not.toHaveProperty('service_tier');
  });

  it("skips an in-process agent's usage (INTERNAL: the sum of its chat spans) and counts a remote agent's (CLIENT)", () => {
    const agent = { ...chat, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'Planner' };
    expect(genAi.normalize(span(agent, { kind: 1 }))).toEqual([]);
    expect(genAi.normalize(span(agent, { kind: 0 }))).toEqual([]);
    expect(genAi.normalize(span(agent, { kind: 3 }))).toHaveLength(1);
  });

  it("counts AI SDK 7's GenAI spans once: its root invoke_agent span (INTERNAL, the steps' sum) is skipped, each chat span counts", () => {
    // @ai-sdk/otel's OpenTelemetry integration: root `invoke_agent <model>` and one `chat <model>` span per step, no ai.* attributes.
    const step = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': 3100, 'gen_ai.usage.output_tokens': 250,
      'gen_ai.usage.cache_read.input_tokens': 2000, 'gen_ai.usage.cache_creation.input_tokens': 1000 };
    const root = { ...step, 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-reply' };
    expect(genAi.normalize(span(root, { kind: 1, name: 'invoke_agent claude-sonnet-4-5', scope: 'ai' }))).toEqual([]);
    expect(genAi.normalize(span(step, { kind: 1, name: 'chat claude-sonnet-4-5', scope: 'ai' }))).toMatchObject([{ input_tokens: 100, cache_read_tokens: 2000, cache_creation_tokens: 1000 }]);
  });

  it.each(['invoke_workflow', 'create_agent', 'invoke_swarm', 'invoke_graph'])('skips %s spans whatever they report', (operation) => {
    expect(genAi.normalize(span({ ...chat, 'gen_ai.operation.name': operation }, { kind: 3 }))).toEqual([]);
  });

  it('claims a GenAI operation without usage and makes nothing of it', () => {
    const retrieval = span({ 'gen_ai.operation.name': 'retrieval', 'gen_ai.data_source.id': 'H7STPQYOND' });
    expect(genAi.claims(retrieval)).toBe(true);
    expect(genAi.normalize(retrieval)).toEqual([]);
  });

  it('claims nothing that is not GenAI', () => {
    expect(genAi.claims(span({ 'http.request.method': 'GET' }))).toBe(false);
    expect(genAi.claims(log({ 'http.request.method': 'GET' }, 'app.event'))).toBe(false);
  });

  it('turns an execute_tool span into ToolCalled with its duration and status', () => {
    const tool = span(
      { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call_1', 'gen_ai.conversation.id': 'conv_1' },
      { kind: 1, status: 2 },
    );
    expect(genAi.normalize(tool)).toEqual([
      { type: 'ToolCalled', session_id: 'conv_1', occurred_at: '2026-11-18T11:06:42.345Z', tool_name: 'get_weather', duration_ms: 2345, status: 'error' },
    ]);
    expect(genAi.normalize(span({ 'gen_ai.operation.name': 'execute_tool' }, { name: 'execute_tool search' }))).toMatchObject([{ tool_name: 'search' }]);
    expect(thrown(() => genAi.normalize(span({ 'gen_ai.operation.name': 'execute_tool' }, { name: 'tool' }))).attribute).toBe('gen_ai.tool.name');
  });

  it("turns OpenLLMetry's tool spans (traceloop.span.kind tool) into ToolCalled", () => {
    const tool = span({ 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'search_docs' }, { kind: 1 });
    expect(genAi.claims(tool)).toBe(true);
    expect(genAi.normalize(tool)).toMatchObject([{ type: 'ToolCalled', tool_name: 'search_docs', duration_ms: 2345, status: 'ok' }]);
  });

  it("counts the inference-details event of a logs-only setup, and skips one recorded inside its span (the span counts)", () => {
    const details = { ...chat, 'gen_ai.conversation.id': 'conv_9' };
    const alone = log(details, 'gen_ai.client.inference.operation.details');
    expect(genAi.claims(alone)).toBe(true);
    expect(genAi.normalize(alone)).toMatchObject([{ type: 'TokenUsed', session_id: 'conv_9', input_tokens: 1200, occurred_at: '2026-11-18T11:06:42.345Z' }]);
    expect(genAi.normalize(log(details, 'gen_ai.client.inference.operation.details', 'eee19b7ec3c1b174'))).toEqual([]);
  });

  it('counts any other log record that reports gen_ai.usage.*, its trace as the session', () => {
    const record = log({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.system': 'openai', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2 }, 'app.llm_call', 'eee19b7ec3c1b174');
    expect(genAi.normalize(record)).toMatchObject([{ session_id: TRACE, input_tokens: 10, output_tokens: 2 }]);
  });

  it('claims other gen_ai events (evaluations, exceptions) and makes nothing of them', () => {
    const evaluation = log({ 'gen_ai.evaluation.name': 'Relevance', 'gen_ai.evaluation.score.value': 0.8 }, 'gen_ai.evaluation.result');
    expect(genAi.claims(evaluation)).toBe(true);
    expect(genAi.normalize(evaluation)).toEqual([]);
  });

  it('names the attribute of malformed usage', () => {
    expect(thrown(() => genAi.normalize(span({ ...chat, 'gen_ai.usage.output_tokens': -3 }))).attribute).toBe('gen_ai.usage.output_tokens');
    expect(thrown(() => genAi.normalize(span({ ...chat, 'gen_ai.usage.input_tokens': '12.5' }))).attribute).toBe('gen_ai.usage.input_tokens');
    expect(thrown(() => genAi.normalize(span({ ...chat, 'gen_ai.usage.cache_read.input_tokens': 1201 }))).message).toMatch(
      /^gen_ai.usage.input_tokens: 1200 is less than the cache reads \(1201\)/,
    );
    expect(thrown(() => genAi.normalize(span({ ...chat, 'gen_ai.usage.reasoning.output_tokens': 301 }))).attribute).toBe('gen_ai.usage.reasoning.output_tokens');
    const { 'gen_ai.request.model': _request, 'gen_ai.response.model': _response, ...modelless } = chat;
    expect(thrown(() => genAi.normalize(span(modelless))).attribute).toBe('gen_ai.request.model');
    const orphan = log({ ...chat }, 'app.llm_call');
    expect(thrown(() => genAi.normalize(orphan)).attribute).toBe('gen_ai.conversation.id');
  });

  it('reads counts sent as decimal strings', () => {
    expect(genAi.normalize(span({ ...chat, 'gen_ai.usage.input_tokens': '1200', 'gen_ai.usage.output_tokens': '300' }))[0]).toMatchObject({
      input_tokens: 1200,
      output_tokens: 300,
    });
  });
});
